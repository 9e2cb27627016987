"""``stanchion ask``: one question to a running server, with citations and findings."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import click

from stanchion.cli.common import fails_cleanly, safe, safe_block
from stanchion.settings import Settings


@click.command()
@click.argument("question")
@click.option("--url", default="http://127.0.0.1:8000/v1", show_default=True)
@click.option("--key", default=None, help="API key (default: $STANCHION_API_KEY)")
@click.option("--model", required=True, help="a route name or the app name")
@fails_cleanly
def ask(question: str, url: str, key: str | None, model: str) -> None:
    """Ask a question; print the answer, its citations and the guard findings."""
    key = key or Settings.from_env().api_key
    if not key:
        raise click.UsageError("pass --key or set STANCHION_API_KEY")
    body = {"model": model, "messages": [{"role": "user", "content": question}]}
    req = urllib.request.Request(
        url.rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            data = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        err = json.loads(exc.read() or b"{}").get("error", {})
        raise click.ClickException(
            f"{exc.code} {safe(err.get('type'))}: {safe(err.get('message'))}"
        ) from None
    except urllib.error.URLError as exc:
        raise click.ClickException(f"cannot reach {url}: {exc.reason}") from None
    click.echo(safe_block(data["choices"][0]["message"]["content"]))
    ext = data.get("stanchion", {})
    for c in ext.get("citations", []):
        click.echo(
            f"  [{safe(c['marker'])}] {safe(c['title'])} — {safe(c['section'])} "
            f"({safe(c['doc_id'])} v{safe(c['version'])}, chars {c['start']}-{c['end']})"
        )
    for f in ext.get("findings", []):
        click.echo(
            f"  ! {safe(f['type'])} ({safe(f['direction'])}, score {safe(f['score'])})"
            f" -> {safe(f['action'])}"
        )
    click.echo(f"  trace {safe(ext.get('trace_id'))} · decision {safe(ext.get('decision'))}")
