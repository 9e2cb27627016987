"""Console page render time (server side, p95) over many traces in PostgreSQL.

    python bench/console.py [--traces 1000000] [--samples 40] [--db URL]

Creates a throw-away database, bulk-loads ``--traces`` traces spread over 30 days (1,000
users, 2% blocked, 3% held, 2% refused, 5% with a finding, ratings on 5%) with COPY, rolls
them up (``reports.rollup.rebuild``: COPY bypasses the trace writer that keeps the rollups),
then serves it with ``stanchion serve`` and requests each page ``--samples`` times, signed in as
an owner. The figure is the page's own ``Server-Timing`` (session lookup, queries and
template), not the network.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from sqlalchemy import create_engine, text

from stanchion.reports.activity import active_users, rating_hours
from stanchion.reports.figures import Span
from stanchion.reports.rollup import rebuild
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.keys import create_key

SPEC = """\
app: bench
goal:
  statement: measure the console
  kpis: {satisfaction: 4.2, factual_accuracy: 0.95, p95_latency_ms: 3000, cost_per_output_max: 0.02}
owners: {business: bench@example.com}
human_cost: {per_task: 4.5, minutes: 6}
models:
  default: local
  routes:
    - name: local
      provider: local
"""
COLUMNS = (
    'id, app, created_at, key_id, "user", status, decision, stream, route, provider, model, '
    "prompt_id, prompt_tokens, completion_tokens, cost, latency_ms, timings, findings, "
    "annotations, request_enc, response_enc"
)
TIMINGS = orjson.dumps(
    {
        "authenticate": 0.1,
        "authorize": 0.0,
        "admit": 0.1,
        "guard_input": 0.4,
        "retrieve": 2.1,
        "render": 0.1,
        "generate": 640.0,
        "guard_output": 1.4,
        "decide": 0.1,
    }
).decode()


def _decision(r: float) -> str:
    return "block" if r < 0.02 else "hold" if r < 0.05 else "refuse" if r < 0.07 else "pass"


def load(url: str, n: int, cipher: Cipher, now: float) -> None:
    import psycopg

    request = cipher.encrypt(orjson.dumps({"messages": [{"role": "user", "content": "Refunds?"}]}))
    response = cipher.encrypt(orjson.dumps({"content": "5 to 7 days. [1]", "passages": []}))
    finding = orjson.dumps(
        [
            {
                "type": "email",
                "start": 3,
                "end": 20,
                "score": 1.0,
                "detector": "pii",
                "direction": "input",
                "action": "redact",
            }
        ]
    ).decode()
    rng = random.Random(7)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor() as cur, cur.copy(f"COPY traces ({COLUMNS}) FROM STDIN") as copy:
            for i in range(n):
                r = rng.random()
                decision = _decision(r)
                grounded = "true" if rng.random() < 0.93 else "false"
                copy.write_row(
                    (
                        f"b{i:023d}",
                        "bench",
                        now - rng.random() * 30 * 86400,
                        "k",
                        f"user-{i % 1000}",
                        200,
                        decision,
                        False,
                        "local",
                        "local",
                        "local-extractive",
                        "system@abc",
                        250,
                        40,
                        0.0004,
                        rng.lognormvariate(6.4, 0.4),
                        TIMINGS,
                        finding if rng.random() < 0.05 else "[]",
                        f'{{"grounded":{grounded},"groundedness":0.9}}',
                        request,
                        response,
                    )
                )
        with (
            conn.cursor() as cur,
            cur.copy(
                'COPY feedback (trace_id, "user", app, key_id, score, created_at, updated_at)'
                " FROM STDIN"
            ) as copy,
        ):
            for i in range(0, n, 20):
                at = now - rng.random() * 30 * 86400
                copy.write_row(
                    (
                        f"b{i:023d}",
                        f"user-{i % 1000}",
                        "bench",
                        "k",
                        rng.choice((3, 4, 4, 5, 5)),
                        at,
                        at,
                    )
                )
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text("VACUUM ANALYZE traces"))
        c.execute(text("VACUUM ANALYZE feedback"))
    engine.dispose()


def fill(url: str, n: int, store: Store, key: str) -> None:
    t0 = time.perf_counter()
    load(url, n, Cipher(base64.b64decode(key)), time.time())
    print(f"loaded {n:,} traces in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    with store.engine.begin() as conn:  # COPY bypassed the writer that keeps them
        rebuild(conn, "bench")
    print(f"rolled them up in {time.perf_counter() - t0:.0f} s")


def analyze(url: str, tables: tuple[str, ...]) -> None:
    """What autovacuum does to a table written over weeks, done now for one written at once."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        for t in tables:
            c.execute(text(f"VACUUM ANALYZE {t}"))
    engine.dispose()


# The overview's two slow parts as they were before the activity rollups (0012_console), kept
# here to compare them with their replacements in one run: a skip scan over kpi_users with
# three probes per user, and the ratings summed from the feedback rows.
OLD_USERS = text(
    """
    WITH RECURSIVE u(name) AS (
        SELECT (SELECT "user" FROM kpi_users WHERE app = :app AND dim = 'all' AND key = 'all'
                ORDER BY "user" LIMIT 1)
        UNION ALL
        SELECT (SELECT "user" FROM kpi_users
                WHERE app = :app AND dim = 'all' AND key = 'all' AND "user" > u.name
                ORDER BY "user" LIMIT 1)
        FROM u WHERE u.name IS NOT NULL
    ),
    seen AS (
        SELECT
            EXISTS (SELECT 1 FROM kpi_users t WHERE t.app = :app AND t.dim = 'all'
                    AND t.key = 'all' AND t."user" = u.name AND t.hour >= :h0 AND t.hour < :h1)
            AS is_now,
            EXISTS (SELECT 1 FROM kpi_users t WHERE t.app = :app AND t.dim = 'all'
                    AND t.key = 'all' AND t."user" = u.name AND t.hour >= :p0 AND t.hour < :h0)
            AS was_before
        FROM u WHERE u.name IS NOT NULL
    )
    SELECT coalesce(sum(CASE WHEN is_now THEN 1 ELSE 0 END), 0),
           coalesce(sum(CASE WHEN is_now AND was_before THEN 1 ELSE 0 END), 0),
           coalesce(sum(CASE WHEN was_before THEN 1 ELSE 0 END), 0)
    FROM seen
    """
)
OLD_RATINGS = text(
    """
    SELECT CAST(floor((updated_at - :t0) / :width) AS INTEGER) AS b, count(*), sum(score),
           sum(score * score), sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END),
           sum(CASE WHEN score <= 2 THEN 1 ELSE 0 END)
    FROM feedback WHERE app = :app AND updated_at >= :since AND updated_at < :until
    GROUP BY b
    """
)


def _timed(fn: object, samples: int) -> tuple[float, float, object]:
    durs, out = [], None
    for _ in range(samples):
        t0 = time.perf_counter()
        out = fn()  # type: ignore[operator]
        durs.append((time.perf_counter() - t0) * 1000)
    durs.sort()
    return statistics.median(durs), durs[min(len(durs) - 1, int(0.95 * len(durs)))], out


def parts(url: str, samples: int) -> None:
    """The old and the new reads of active users and ratings, alternated in one process."""
    engine = create_engine(url)
    now = time.time()
    print(f"\n{'overview part (in process)':40} {'p50 ms':>8} {'p95 ms':>8}  result")
    with engine.connect() as c:
        for days in (7, 30):
            span = Span((now - days * 86400) // 3600 * 3600, now, 14)
            h0, h1 = span.first, span.end
            p0 = 2 * h0 - h1
            args = {"app": "bench", "h0": h0, "h1": h1, "p0": p0}
            width = (h1 - h0) * 3600 / 14
            rargs = {"app": "bench", "t0": h0 * 3600, "width": width, "since": h0 * 3600}
            rargs["until"] = now
            runs = {
                f"users {days}d, old (kpi_users probes)": lambda a=args: c.execute(
                    OLD_USERS, a
                ).one(),
                f"users {days}d, new (kpi_user_bits)": lambda s=span, p=p0: active_users(
                    c, "bench", "all", ["all"], s.first, s.end, p
                )["all"],
                f"ratings {days}d, old (feedback rows)": lambda a=rargs: sum(
                    r[1] for r in c.execute(OLD_RATINGS, a)
                ),
                f"ratings {days}d, new (kpi_ratings)": lambda s=span: sum(
                    r[1] for r in rating_hours(c, "bench", s.first, s.end, s.bucket_of_hour)
                ),
            }
            for label, fn in runs.items():
                p50, p95_, out = _timed(fn, samples)
                print(f"{label:40} {p50:8.1f} {p95_:8.1f}  {out}")
    engine.dispose()


def serve(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "stanchion.cli", "serve", "--app", str(folder), "--port", str(port)],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("stanchion serve did not start")


def sign_in(url: str, key: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/ui/login").text
    pre = re.search(r'name="pre" value="([^"]*)"', page)
    assert pre
    r = client.post("/ui/login", data={"pre": pre.group(1), "key": key})
    assert r.status_code == 303, r.text
    return client


def measure(client: httpx.Client, path: str, samples: int) -> tuple[float, float]:
    durs = []
    for _ in range(samples):
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        durs.append(float(r.headers["server-timing"].split("dur=")[1]))
    durs.sort()
    return statistics.median(durs), durs[min(len(durs) - 1, int(0.95 * len(durs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--traces", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the database for a later --reuse")
    ap.add_argument("--reuse", action="store_true", help="serve the kept database as it is")
    ap.add_argument(
        "--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/stn_console_bench"
    )
    args = ap.parse_args()
    admin = create_engine(args.db.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    name = args.db.rsplit("/", 1)[1]
    if not args.reuse:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
    folder = Path(tempfile.mkdtemp(prefix="stn-console-bench-"))
    (folder / "stanchion.yaml").write_text(SPEC)
    keyfile = Path(tempfile.gettempdir()) / f"{name}.key"
    if not args.reuse:
        keyfile.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    key = keyfile.read_text()
    store = Store(args.db)
    store.upgrade()
    if not args.reuse:
        fill(args.db, args.traces, store, key)
    tables = ("kpi_rollup", "kpi_latency", "kpi_latency_days", "kpi_users", "kpi_user_bits")
    analyze(args.db, (*tables, "kpi_ratings", "feedback"))
    parts(args.db, args.samples)
    with store.engine.begin() as conn:
        owner, _ = create_key(conn, user="olga", role="owner", actor="bench", app="bench")
    store.dispose()
    env = {**os.environ, "STANCHION_DATABASE_URL": args.db, "STANCHION_ENCRYPTION_KEY": key}
    proc, url = serve(folder, env)
    try:
        client = sign_in(url, owner)
        first = client.get("/ui/overview?period=90d").headers["server-timing"].split("dur=")[1]
        print(f"first overview (90 days): {float(first):.0f} ms")
        pages = {
            "overview (7d)": "/ui/overview?period=7d",
            "overview (30d)": "/ui/overview?period=30d",
            "trace list, no filter": "/ui/traces",
            "trace list, user+decision": "/ui/traces?user=user-17&decision=hold",
            "trace list, finding": "/ui/traces?finding=email",
            "trace list, low ratings": "/ui/traces?rating=low",
            "one trace": f"/ui/traces/b{args.traces // 2:023d}",
        }
        print(
            f"{'page':32} {'p50 ms':>8} {'p95 ms':>8}   "
            f"({args.traces:,} traces, {args.samples} samples)"
        )
        for label, path in pages.items():
            p50, p95 = measure(client, path, args.samples)
            print(f"{label:32} {p50:8.1f} {p95:8.1f}")
    finally:
        proc.terminate()
        proc.wait(30)
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
