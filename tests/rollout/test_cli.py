"""``stanchion init``, ``quickstart`` from any folder, and the rollout commands on a real
store: start, status, an advance refused until the approver signs, tick."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from stanchion.cli.main import cli
from stanchion.rollout import controller
from stanchion.spec import load_spec
from tests.conftest import openai_route
from tests.upstream import Upstream

FLAGS = [
    "--name", "hr-helper", "--goal", "Answer HR policy questions",
    "--owner-business", "hr@acme.example", "--owner-it", "it@acme.example",
    "--provider", "openai", "--base-url", "https://llm.acme.example/v1", "--model", "m1",
    "--key-env", "ACME_LLM_KEY", "--pilot-users", "ana, bo, cy",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_stanchion_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("STANCHION_")]:
        monkeypatch.delenv(name)


def invoke(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


def test_init_from_flags_writes_a_valid_app(tmp_path: Path) -> None:
    app = tmp_path / "hr"
    result = invoke("init", str(app), *FLAGS)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "stanchion quickstart --app" in result.output
    assert result.output.count("  stanchion ") == 3  # the next three commands
    spec = load_spec(app / "stanchion.yaml")
    assert spec.app == "hr-helper" and spec.owners.it_security == "it@acme.example"
    route = spec.models.routes[0]
    assert (route.provider, route.base_url, route.api_key_env) == (
        "openai", "https://llm.acme.example/v1", "ACME_LLM_KEY",
    )  # fmt: skip
    assert spec.rollout is not None and spec.rollout.stages[0].users == ["ana", "bo", "cy"]
    assert spec.goal.kpis.satisfaction == 4.2 and spec.human_cost is not None
    assert spec.retention.subject_keys  # new apps: erasure reaches every copy
    assert (app / "prompts" / "system.md").exists() and (app / "docs").is_dir()
    assert '"question"' in (app / "evals" / "dataset.jsonl").read_text()
    again = invoke("init", str(app), *FLAGS)
    assert again.exit_code != 0 and "never overwrites" in again.output


def test_init_refuses_bad_answers_without_a_terminal(tmp_path: Path) -> None:
    # No terminal: nothing is asked, a missing required answer is an error, not a hang.
    missing = invoke("init", str(tmp_path / "a"), "--name", "x", stdin="never read\n")
    assert missing.exit_code == 2 and "--goal is required" in missing.output
    bad = invoke("init", str(tmp_path / "b"), *FLAGS[:-2], "--pilot-users", "a,b", "--name",
                 "bad name!")  # fmt: skip
    assert bad.exit_code == 2 and "app" in bad.output
    assert not (tmp_path / "b" / "stanchion.yaml").exists()
    eleven = ",".join(f"u{i}" for i in range(11))
    big = invoke("init", str(tmp_path / "c"), *FLAGS[:-2], "--pilot-users", eleven)
    assert big.exit_code == 2 and "at most 10" in big.output
    inline = invoke("init", str(tmp_path / "d"), *FLAGS, "--base-url", "https://u:p@h/v1")
    assert inline.exit_code == 2 and "credentials" in inline.output


def test_quickstart_works_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("quickstart", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "copied the bundled example app" in result.output and "sk-stn-" in result.output
    assert load_spec(tmp_path / "support-assistant").app == "support-assistant"
    assert len(list((tmp_path / "support-assistant" / "docs").glob("*.md"))) >= 10


def test_rollout_commands(gateway_factory: Any, db_url: str, up: Upstream) -> None:
    stages = [{"name": "pilot", "users": ["ana"]}, {"name": "all", "everyone": True}]
    rollout = {"approvers": ["business", "legal"], "stages": stages}
    gw = gateway_factory(db_url, [openai_route(up)], start=False, rollout=rollout)
    env = {"STANCHION_ENCRYPTION_KEY": gw.key, "STANCHION_DATABASE_URL": db_url}

    def stn(*args: str, code: int = 0) -> str:
        result = invoke(*args, "--app", str(gw.folder), env=env)
        assert result.exit_code == code, (args, result.output)
        return result.output

    assert "not started" in stn("rollout", "advance", code=2)
    assert "stage pilot" in stn("rollout", "start")
    assert "stage pilot (active)" in stn("rollout", "status")
    refused = stn("rollout", "advance", code=2)
    assert "approval of stage:all by business" in refused and "by legal" in refused
    stn("signoff", "stage:all", "--function", "business")
    assert "by legal" in stn("rollout", "advance", code=2)
    stn("signoff", "stage:all", "--function", "legal", "--comment", "ok\x1b[2J")
    assert "no move" in stn("rollout", "tick")
    assert "advanced to stage all" in stn("rollout", "advance")
    listed = stn("signoffs")
    assert "\x1b" not in listed and "ok\\x1b[2J" in listed
    assert "subject must be" in stn("signoff", "bogus subject", "--function", "legal", code=2)
    spec = yaml.safe_load((gw.folder / "stanchion.yaml").read_text())
    del spec["rollout"]
    (gw.folder / "stanchion.yaml").write_text(yaml.safe_dump(spec))
    assert "no rollout" in stn("rollout", "status", code=2)


def test_auto_advance_waits_for_the_hold(
    gateway_factory: Any, sqlite_url: str, up: Upstream
) -> None:
    stages = [
        {"name": "pilot", "users": ["ana"], "hold": 3600, "auto_advance": True,
         "gates": {"block_rate": 0.5}},
        {"name": "all", "everyone": True},
    ]  # fmt: skip
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False, rollout={"stages": stages})
    spec = load_spec(gw.spec_file)
    with gw.store.engine.begin() as conn:
        assert controller.tick(conn, spec, now=1000.0) is None  # not started: nothing moves
        controller.start(conn, spec, "test", 1000.0)
        check = controller.evaluate(conn, spec, now=1010.0)
        assert check.missing == ["gates held 10s of 3600s"]
        assert controller.tick(conn, spec, now=1010.0) is None
        assert controller.tick(conn, spec, now=4601.0) == "advance"
        assert controller.evaluate(conn, spec, now=4602.0).state.stage == "all"
        assert controller.tick(conn, spec, now=9999.0) is None  # the last stage stays
