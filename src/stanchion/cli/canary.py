"""``stanchion canary check``: judge a running canary against production, and act on it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stanchion.cli.common import app_option, fails_cleanly, safe
from stanchion.cli.rollout import with_store
from stanchion.rollout.sequential import METRICS


@click.group()
def canary() -> None:
    """KPI-gated canaries: promote a better version, roll back a worse one."""


@canary.command("check")
@click.option("--kind", type=click.Choice(["prompt", "model"]), default="prompt", show_default=True)
@click.option("--name", default="system", show_default=True, help="the prompt or route name")
@click.option("--label", default="production", show_default=True)
@click.option("--metric", "metrics", multiple=True, type=click.Choice(list(METRICS)),
              help="judge on these metrics only (default: all five)")  # fmt: skip
@click.option("--alpha", default=0.05, show_default=True, type=click.FloatRange(0.0001, 0.5),
              help="the false-alarm rate, shared by the metrics")  # fmt: skip
@click.option("--apply", is_flag=True, help="promote or roll back when the test decides")
@app_option
@fails_cleanly
def check(
    kind: str, name: str, label: str, metrics: tuple[str, ...], alpha: float, apply: bool,
    app_dir: Path,
) -> None:  # fmt: skip
    """Compare the canary with production (mSPRT); with --apply, act on the decision."""
    from stanchion.rollout.canary import check_canary
    from stanchion.rollout.sequential import CanaryTest

    test = CanaryTest(alpha=alpha, metrics=metrics or tuple(METRICS))
    d = with_store(
        app_dir, lambda c, s: check_canary(c, s, kind, name, label, apply=apply, test=test)
    )
    click.echo(f"decision: {d.action}" + (" (applied)" if apply and d.action != "continue" else ""))
    for metric, st in d.stats.items():
        click.echo(f"  {metric}: {safe(json.dumps(st))}")
