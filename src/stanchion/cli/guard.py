"""``stanchion guard check|eval``: try the guards on a text, measure them on labelled files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from stanchion.cli.common import safe, safe_block
from stanchion.guards import GuardEngine, GuardPolicySpec, build_guard_engine
from stanchion.guards.by_source import by_source, leave_one_out
from stanchion.guards.evaluation import evaluate, kind_of, read_jsonl

policy_option = click.option(
    "--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a stanchion.yaml (its guards: section is used) or a file holding only that section",
)  # fmt: skip


def load_engine(policy_path: Path | None) -> GuardEngine:
    if policy_path is None:
        return build_guard_engine(None, Path.cwd())
    raw: Any = yaml.safe_load(policy_path.read_text(encoding="utf-8")) or {}
    if isinstance(raw, dict) and "guards" in raw:
        raw = raw["guards"] or {}
    return build_guard_engine(GuardPolicySpec.model_validate(raw), policy_path.parent)


@click.group()
def guard() -> None:
    """Guardrails: check a text, evaluate on labelled JSONL."""


@guard.command()
@click.argument("text")
@click.option(
    "--direction",
    type=click.Choice(["input", "output", "context"]),
    default="input",
    show_default=True,
)
@policy_option
@click.option("--json", "as_json", is_flag=True, help="one JSON object instead of the table")
def check(text: str, direction: str, policy_path: Path | None, as_json: bool) -> None:
    """Show the findings and the action for TEXT."""
    engine = load_engine(policy_path)
    outcome = engine.scan(text, direction, None)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps({
            "action": outcome.action, "text": outcome.text, "reply": outcome.reply,
            "findings": [f.to_record() for f in outcome.findings],
        }))  # fmt: skip
        return
    rows = [
        [f.type, f"{f.start}-{f.end}", f"{f.score:.2f}", f.action, f.detector]
        for f in outcome.findings
    ]
    _table(["type", "span", "score", "action", "detector"], rows)
    click.echo(f"action: {safe(outcome.action)}")
    if outcome.text != text:
        click.echo(f"text:   {safe_block(outcome.text)}")
    if outcome.reply:
        click.echo(f"reply:  {safe_block(outcome.reply)}")


@guard.command("eval")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--kind", type=click.Choice(["pii", "injection", "toxicity"]), help="default: from the fields"
)
@policy_option
@click.option("--json", "as_json", is_flag=True, help="one JSON object with the figures")
@click.option(
    "--predictions",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write one line per example",
)
@click.option(
    "--by", "by", type=click.Choice(["source"]), help="also one row per source (field dataset)"
)
@click.option(
    "--leave-one-out",
    "leave_out",
    is_flag=True,
    help="injection: refit the learned model without each source, measure on it (needs numpy)",
)
@click.option(
    "--measure-only",
    multiple=True,
    help="with --leave-one-out: a source never trained on (e.g. GPL-3.0 records); repeatable",
)
def eval_(
    files: tuple[Path, ...],
    kind: str | None,
    policy_path: Path | None,
    as_json: bool,
    predictions: Path | None,
    by: str | None,
    leave_out: bool,
    measure_only: tuple[str, ...],
) -> None:
    """Measure the guards on FILES (JSONL of the shared datasets' shapes), pooled."""
    rows = [{"dataset": path.stem, **row} for path in files for row in read_jsonl(path)]
    if not rows:
        raise click.UsageError("no examples in the files")
    if leave_out:
        _leave_one_out(rows, kind, measure_only, as_json)
        return
    engine = load_engine(policy_path)
    figures, run = evaluate(engine, rows, kind)
    if by == "source":
        figures["by_source"] = by_source(rows, run, figures["kind"])
    if predictions is not None:
        with predictions.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(p) + "\n" for p in run.predictions)
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
        return
    _print_figures(figures)


def _leave_one_out(
    rows: list[dict[str, Any]], kind: str | None, measure_only: tuple[str, ...], as_json: bool
) -> None:
    if (kind or kind_of(rows)) != "injection":
        raise click.UsageError("--leave-one-out refits the injection model: injection rows only")
    if any("label" not in r or "text" not in r or "id" not in r for r in rows):
        raise click.UsageError("every row needs id, text and label")
    progress = None if as_json else (lambda line: click.echo(safe(line), err=True))
    figures = leave_one_out(rows, measure_only, progress=progress)
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
        return
    _print_sources(figures["per_source"])
    pooled = figures["pooled"]
    click.echo(f"pooled: recall={_fmt(pooled['recall'])} fpr={_fmt(pooled['false_positive_rate'])}")
    for what, worst in figures["worst"].items():
        click.echo(
            f"worst {safe(what)}: "
            + "  ".join(f"{safe(k)}={safe(_fmt(v))}" for k, v in worst.items())
        )


def _print_sources(per_source: dict[str, dict[str, Any]]) -> None:
    head = ["source", "n", "precision", "recall", "f1", "fpr", "tp", "fp", "fn"]
    rows = [[name, str(m["n"]), *_row("", m)[1:]] for name, m in per_source.items()]
    _table(head, rows)


def _print_figures(figures: dict[str, Any]) -> None:
    head = ["", "precision", "recall", "f1", "fpr", "tp", "fp", "fn"]
    rows = [_row("overall", figures)]
    if "pattern_types" in figures:
        rows.append(_row("pattern types", figures["pattern_types"]))
    rows += [_row(f"  {name}", m) for name, m in figures.get("per_type", {}).items()]
    _table(head, rows)
    extra = {k: figures[k] for k in ("hate_recall",) if figures.get(k) is not None}
    extra.update(n=figures["n"], p50_ms=figures["p50_ms"], p99_ms=figures["p99_ms"])
    click.echo("  ".join(f"{safe(k)}={safe(_fmt(v))}" for k, v in extra.items()))
    if "by_source" in figures:
        _print_sources(figures["by_source"])


def _row(name: str, m: dict[str, Any]) -> list[str]:
    keys = ("precision", "recall", "f1", "false_positive_rate", "tp", "fp", "fn")
    return [name, *(_fmt(m[k]) if m.get(k) is not None else "" for k in keys)]


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(head: list[str], rows: list[list[str]]) -> None:
    cells = [[safe(c) for c in r] for r in [head, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
