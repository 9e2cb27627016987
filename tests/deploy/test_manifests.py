"""The deployment files, checked as a cluster and a container runtime would read them: every
Kubernetes manifest validated against the Kubernetes schemas (kubernetes-validate, offline),
the references between them resolved, the spec they ship loaded by stanchion, the commands
they run being real CLI commands, and the dashboard reading metrics stanchion emits."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from click.testing import CliRunner

from stanchion.cli.main import cli
from stanchion.server.app import routes
from stanchion.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "deploy" / "compose"
K8S_VERSION = "1.30"


def docs(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in sorted(folder.rglob("*.yaml")):
        out += [(path, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return out


def by_kind(kind: str, folder: Path = KUBE / "base") -> dict[str, Any]:
    found = [d for _, d in docs(folder) if d["kind"] == kind]
    assert len(found) == 1, f"{kind}: {len(found)}"
    return found[0]


@pytest.mark.parametrize("path,doc", docs(KUBE), ids=lambda v: getattr(v, "name", ""))
def test_every_manifest_validates_against_the_kubernetes_schemas(
    path: Path, doc: dict[str, Any]
) -> None:
    if doc["apiVersion"].startswith("monitoring.coreos.com/"):
        with pytest.raises(kubernetes_validate.SchemaNotFoundError):
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        endpoint = doc["spec"]["endpoints"][0]
        assert endpoint["path"] == "/metrics" and endpoint["port"] == "http"
        return
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_a_broken_manifest_is_caught() -> None:
    bad = json.loads(json.dumps(by_kind("Deployment")))
    bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def _pod(kind: str) -> dict[str, Any]:
    return by_kind(kind)["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def test_the_references_between_manifests_resolve() -> None:
    deploy, service = by_kind("Deployment"), by_kind("Service")
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    assert deploy["spec"]["selector"]["matchLabels"] == pod_labels
    assert service["spec"]["selector"].items() <= pod_labels.items()
    for path, doc in docs(KUBE):
        if doc["kind"] == "PodDisruptionBudget":
            assert doc["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), path
        if doc["kind"] == "HorizontalPodAutoscaler":
            assert doc["spec"]["scaleTargetRef"]["name"] == deploy["metadata"]["name"], path
    secret, config = by_kind("Secret"), by_kind("ConfigMap")
    for kind in ("Deployment", "Job"):
        pod = _pod(kind)
        container = pod["containers"][0]
        assert container["envFrom"][0]["secretRef"]["name"] == secret["metadata"]["name"]
        spec_volume = next(v for v in pod["volumes"] if "configMap" in v)["configMap"]
        assert spec_volume["name"] == config["metadata"]["name"]
        assert {i["key"] for i in spec_volume["items"]} <= set(config["data"])
        mounts = {m["name"] for m in container["volumeMounts"]}
        assert mounts == {v["name"] for v in pod["volumes"]}
    assert "STANCHION_ENCRYPTION_KEY" in secret["stringData"]


def test_pods_are_hardened_probed_and_drained() -> None:
    pod = _pod("Deployment")
    c = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] > 0
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["resources"]["requests"]["cpu"] and c["resources"]["limits"]["memory"]
    served = {r.path for r in routes()}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"]["path"] in served
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"  # fails while draining
    env = {e["name"]: e.get("value") for e in c["env"]}
    drain = env["STANCHION_DRAIN_FILE"]
    assert drain in " ".join(c["lifecycle"]["preStop"]["exec"]["command"])
    writable = {m["mountPath"] for m in c["volumeMounts"] if not m.get("readOnly")}
    assert Path(drain).parent.as_posix() in writable
    assert Path(env["STANCHION_SPOOL_DIR"]).parent.as_posix() in writable
    assert pod["terminationGracePeriodSeconds"] > 15 + 30  # preStop sleep + uvicorn's drain


def _app_from_configmap(tmp_path: Path) -> Path:
    data = by_kind("ConfigMap")["data"]
    items = next(v for v in _pod("Deployment")["volumes"] if "configMap" in v)["configMap"]
    for item in items["items"]:
        (tmp_path / item["path"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / item["path"]).write_text(data[item["key"]])
    return tmp_path / "stanchion.yaml"


def _app_from_compose(folder: Path) -> Path:
    """/srv/app as compose's volumes assemble it."""
    compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    for volume in compose["services"]["stanchion"]["volumes"]:
        host, _, rest = volume.partition(":")
        inside = rest.split(":")[0]
        if not inside.startswith("/srv/app/"):
            continue
        target, source = folder / inside.removeprefix("/srv/app/"), (COMPOSE / host).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return folder / "stanchion.yaml"


def test_the_shipped_specs_load(tmp_path: Path) -> None:
    spec = load_spec(_app_from_configmap(tmp_path))
    assert spec.knowledge is not None
    assert Path(spec.knowledge.retrieval.index_path).is_absolute()  # not on the read-only spec
    compose_spec = load_spec(_app_from_compose(tmp_path / "compose"))
    assert compose_spec.cache.exact and compose_spec.roles.extra["metrics"] == ["reports.read"]


def _is_command(args: list[str]) -> None:
    words = [a for a in args if not a.startswith("-")][:2]
    result = CliRunner().invoke(cli, [*words, "--help"])
    assert result.exit_code == 0, (args, result.output)
    for option in (a.split("=")[0] for a in args if a.startswith("--")):
        assert option in result.output, (args, option)


def test_the_commands_they_run_are_real() -> None:
    for kind in ("Deployment", "Job"):
        _is_command(_pod(kind)["containers"][0]["args"])
    compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    for name in ("migrate", "ingest", "stanchion"):
        _is_command(compose["services"][name]["command"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    _is_command(json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1)))  # type: ignore[union-attr]


def test_the_image_is_multi_stage_non_root_and_checks_its_health() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) >= 2
    final = stages[-1]
    assert re.search(r"^USER 10001", final, re.M)
    assert "HEALTHCHECK" in final and "/healthz" in final
    assert not re.search(r"apt-get install|gcc|build-essential", final)
    assert "rm -rf" in final and "pip" in final  # no installer left at run time


def test_compose_runs_the_stack_and_the_dashboard_reads_real_metrics() -> None:
    compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    assert {"postgres", "redis", "stanchion", "prometheus", "grafana"} <= set(compose["services"])
    gateway = compose["services"]["stanchion"]
    assert gateway["read_only"] is True and gateway["user"].startswith("10001")
    prom = yaml.safe_load((COMPOSE / "prometheus" / "prometheus.yml").read_text())
    assert prom["scrape_configs"][0]["static_configs"][0]["targets"] == ["stanchion:8000"]
    emitted = set()
    for path in (ROOT / "src" / "stanchion").rglob("*.py"):
        emitted |= set(re.findall(r'"(stanchion_[a-z_]+)"', path.read_text()))
    dash = json.loads((COMPOSE / "grafana" / "dashboards" / "stanchion.json").read_text())
    used = set()
    for panel in dash["panels"]:
        for target in panel["targets"]:
            used |= set(re.findall(r"\b(stanchion_[a-z_]+)", target["expr"]))
    assert used, "the dashboard reads nothing"
    missing = {m for m in used if re.sub(r"_(bucket|sum|count)$", "", m) not in emitted}
    assert not missing, missing
