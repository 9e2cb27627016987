"""The CLI on a real store: push registers only changes, eval gates fail on purpose, and a
label that requires an evaluation waits for a passing one."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from stanchion.cli.main import cli
from tests.conftest import openai_route
from tests.upstream import Upstream

DATASET = [
    {"id": "a", "question": "alpha", "facts": ["echo: alpha"]},
    {"id": "b", "question": "beta", "facts": ["gamma"], "tags": ["hard"]},
    {"id": "c", "question": "delta", "must_not": ["delta"]},
]
REGISTRY = {"protected": [], "require_eval_before": ["production"], "eval_gate": "accuracy>=0.3"}


def run(gw: Any, *args: str, code: int = 0) -> str:
    env = {"STANCHION_ENCRYPTION_KEY": gw.key, "STANCHION_DATABASE_URL": gw.settings.database_url}
    result = CliRunner().invoke(cli, [*args, "--app", str(gw.folder)], env=env)
    assert result.exit_code == code, (args, result.output, result.exception)
    return result.output


def test_push_eval_gate_and_required_eval(db_url: str, up: Upstream, gateway_factory: Any) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], start=False, registry=REGISTRY)
    assert "v1" in run(gw, "prompts", "push", "-m", "first") and "(new)" in run(
        gw, "models", "push"
    )
    assert "(unchanged)" in run(gw, "prompts", "push")
    (gw.folder / "system.md").write_text("You are the careful assistant of {{ company }}.")
    assert "v2" in run(gw, "prompts", "push", "-m", "careful")
    assert "+You are the careful" in run(gw, "prompts", "diff", "1", "2")
    data = gw.folder / "qa.jsonl"
    data.write_text("\n".join(json.dumps(d) for d in DATASET))
    assert "3 examples (new)" in run(gw, "eval", "dataset", str(data))
    out = run(gw, "prompts", "label", "production", "system:2", code=2)
    assert "no evaluation of system@" in out
    failed = run(
        gw,
        "eval",
        "run",
        "--dataset",
        "qa",
        "--prompt",
        "system:2",
        "--gate",
        "accuracy>=0.9",
        "--json",
        code=1,
    )
    report = json.loads(
        failed.splitlines()[-2]
        if "gate failed" in failed.splitlines()[-1]
        else failed.splitlines()[-1]
    )
    assert report["summary"]["accuracy"] == round(1 / 3, 4)
    assert report["gate_failures"] == ["accuracy 0.3333 is not >= 0.9"]
    ok = json.loads(
        run(
            gw,
            "eval",
            "run",
            "--dataset",
            "qa",
            "--prompt",
            "system:1",
            "--gate",
            "accuracy>=0.3,p95_ms<=5000",
            "--json",
        ).splitlines()[-1]
    )
    assert ok["gate_failures"] == []
    assert "system@" in run(gw, "prompts", "label", "production", "system:2")
    cmp = run(gw, "eval", "compare", report["id"], ok["id"])
    assert "accuracy" in cmp and "no example changed result" in cmp
    sent = [r["body"]["messages"][0]["content"] for r in up.requests]
    assert any("careful" in s for s in sent) and any("careful" not in s for s in sent)
    assert "no earlier position" in run(gw, "prompts", "rollback", "production", code=2)
