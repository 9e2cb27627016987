# ruff: noqa: E501  (the command table reads best one command a line)
"""Every CLI command, in process (click's CliRunner, so coverage counts it): its success path
and one bad input each, on a clean copy of the example app (issue 17, item 4).

``COVERED`` maps each command path to the tests that run it; a test walks click's command
tree and fails when a command has no entry, so a new command cannot ship untested.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from stanchion.cli.main import cli
from stanchion.cli.prompts import open_registry
from stanchion.evals import review
from stanchion.store.db import Store
from tests.conftest import Gateway, openai_route
from tests.upstream import Upstream

EXAMPLE = Path(__file__).parents[2] / "examples" / "support-assistant"


def invoke(*args: str, app: Path | None = None) -> Result:
    argv = [*args, "--app", str(app)] if app is not None else list(args)
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def ok(*args: str, app: Path | None = None) -> str:
    result = invoke(*args, app=app)
    assert result.exit_code == 0, result.output
    return result.output


def refused(*args: str, app: Path | None = None, code: int = 2) -> str:
    """A bad input: a clean exit with the given code and a message, never a traceback."""
    result = invoke(*args, app=app)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture(autouse=True)
def _no_stanchion_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("STANCHION_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example app after ``quickstart --no-serve``: migrated, documents approved."""
    dest = tmp_path_factory.mktemp("cli") / "support"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".stanchion"))
    saved = {n: os.environ.pop(n) for n in [n for n in os.environ if n.startswith("STANCHION_")]}
    try:
        assert invoke("quickstart", "--no-serve", app=dest).exit_code == 0
        yield dest
    finally:
        os.environ.update(saved)


@pytest.fixture()
def app(example: Path, tmp_path: Path) -> Path:
    """A private copy of the quickstarted app (its SQLite store and master key included)."""
    dest = tmp_path / "support"
    shutil.copytree(example, dest)
    return dest


def owner_key(app: Path) -> str:
    return ok("keys", "create", "--user", "boss", "--role", "owner", "--quiet", app=app).strip()


def test_db_upgrade(app: Path, tmp_path: Path) -> None:
    probe = Store(f"sqlite:///{tmp_path / 'probe.db'}")
    head = probe.head_revision()
    probe.dispose()
    assert f"database at {head}" in ok("db", "upgrade", app=app)
    assert "cannot read" in refused("db", "upgrade", app=tmp_path / "nowhere", code=2)


def test_ingest_and_docs(app: Path) -> None:
    listing = ok("docs", "list", app=app)
    assert "docs/shipping.md" in listing and "approved" in listing
    shown = ok("docs", "show", "docs/shipping.md", app=app)
    assert '"doc_id": "docs/shipping.md"' in shown and '"version": 1,' in shown
    with (app / "docs" / "shipping.md").open("a") as f:
        f.write("\nOrders over 50 USD ship free.\n")
    out = ok("ingest", app=app)
    assert "new: 0 changed: 1 unchanged: 11 error: 0" in out
    assert "docs/shipping.md" in ok("docs", "list", "--status", "draft", app=app)
    assert "docs/shipping.md v2: approved" in ok("docs", "approve", "docs/shipping.md", app=app)
    assert "docs/shipping.md v2: retired" in ok("docs", "retire", "docs/shipping.md", app=app)
    assert "no draft version" in refused("docs", "approve", "docs/shipping.md", app=app)
    assert "retire" in ok("docs", "retire", "--help")


def test_docs_bad_inputs(app: Path) -> None:
    assert "no document 'docs/missing.md'" in refused("docs", "show", "docs/missing.md", app=app)
    refused("docs", "retire", "docs/missing.md", app=app)
    refused("docs", "list", "--status", "bogus", app=app, code=2)
    (app / "stanchion.yaml").write_text("app: [unclosed\n")
    assert "stanchion.yaml" in refused("ingest", app=app)


@pytest.mark.parametrize(("kind", "ref"), [("prompts", "system"), ("models", "local")])
def test_registry_commands(app: Path, kind: str, ref: str) -> None:
    assert f"{ref}: v1" in ok(kind, "push", "-m", "first", app=app)
    assert f"{ref}@" in ok(kind, "list", app=app)
    assert f"{ref}@" in ok(kind, "show", f"{ref}:1", app=app)
    assert "(no difference)" in ok(kind, "diff", f"{ref}:1", f"{ref}:1", app=app)
    assert f"{ref}:staging -> {ref}@" in ok(kind, "label", "staging", f"{ref}:1", app=app)
    assert "no earlier position" in refused(kind, "rollback", "staging", app=app)
    key = owner_key(app)
    approved = ok(kind, "approve", f"{ref}:1", "--label", "production", "--key", key, app=app)
    assert "approved by boss (owner)" in approved
    rejected = ok(kind, "reject", f"{ref}:1", "--label", "staging", "--key", key, app=app)
    assert "rejected by boss (owner)" in rejected
    assert f"version or label '{ref}:99'" in refused(kind, "show", f"{ref}:99", app=app)
    admin = ok("keys", "create", "--user", "a", "--role", "admin", "--quiet", app=app).strip()
    denied = refused(kind, "approve", f"{ref}:1", "--key", admin, app=app)
    assert "does not approve versions here" in denied
    assert "unknown, expired or revoked" in refused(
        kind, "reject", f"{ref}:1", "--key", "sk-stn-nope", app=app
    )


def test_keys_list_and_revoke(app: Path) -> None:
    made = ok("keys", "create", "--user", "kim", "--role", "reviewer", app=app)
    key_id = made.split()[2]
    assert "kim" in ok("keys", "list", app=app)
    assert "revoked" in ok("keys", "revoke", key_id, app=app)
    assert f"no live key '{key_id}'" in refused("keys", "revoke", key_id, app=app, code=1)
    refused("keys", "create", "--user", "x", "--role", "wizard", app=app)


def test_report_versions(app: Path) -> None:
    out = ok("report", "versions", app=app)
    assert "app support-assistant: last 7d" in out and "satisfaction" in out
    bad = refused("report", "versions", "--period", "soon", app=app)
    assert "Invalid value for --period: use a number and a unit" in bad


def test_eval_list(app: Path) -> None:
    assert "q: v1, 48 examples (new)" in ok(
        "eval", "dataset", str(app / "evals" / "questions.jsonl"), "--name", "q", app=app
    )
    assert ok("eval", "list", app=app).splitlines()[0].split()[:3] == ["id", "dataset", "prompt"]
    (app / "stanchion.yaml").unlink()
    assert "stanchion.yaml" in refused("eval", "list", app=app)


def queue(app: Path, trace_id: str) -> None:
    reg = open_registry(app, "review")
    item = review.NewItem(
        trace_id, reg.app, "held", None, "ana", None, "Can I get a refund?", "Within 30 days."
    )
    assert reg.tx(review.enqueue, reg.cipher, item)


def test_review_commands(app: Path) -> None:
    queue(app, "tr-1")
    assert "tr-1" in ok("review", "list", app=app)
    assert "question: Can I get a refund?" in ok("review", "show", "tr-1", app=app)
    assert "tr-1: claimed by rita" in ok("review", "claim", "tr-1", "--as", "rita", app=app)
    decided = ok(
        "review", "decide", "edit", "tr-1", "--content", "Within 14 days.", "--as", "rita", app=app
    )
    assert "tr-1: edited by rita" in decided
    assert "refunds: v1, +1 examples (new)" in ok(
        "review", "promote", "--dataset", "refunds", app=app
    )


def test_review_bad_inputs(app: Path) -> None:
    assert "not in the review queue" in refused("review", "show", "tr-none", app=app)
    refused("review", "claim", "tr-none", app=app)
    refused("review", "decide", "maybe", "tr-none", app=app, code=2)
    refused("review", "promote", app=app, code=2)


def test_ground_check_and_eval(tmp_path: Path) -> None:
    sources = tmp_path / "sources.txt"
    sources.write_text("Refunds are paid within 14 days.\n\nShipping takes 3 days.")
    answer = tmp_path / "answer.txt"
    answer.write_text("Refunds are paid within 14 days.")
    record = json.loads(
        ok("ground", "check", "--sources", str(sources), "--answer", str(answer), "--json")
    )
    assert record["grounded"] is True
    rows = [
        {
            "id": "a",
            "sources": ["Refunds take 14 days."],
            "response": "Refunds take 14 days.",
            "label": 1,
        },
        {
            "id": "b",
            "sources": ["Refunds take 14 days."],
            "response": "Refunds take 90 days in Mars.",
            "label": 0,
        },
    ]
    data = tmp_path / "g.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = json.loads(ok("ground", "eval", str(data), "--json"))
    assert report["g.jsonl"]["n"] == 2
    refused(
        "ground", "check", "--sources", str(tmp_path / "none.txt"), "--answer", str(answer), code=2
    )
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    assert "error: not JSON" in refused("ground", "eval", str(broken))


def test_retrieval_eval(tmp_path: Path) -> None:
    folder = tmp_path / "beir"
    folder.mkdir()
    docs = [
        {"_id": "d1", "title": "Refunds", "text": "Refunds are paid within fourteen days."},
        {"_id": "d2", "title": "Shipping", "text": "Parcels ship in three working days."},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (folder / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "how fast are refunds paid"}) + "\n"
    )
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    metrics = json.loads(ok("retrieval", "eval", str(folder), "--json"))
    assert metrics["beir"]["recall@5"] == 1.0 and metrics["beir"]["mrr@10"] == 1.0
    (folder / "corpus.jsonl").unlink()
    assert "beir/corpus.jsonl: No such file" in refused("retrieval", "eval", str(folder))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_ask(gateway_factory: object, db_url: str, up: Upstream) -> None:
    gw: Gateway = gateway_factory(db_url, [openai_route(up)])  # type: ignore[operator]
    key = gw.make_key()
    out = ok("ask", "hello", "--url", gw.url + "/v1", "--key", key, "--model", "gpt")
    assert "decision" in out and "trace " in out
    bad = refused(
        "ask", "hi", "--url", gw.url + "/v1", "--key", "sk-stn-bad", "--model", "gpt", code=1
    )
    assert "401 authentication_error: invalid API key" in bad
    assert "STANCHION_API_KEY" in refused("ask", "hello", "--model", "gpt", code=2)


# Each command path and the tests that run it (file::test). In process unless marked.
COVERED: dict[str, list[str]] = {
    "quickstart": ["tests/core/test_cli_commands.py::example", "tests/core/test_cli.py::test_quickstart_keys_audit", "tests/rollout/test_cli.py::test_quickstart_works_from_any_folder"],
    "serve": ["tests/core/test_cli.py::test_serve_answers_and_drains_on_sigterm", "tests/core/test_revocation.py::test_revoked_key_stops_on_both_replicas"],
    "ask": ["tests/core/test_cli_commands.py::test_ask"],
    "keys create": ["tests/core/test_cli_commands.py::test_registry_commands", "tests/core/test_cli.py::test_quickstart_keys_audit"],
    "keys list": ["tests/core/test_cli_commands.py::test_keys_list_and_revoke"],
    "keys revoke": ["tests/core/test_cli_commands.py::test_keys_list_and_revoke"],
    "db upgrade": ["tests/core/test_cli_commands.py::test_db_upgrade"],
    "audit verify": ["tests/core/test_audit_surface.py::test_cli_catches_truncation_and_accept_reanchors", "tests/core/test_cli.py::test_quickstart_keys_audit"],
    "audit accept": ["tests/core/test_audit_surface.py::test_cli_catches_truncation_and_accept_reanchors"],
    "report cost": ["tests/core/test_cli.py::test_serve_answers_and_drains_on_sigterm"],  # subprocess
    "report kpis": ["tests/ui/test_kpis.py::test_report_kpis_cli_prints_the_same_report"],
    "report topics": ["tests/telemetry/test_topics.py::test_topics_cli_and_api"],
    "alerts list": ["tests/telemetry/test_alerts_serve.py::test_alerts_cli_list_and_test"],
    "alerts test": ["tests/telemetry/test_alerts_serve.py::test_alerts_cli_list_and_test"],
    "traces dead-letters": ["tests/core/test_writer.py::test_one_refused_row_loses_none_of_its_batch"],
    "report versions": ["tests/core/test_cli_commands.py::test_report_versions"],
    "spec check": ["tests/core/test_spec.py::test_cli_spec_check"],
    "ingest": ["tests/core/test_cli_commands.py::test_ingest_and_docs", "tests/core/test_cli_commands.py::test_docs_bad_inputs"],
    "docs list": ["tests/core/test_cli_commands.py::test_ingest_and_docs", "tests/core/test_cli_commands.py::test_docs_bad_inputs"],
    "docs show": ["tests/core/test_cli_commands.py::test_ingest_and_docs", "tests/core/test_cli_commands.py::test_docs_bad_inputs"],
    "docs approve": ["tests/core/test_cli_commands.py::test_ingest_and_docs"],
    "docs retire": ["tests/core/test_cli_commands.py::test_ingest_and_docs", "tests/core/test_cli_commands.py::test_docs_bad_inputs"],
    "ground check": ["tests/core/test_cli_commands.py::test_ground_check_and_eval"],
    "ground eval": ["tests/core/test_cli_commands.py::test_ground_check_and_eval"],
    "retrieval eval": ["tests/core/test_cli_commands.py::test_retrieval_eval"],
    "guard check": ["tests/guards/test_cli.py::test_check_prints_findings_and_action"],
    "guard eval": [
        "tests/guards/test_cli.py::test_eval_pii_json_and_predictions",
        "tests/guards/test_cli.py::test_leave_one_out_refits_the_injection_model",
    ],
    **{
        f"{kind} {cmd}": ["tests/core/test_cli_commands.py::test_registry_commands"]
        for kind in ("prompts", "models")
        for cmd in ("push", "list", "show", "diff", "label", "rollback", "approve", "reject")
    },
    **{
        f"review {cmd}": ["tests/core/test_cli_commands.py::test_review_commands", "tests/core/test_cli_commands.py::test_review_bad_inputs"]
        for cmd in ("list", "show", "claim", "decide", "promote")
    },
    "eval dataset": ["tests/core/test_cli_commands.py::test_eval_list", "tests/registry/test_cli_evals.py::test_push_eval_gate_and_required_eval"],
    "eval run": ["tests/registry/test_cli_evals.py::test_push_eval_gate_and_required_eval"],
    "eval compare": ["tests/registry/test_cli_evals.py::test_push_eval_gate_and_required_eval"],
    "eval list": ["tests/core/test_cli_commands.py::test_eval_list"],
    "init": ["tests/rollout/test_cli.py::test_init_from_flags_writes_a_valid_app", "tests/rollout/test_cli.py::test_init_refuses_bad_answers_without_a_terminal"],
    **{
        f"rollout {cmd}": ["tests/rollout/test_cli.py::test_rollout_commands"]
        for cmd in ("status", "start", "advance", "tick")
    },
    "signoff": ["tests/rollout/test_cli.py::test_rollout_commands", "tests/rollout/test_readiness.py::test_readiness_moves_from_red_to_green"],
    "signoffs": ["tests/rollout/test_cli.py::test_rollout_commands", "tests/rollout/test_readiness.py::test_readiness_moves_from_red_to_green"],
    "readiness": ["tests/rollout/test_readiness.py::test_example_as_shipped_is_not_ready", "tests/rollout/test_readiness.py::test_readiness_moves_from_red_to_green"],
    "canary check": ["tests/rollout/test_canary.py::test_real_canary_is_promoted_or_rolled_back"],
}  # fmt: skip


def command_paths(group: click.Group, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from command_paths(command, path + " ")
        else:
            yield path


def test_every_command_has_a_test() -> None:
    """A new command fails here until it has a test and a line in ``COVERED``."""
    paths = set(command_paths(cli))
    assert sorted(paths - COVERED.keys()) == [], "commands without a test"
    assert sorted(COVERED.keys() - paths) == [], "tests listed for commands that are gone"
    root = Path(__file__).parents[2]
    for path, tests in COVERED.items():
        for test in tests:
            file, name = test.split("::")
            assert f"def {name}(" in (root / file).read_text(), (path, test)
