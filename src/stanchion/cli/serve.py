"""``stanchion serve`` and ``stanchion quickstart``."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from stanchion.cli.common import actor, app_option, fails_cleanly, load_app, safe
from stanchion.cli.db import upgrade_audited
from stanchion.errors import StoreError
from stanchion.settings import Settings

EXAMPLE = Path("examples/support-assistant")
SERVER: dict[str, Any] = {
    # uvloop, accepting new connections in batches (libuv takes one per turn of the loop,
    # so under overload a flood waited seconds in the kernel's accept queue)
    "loop": "stanchion.server.intake:new_loop",
    # httptools with a limit on the request head it lacks (an 8 MB header is a 431), and
    # admission decided as soon as a chat request's head is parsed (intake.py)
    "http": "stanchion.server.intake:SheddingProtocol",
}
BUNDLED = Path(__file__).resolve().parents[1] / "example"  # ships in the package


def example_app() -> Path:
    """The example in a repository checkout; elsewhere, the bundled copy copied into
    ``./support-assistant`` (the package folder may be read-only; the app writes there)."""
    if (EXAMPLE / "stanchion.yaml").exists():
        return EXAMPLE
    dest = Path("support-assistant")
    if not (dest / "stanchion.yaml").exists():
        shutil.copytree(BUNDLED, dest, ignore=shutil.ignore_patterns(".stanchion"),
                        dirs_exist_ok=True)  # fmt: skip
        click.echo(f"copied the bundled example app to {dest.resolve()}")
    return dest


def preflight(spec_file: Path, settings: Settings) -> None:
    """Build everything once before binding the port, so a bad setup fails with one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from stanchion.runtime import build_runtime

    try:
        rt = build_runtime(spec_file, settings)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        first = (str(orig).splitlines() or [""])[0]
        raise StoreError(
            f"cannot use the database ({type(orig).__name__}: {first}); "
            "check STANCHION_DATABASE_URL or the spec's storage.url"
        ) from None
    asyncio.run(rt.aclose())


@contextmanager
def shared_metrics(workers: int) -> Iterator[None]:
    """With several workers, a private directory where each writes its metric values and
    from which a scrape on any of them adds all up; removed when the server stops. It is
    made per start, so counters never carry over from an earlier run."""
    if workers <= 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="stanchion-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


def run_server(
    spec_file: Path,
    host: str,
    port: int,
    workers: int,
    settings: Settings,
    tls: tuple[str, str] | None = None,
) -> None:
    from stanchion.spec import load_spec
    from stanchion.transport import server_options

    os.environ["STANCHION_SPEC"] = str(spec_file.resolve())
    edge = server_options(load_spec(spec_file).edge, *(tls or (None, None)))
    with shared_metrics(workers):
        _uvicorn(host, port, workers, settings, edge)


def _uvicorn(host: str, port: int, workers: int, settings: Settings, edge: dict[str, Any]) -> None:
    import uvicorn

    from stanchion.server.protocol import MAX_HEAD_BYTES
    from stanchion.telemetry.logs import log_config

    uvicorn.run(
        "stanchion.server.factory:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **SERVER,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        log_config=log_config(settings),
        log_level=None,  # the levels are in log_config
        access_log=settings.access_log,
        timeout_graceful_shutdown=30,
        # A worker answers the supervisor's ping only once it has started Python and its
        # imports: uvicorn's 5 s let a busy machine's supervisor kill every worker it spawns
        # before it could answer, forever (seen with --workers 2 on a loaded 2-core host).
        timeout_worker_healthcheck=60,
        **edge,  # TLS and the trusted proxies (transport.py)
    )


@click.command()
@app_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option(
    "--tls-cert", type=click.Path(exists=True, dir_okay=False), help="PEM certificate chain"
)
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key")
@fails_cleanly
def serve(
    app_dir: Path,
    host: str,
    port: int,
    workers: int,
    tls_cert: str | None,
    tls_key: str | None,
) -> None:
    """Serve the app's OpenAI-compatible API. SIGTERM drains and writes pending traces.

    With --tls-cert and --tls-key it terminates TLS itself (TLS 1.2+ with forward secrecy,
    HSTS); behind a proxy, name the proxy's addresses in the spec's edge.trusted_proxies."""
    if bool(tls_cert) != bool(tls_key):
        raise click.BadParameter("give both --tls-cert and --tls-key", param_hint="--tls-cert")
    settings = Settings.from_env()
    preflight(app_dir, settings)
    tls = (tls_cert, tls_key) if tls_cert and tls_key else None
    run_server(app_dir, host, port, workers, settings, tls)


def _snippets(key: str, host: str, port: int, model: str) -> str:
    base = f"http://{host}:{port}/v1"
    return f"""
API key (shown once): {key}

curl:
  curl -s {base}/chat/completions -H "Authorization: Bearer {key}" \\
    -H "Content-Type: application/json" \\
    -d '{{"model": "{model}", "messages": [{{"role": "user", "content": "Refund time?"}}]}}'

openai SDK:
  from openai import OpenAI
  client = OpenAI(base_url="{base}", api_key="{key}")
  r = client.chat.completions.create(model="{model}",
        messages=[{{"role": "user", "content": "How long do refunds take?"}}])
  print(r.choices[0].message.content)
"""


@click.command()
@click.option(
    "--app",
    "app_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="the app (default: the bundled support-assistant example)",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="set up and print, but do not serve")
@fails_cleanly
def quickstart(app_dir: Path | None, host: str, port: int, no_serve: bool) -> None:
    """Set up the example app (key file, database, an admin key) and serve it offline."""
    from stanchion.knowledge.ingest import ingest
    from stanchion.store.crypto import new_key_file
    from stanchion.store.keys import create_key
    from stanchion.store.opening import app_cipher, key_file, open_store

    app_dir = app_dir or example_app()
    spec, folder, settings = load_app(app_dir)
    kf = key_file(spec, folder, settings)
    if not settings.encryption_key and not kf.exists():
        new_key_file(kf)
        click.echo(f"wrote a new encryption key to {kf} (mode 0600)")
    store = open_store(spec, folder, settings)
    click.echo(upgrade_audited(store))
    if spec.knowledge is not None:
        cipher = app_cipher(spec, folder, settings, store)
        report = ingest(spec.knowledge, folder, store, cipher, spec.app, approve_as=actor())
        counts = " ".join(f"{k}: {v}" for k, v in report.counts().items())
        click.echo(f"knowledge ingested and approved ({counts})")
    with store.engine.begin() as conn:
        secret, _ = create_key(conn, user="quickstart", role="admin", actor=actor(), app=spec.app)
    store.dispose()
    click.echo(_snippets(secret, host, port, spec.app))
    if no_serve:
        return
    click.echo(f"serving {safe(spec.app)} on http://{safe(host)}:{port} (Ctrl-C stops)")
    preflight(app_dir, settings)
    run_server(app_dir, host, port, 1, settings)
