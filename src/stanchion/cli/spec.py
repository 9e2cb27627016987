"""``stanchion spec check``."""

from __future__ import annotations

from pathlib import Path

import click

from stanchion.cli.common import app_option, fails_cleanly, load_app, safe


@click.group()
def spec() -> None:
    """The app spec."""


@spec.command("check")
@app_option
@fails_cleanly
def check(app_dir: Path) -> None:
    """Validate stanchion.yaml; each problem is one line naming file, line and field."""
    from stanchion.providers.registry import build_provider

    loaded, _, settings = load_app(app_dir)
    missing = [
        f"route {r.name!r}: env var {r.api_key_env} is not set"
        for r in loaded.models.routes
        if r.api_key_env and not settings.env_value(r.api_key_env)
    ]
    for r in loaded.models.routes:
        if not r.api_key_env or settings.env_value(r.api_key_env):
            build_provider(r, settings.env_value)
    click.echo(
        f"ok: app {loaded.app!r}, {len(loaded.models.routes)} routes, "
        f"default {loaded.models.default!r}"
    )
    for line in missing:
        click.echo(f"warning: {safe(line)} (needed to serve)")
