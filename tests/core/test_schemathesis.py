"""schemathesis over the whole OpenAPI document, with an admin key and with a user key,
against a real gateway on a socket: no server errors, and every answer conforms to the
document (status codes, content types, headers, response schemas).

What each run walks, in the suite (about three minutes went to walking everything twice):
- admin, on PostgreSQL: the coverage phase over every operation (boundary and wrong-typed
  values, NUL in text, unexpected methods: deterministic, and the costly phase, so it runs
  once), and random bodies (fuzzing) on the model routes, whose schemas are the deepest;
- user, on SQLite: random bodies on the model routes (the calls users make), and one case
  per other operation: for them a user key must get a documented 403.

A long run is the same command with ``STANCHION_SCHEMATHESIS_EXAMPLES=500``: every
operation is then fuzzed in both runs, with that many examples each.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stanchion.cli.serve import SERVER
from stanchion.store.keys import create_key
from tests.conftest import BASE_SPEC, Gateway, _pg_database, openai_route
from tests.upstream import Upstream

SUITE_EXAMPLES = 15
EXAMPLES = int(os.environ.get("STANCHION_SCHEMATHESIS_EXAMPLES", str(SUITE_EXAMPLES)))
MODEL_ROUTES = "^/v1/(chat/completions|embeddings|responses|messages)$"
PHASES = {"admin": "examples,coverage,fuzzing", "user": "examples,fuzzing"}
# per role, what the other operations get in the suite's run (schemathesis.toml)
ELSEWHERE = {"admin": "phases.fuzzing.enabled = false", "user": "generation.max-examples = 1"}
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "unsupported_method",
        "allow_header_conformance",
        "ignored_auth",
        "missing_required_header",
    ]
)
ST = Path(sys.executable).parent / "schemathesis"


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def st_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, upstream: Upstream
) -> Iterator[Gateway]:
    """PostgreSQL for the admin run (it refuses what SQLite stores, NUL in text), SQLite
    for the user run."""
    folder = tmp_path_factory.mktemp(f"schemathesis-{request.param}")
    urls = (
        iter([f"sqlite:///{folder}/stanchion.db"]) if request.param == "sqlite" else _pg_database()
    )
    spec = {**BASE_SPEC, "models": {"default": "gpt", "routes": [openai_route(upstream)]}}
    gw = Gateway(folder, next(urls), spec)
    gw.start(**SERVER)  # the loop and HTTP protocol `stanchion serve` runs
    yield gw
    gw.stop()
    for _ in urls:  # drops the PostgreSQL database
        pass


@pytest.mark.slow
@pytest.mark.parametrize(
    ("role", "st_gateway"), [("admin", "postgresql"), ("user", "sqlite")], indirect=["st_gateway"]
)
def test_schemathesis_finds_nothing(st_gateway: Gateway, role: str, tmp_path: Path) -> None:
    with st_gateway.store.engine.begin() as conn:
        key, _ = create_key(conn, user=f"st-{role}", role=role, actor="test", app="demo")
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"[[operations]]\nexclude-path-regex = {MODEL_ROUTES!r}\n{ELSEWHERE[role]}\n"
        if EXAMPLES <= SUITE_EXAMPLES
        else ""
    )
    run = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(config),
            "run",
            f"{st_gateway.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {key}",
            "--max-examples",
            str(EXAMPLES),
            "--workers",
            "1",
            "--checks",
            CHECKS,
            "--phases",
            PHASES[role],
            "--request-timeout",
            "10",
            "--seed",
            "8",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    doc = httpx.get(st_gateway.url + "/openapi.json").json()
    operations = sum(len(p) for p in doc["paths"].values())
    tested = re.search(r"Tested: (\d+)", run.stdout)
    # the CLI leaves out the operation that serves the document it loaded
    assert tested and int(tested.group(1)) == operations - 1, run.stdout[-3000:]
    if "coverage" in PHASES[role]:  # the one coverage walk reached every operation
        covered = re.search(r"Coverage \(in [0-9.]+s\)\s+\S+\s*(\d+) passed", run.stdout)
        assert covered and int(covered.group(1)) == operations - 1, run.stdout[-3000:]
