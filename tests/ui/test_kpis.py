"""``kpi_report`` on real SQLite and PostgreSQL: the figures from the rollups kept as traces
are written (the same as rebuilding them from the traces), and the grades."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest
import yaml

from stanchion.evals.feedback import Rating, record
from stanchion.reports.kpis import grade, kpi_report
from stanchion.reports.rollup import HOUR, rebuild, store_traces
from stanchion.spec.model import AppSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

SPEC = AppSpec.model_validate(
    yaml.safe_load(
        """
app: demo
goal:
  statement: test
  kpis: {satisfaction: 4.2, p95_latency_ms: 1000, cost_per_output_max: 0.01}
owners: {business: b@example.com}
human_cost: {per_task: 3.0, minutes: 5}
models: {default: m, routes: [{name: m, provider: local}]}
"""
    )
)


def _trace(i: int, at: float, **kw: Any) -> dict[str, Any]:
    row = {
        "id": f"t{i:05d}",
        "app": "demo",
        "created_at": at,
        "user": f"u{i % 3}",
        "status": 200,
        "decision": "pass",
        "stream": False,
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost": 0.002,
        "latency_ms": 100.0 + i,
        "timings": "{}",
        "findings": "[]",
        "annotations": '{"grounded":true}',
    }
    return {**row, **kw}


def _by_key(report: Any) -> dict[str, Any]:
    return {k.key: k for k in report.kpis}


def test_kpis_from_rollups_equal_a_rebuild_from_the_traces(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    now = (time.time() // HOUR) * HOUR + 1800
    rows = [_trace(i, now - 5 * HOUR + i * 60) for i in range(200)]  # 5 closed hours, 1 open
    rows[0] |= {"decision": "block", "status": 200}
    rows[1] |= {"decision": "hold"}
    rows[2] |= {"annotations": '{"grounded":false}'}
    rows[3] |= {"status": 502, "decision": "error", "latency_ms": 9000.0}
    cipher = Cipher(b"k" * 32)
    with store.engine.begin() as conn:
        store_traces(conn, rows[:120])
        store_traces(conn, rows)  # a replay of the first 120 adds only the other 80
        for i, score in enumerate((5, 4, 2)):
            rated_at = now - 5 * HOUR + i * 60 + 30  # beside the trace, not at the wall clock
            rating = Rating(f"t{i:05d}", "demo", f"u{i}", None, score, None, None)
            record(conn, cipher, rating, now=lambda t=rated_at: t)
    since, until = now - 24 * HOUR, now
    with store.engine.begin() as conn:
        first = kpi_report(conn, SPEC, since, until)
    with store.engine.begin() as conn:
        assert rebuild(conn, "demo") == 200
        again = kpi_report(conn, SPEC, since, until, by="route")
    assert again.groups.keys() == {"-"}
    assert [k.value for k in again.groups["-"]] == [k.value for k in again.kpis]
    for report in (first, again):
        k = _by_key(report)
        assert report.requests == 200
        assert k["block_rate"].value == pytest.approx(1 / 200)
        assert k["hold_rate"].value == pytest.approx(1 / 200)
        assert k["satisfaction"].value == pytest.approx(11 / 3)
        assert k["satisfaction"].status == "red"
        assert k["adoption"].value == 3
        assert k["cost_per_output"].value == pytest.approx(0.4 / 199)
        exact = sorted(100.0 + i for i in range(200) if i != 3)[int(0.95 * 199) - 1]
        assert k["p95_latency"].value == pytest.approx(exact, rel=0.03)
        assert k["p95_latency"].status == "green"
        assert "99.5%" in dict(k["factual_accuracy"].details)["live groundedness"]
    assert [k.trend for k in first.kpis] == [k.trend for k in again.kpis]
    store.dispose()


def test_grades() -> None:
    assert grade(4.3, 4.2, True) == "green"
    assert grade(4.0, 4.2, True) == "amber"
    assert grade(3.0, 4.2, True) == "red"
    assert grade(900, 1000, False) == "green"
    assert grade(1050, 1000, False) == "amber"
    assert grade(2000, 1000, False) == "red"
    assert grade(None, 1000, False) == grade(1.0, None, True) == "none"


def test_report_kpis_cli_prints_the_same_report(
    sqlite_url: str, gateway_factory: Any, up: Any
) -> None:
    from click.testing import CliRunner

    from stanchion.cli.main import cli
    from tests.conftest import openai_route

    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    now = time.time()
    with gw.store.engine.begin() as conn:
        store_traces(conn, [_trace(i, now - 60 * i) for i in range(10)])
    env = {"STANCHION_DATABASE_URL": sqlite_url, "STANCHION_ENCRYPTION_KEY": gw.key}
    out = CliRunner().invoke(cli, ["report", "kpis", "--app", str(gw.folder)], env=env)
    assert out.exit_code == 0, out.output
    assert "10 requests" in out.output and "p95 latency" in out.output
    assert "Held for review" in out.output


def test_by_cohort_previous_period_and_returning_users(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    now = (time.time() // HOUR) * HOUR + 1800
    day = 24 * HOUR
    before = [_trace(i, now - day - 3 * HOUR - i, user=f"old{i % 4}") for i in range(40)]
    before[0] |= {"decision": "refuse"}
    current = [
        _trace(100 + i, now - 2 * HOUR - i, user=f"old{i % 2}" if i < 10 else f"new{i % 3}")
        for i in range(60)
    ]
    for row in current[:20]:
        row["annotations"] = '{"grounded":true,"cohort":"pilot"}'
    for row in current[:6]:
        row["decision"] = "refuse"
    with store.engine.begin() as conn:
        store_traces(conn, before + current)
    with store.engine.connect() as conn:
        rep = kpi_report(conn, SPEC, now - day, now, by="cohort")
    k = _by_key(rep)
    assert rep.requests == 60
    assert k["refusal_rate"].value == pytest.approx(6 / 60)
    assert k["refusal_rate"].previous == pytest.approx(1 / 40)
    assert k["refusal_rate"].change == pytest.approx(6 / 60 - 1 / 40)
    assert k["adoption"].value == 5 and k["adoption"].previous == 4
    assert dict(k["adoption"].details)["returning users"] == "2"
    assert rep.groups.keys() == {"all", "pilot"} and rep.group_requests == {"all": 40, "pilot": 20}
    pilot = {x.key: x for x in rep.groups["pilot"]}
    assert pilot["refusal_rate"].value == pytest.approx(6 / 20)
    assert pilot["refusal_rate"].previous is None  # no pilot before
    record = rep.to_record()
    assert record["previous"]["until"] == rep.since and len(record["groups"]) == 2
    store.dispose()


def test_report_kpis_cli_json_and_csv(sqlite_url: str, gateway_factory: Any, up: Any) -> None:
    from click.testing import CliRunner

    from stanchion.cli.main import cli
    from tests.conftest import openai_route

    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    now = time.time()
    rows = [
        _trace(i, now - 60 * i, route="gpt" if i % 2 else "=cmd|' /C calc'!A0") for i in range(10)
    ]
    with gw.store.engine.begin() as conn:
        store_traces(conn, rows)
    env = {"STANCHION_DATABASE_URL": sqlite_url, "STANCHION_ENCRYPTION_KEY": gw.key}
    run = CliRunner().invoke
    out = run(cli, ["report", "kpis", "--app", str(gw.folder), "--json", "--by", "route"], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["requests"] == 10 and {g["key"] for g in data["groups"]} >= {"gpt"}
    out = run(cli, ["report", "kpis", "--app", str(gw.folder), "--csv", "--by", "route"], env=env)
    assert out.exit_code == 0, out.output
    lines = list(csv.reader(io.StringIO(out.output)))
    assert lines[0][:3] == ["group", "kpi", "value"] and len(lines) == 1 + 3 * 9
    assert not any(line[0].startswith("=") for line in lines)  # no formula reaches a sheet
    bad = run(cli, ["report", "kpis", "--app", str(gw.folder), "--by", "user"], env=env)
    assert bad.exit_code == 2
