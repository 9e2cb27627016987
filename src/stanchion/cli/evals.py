"""``stanchion eval dataset|run|compare|list``.

    stanchion eval dataset examples/support-assistant/evals/questions.jsonl --name questions \\
        --app examples/support-assistant
    stanchion eval run --app examples/support-assistant --prompt system:1 --dataset questions \\
        --gate "accuracy>=0.9,p95_ms<=2000"
    stanchion eval compare e20261126-101500-ab12 e20261126-101700-cd34 --app ...
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stanchion.cli.common import actor, app_option, fails_cleanly, load_app, safe, table
from stanchion.cli.prompts import open_registry, when

if TYPE_CHECKING:
    from stanchion.evals.runner import Experiment
    from stanchion.evals.scoring import Result


@click.group(name="eval")
def evals() -> None:
    """Datasets, experiments through the real pipeline, comparisons and gates."""


@evals.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="default: the file's stem")
@click.option("-m", "--message", default="")
@app_option
@fails_cleanly
def dataset(file: Path, name: str | None, message: str, app_dir: Path) -> None:
    """Store a JSONL dataset as a new version (unchanged content stores nothing)."""
    from stanchion.evals.datasets import parse_jsonl, push_dataset

    reg = open_registry(app_dir, "dataset")
    examples = parse_jsonl(file.read_text(encoding="utf-8"), str(file))
    version, created = reg.tx(
        push_dataset,
        reg.cipher,
        reg.app,
        name or file.stem,
        examples,
        author=actor(),
        message=message,
    )
    state = "new" if created else "unchanged"
    click.echo(f"{safe(name or file.stem)}: v{version}, {len(examples)} examples ({state})")


def _summary_rows(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in summary.items()]


@evals.command()
@app_option
@click.option("--dataset", "dataset_name", required=True)
@click.option("--dataset-version", type=int, default=None)
@click.option("--prompt", default=None, help="a label or version (default: what is served)")
@click.option("--model", default=None, help="a route name, or a model route version or label")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option("--gate", default=None, help='e.g. "accuracy>=0.95,p95_ms<=2000"; exit 1 on failure')
@click.option("--json", "as_json", is_flag=True)
@fails_cleanly
def run(
    app_dir: Path,
    dataset_name: str,
    dataset_version: int | None,
    prompt: str | None,
    model: str | None,
    concurrency: int,
    gate: str | None,
    as_json: bool,
) -> None:
    """Run every example through the real pipeline and store the experiment."""
    from stanchion.evals.gates import check, parse
    from stanchion.evals.runner import Target, run_experiment

    gates = parse(gate or "")
    settings = load_app(app_dir)[2]
    spec_file = app_dir
    bar: Any = None

    def started(n: int) -> None:
        nonlocal bar
        bar = click.progressbar(length=n, label="evaluating", file=sys.stderr)
        bar.__enter__()

    def step(_r: Result) -> None:
        if bar is not None:
            bar.update(1)

    try:
        exp = asyncio.run(
            run_experiment(
                spec_file,
                settings,
                Target(prompt, model),
                dataset_name,
                actor=actor(),
                concurrency=concurrency,
                dataset_version=dataset_version,
                progress=step,
                on_start=started,
            )
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    failures = check(gates, exp.summary)
    if as_json:
        click.echo(json.dumps({"id": exp.id, "summary": exp.summary, "gate_failures": failures}))
    else:
        click.echo(
            f"experiment {safe(exp.id)}: {safe(exp.dataset)} v{exp.dataset_version}, "
            f"prompt {safe(exp.prompt_version)}, model {safe(exp.model_version)}"
        )
        click.echo(table(["metric", "value"], _summary_rows(exp.summary)))
        for r in exp.results:
            if not r.passed:
                click.echo(f"FAIL {safe(r.id)}: {safe('; '.join(r.reasons))}")
    for f in failures:
        click.echo(f"gate failed: {safe(f)}", err=True)
    if failures:
        raise SystemExit(1)


def _load(app_dir: Path, exp_id: str) -> Experiment:
    from stanchion.evals import experiments

    reg = open_registry(app_dir, "experiment")
    return reg.tx(experiments.load, reg.cipher, reg.app, exp_id)


@evals.command()
@click.argument("a")
@click.argument("b")
@app_option
@fails_cleanly
def compare(a: str, b: str, app_dir: Path) -> None:
    """Two experiments side by side, and the examples whose result changed."""
    from stanchion.evals import experiments

    ea, eb = _load(app_dir, a), _load(app_dir, b)
    cmp = experiments.compare(ea, eb)
    for tag, e in (("A", ea), ("B", eb)):
        click.echo(
            f"{tag} = {safe(e.id)} (prompt {safe(e.prompt_version)}, model {safe(e.model_version)})"
        )
    click.echo(table(["metric", "A", "B"], cmp.metrics))
    if not cmp.changed:
        click.echo("no example changed result")
    for ex_id, ra, rb in cmp.changed:
        was = "pass" if ra and ra.passed else "fail"
        now = "pass" if rb and rb.passed else "fail"
        why = "; ".join(rb.reasons if rb and not rb.passed else ra.reasons if ra else [])
        click.echo(f"{safe(ex_id)}: {was} -> {now}  {safe(why)}")


@evals.command("list")
@app_option
@fails_cleanly
def list_(app_dir: Path) -> None:
    """Recent experiments."""
    from stanchion.evals import experiments

    reg = open_registry(app_dir, "experiment")
    rows = reg.tx(experiments.list_experiments, reg.app)
    click.echo(
        table(
            ["id", "dataset", "prompt", "model", "accuracy", "p95_ms", "created"],
            [
                (
                    r["id"],
                    f"{r['dataset']} v{r['dataset_version']}",
                    r["prompt_version"],
                    r["model_version"],
                    r["summary"].get("accuracy"),
                    r["summary"].get("p95_ms"),
                    when(r["created_at"]),
                )
                for r in rows
            ],
        )
    )
