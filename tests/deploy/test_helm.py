"""The Helm chart (deploy/helm/stanchion), rendered by Helm's own engine (helm-python-sdk
ships it as a library: no helm binary, no cluster) and every manifest validated against the
Kubernetes schemas, as in test_manifests.py for the plain manifests; then what a cluster
relies on: probes, drain, hardening, the HPA's and PDB's targets, hooks in the right order,
the spec the ConfigMap carries loading in stanchion, and the values that must be given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from stanchion.spec import load_spec
from tests.deploy.test_manifests import K8S_VERSION, KUBE, _is_command, by_kind

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "stanchion"
SECRET = {"encryptionKey": "a2V5", "databaseUrl": "postgresql+psycopg://s:p@pg/s"}
FULL = {"secret": SECRET, "serviceMonitor": {"enabled": True}}
LEAN = {
    "secret": {"existing": "made-elsewhere"},
    "autoscaling": {"enabled": False},
    "podDisruptionBudget": {"enabled": False},
    "migration": {"enabled": False},
    "replicaCount": 3,
}


def render(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The chart's documents by kind, as `helm template prod --namespace ai` makes them."""
    out = helm.Chart.load(CHART).render(values, name="prod", namespace="ai", is_install=True)
    docs = [d for text in out.values() for d in yaml.safe_load_all(text) if d]
    by = {d["kind"]: d for d in docs}
    assert len(by) == len(docs), "one document per kind"
    return by


@pytest.fixture(scope="module")
def full() -> dict[str, dict[str, Any]]:
    return render(FULL)


def test_lint_is_clean_in_strict_mode() -> None:
    report = helm.lint(CHART, {"secret": SECRET}, strict=True, kube_version="v1.30.0")
    assert report["errors"] == [] and [m for m in report["messages"] if m["severity"] > 1] == []


@pytest.mark.parametrize("values", [FULL, LEAN], ids=["full", "lean"])
def test_every_rendered_manifest_validates(values: dict[str, Any]) -> None:
    for kind, doc in render(values).items():
        if kind == "ServiceMonitor":  # a CRD: no schema in Kubernetes' own
            with pytest.raises(kubernetes_validate.SchemaNotFoundError):
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_what_each_setting_renders(full: dict[str, dict[str, Any]]) -> None:
    assert set(full) == {
        "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Job", "PodDisruptionBudget",
        "Secret", "Service", "ServiceAccount", "ServiceMonitor",
    }  # fmt: skip
    lean = render(LEAN)
    assert set(lean) == {"ConfigMap", "Deployment", "Service", "ServiceAccount"}
    assert lean["Deployment"]["spec"]["replicas"] == 3
    assert "replicas" not in full["Deployment"]["spec"]  # the HPA owns it
    secret_ref = lean["Deployment"]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert secret_ref == [{"secretRef": {"name": "made-elsewhere"}}]


def test_the_gateway_is_probed_drained_and_hardened_like_the_plain_manifests(
    full: dict[str, dict[str, Any]],
) -> None:
    pod = full["Deployment"]["spec"]["template"]["spec"]
    plain = by_kind("Deployment")["spec"]["template"]["spec"]
    (c,), (p,) = pod["containers"], plain["containers"]
    for field in ("args", "ports", "env", "resources", "securityContext", "lifecycle"):
        assert c[field] == p[field], field
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe] == p[probe], probe
    assert pod["securityContext"] == plain["securityContext"]
    assert pod["terminationGracePeriodSeconds"] > 15  # the preStop drain's sleep fits
    _is_command(c["args"])
    _is_command(full["Job"]["spec"]["template"]["spec"]["containers"][0]["args"])


def test_the_hpa_pdb_service_and_monitor_point_at_the_gateway(
    full: dict[str, dict[str, Any]],
) -> None:
    deploy = full["Deployment"]
    labels = deploy["spec"]["template"]["metadata"]["labels"]
    target = full["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deploy["metadata"]["name"])
    metric = full["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]
    assert metric["name"] == "cpu"
    for kind in ("PodDisruptionBudget", "ServiceMonitor"):
        assert full[kind]["spec"]["selector"]["matchLabels"].items() <= labels.items(), kind
    assert full["Service"]["spec"]["selector"].items() <= labels.items()
    assert full["ServiceMonitor"]["spec"]["endpoints"][0]["path"] == "/metrics"


def test_the_secret_and_spec_exist_before_the_migration_job_that_mounts_them(
    full: dict[str, dict[str, Any]],
) -> None:
    def hook(kind: str) -> tuple[set[str], int]:
        notes = full[kind]["metadata"]["annotations"]
        return set(notes["helm.sh/hook"].split(",")), int(notes["helm.sh/hook-weight"])

    job_phases, job_weight = hook("Job")
    assert job_phases == {"pre-install", "pre-upgrade"}
    for kind in ("Secret", "ConfigMap"):
        phases, weight = hook(kind)
        assert phases == job_phases and weight < job_weight, kind
    assert full["Secret"]["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert set(full["Secret"]["stringData"]) == {
        "STANCHION_ENCRYPTION_KEY",
        "STANCHION_DATABASE_URL",
    }
    volumes = full["Job"]["spec"]["template"]["spec"]["volumes"]
    assert volumes[0]["configMap"]["name"] == full["ConfigMap"]["metadata"]["name"]


def test_the_spec_in_the_configmap_loads(full: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    data = full["ConfigMap"]["data"]
    volume = full["Deployment"]["spec"]["template"]["spec"]["volumes"][0]["configMap"]
    for item in volume["items"]:  # lay the files out as the pod sees them under /srv/app
        (tmp_path / item["path"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / item["path"]).write_text(data[item["key"]])
    spec = load_spec(tmp_path / "stanchion.yaml")
    assert spec.app == "support-assistant"
    assert (tmp_path / "prompts" / "system.md").exists()
    plain = yaml.safe_load(by_kind("ConfigMap", KUBE / "base")["data"]["stanchion.yaml"])
    assert yaml.safe_load(data["stanchion.yaml"])["models"] == plain["models"]


@pytest.mark.parametrize(
    "values,missing",
    [({}, "secret.encryptionKey"), ({"secret": {"encryptionKey": "k"}}, "secret.databaseUrl")],
)
def test_a_release_without_its_master_key_or_store_does_not_render(
    values: dict[str, Any], missing: str
) -> None:
    with pytest.raises(helm.HelmError, match=missing.replace(".", r"\.")):
        helm.Chart.load(CHART).render(values, name="prod", namespace="ai")
