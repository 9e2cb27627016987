"""``stanchion guard check|eval``: try the guards on a text, measure them on labelled files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml

from stanchion.cli.common import safe, safe_block

if TYPE_CHECKING:
    from stanchion.guards import GuardEngine


policy_option = click.option(
    "--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a stanchion.yaml (its guards: section is used) or a file holding only that section",
)  # fmt: skip


def load_engine(policy_path: Path | None) -> GuardEngine:
    from stanchion.guards import GuardPolicySpec, build_guard_engine

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
@click.option("--by", help="figures per group: source (dataset), template, or a field")
@click.option(
    "--leave-one-out",
    is_flag=True,
    help="with --by: thresholds fitted on the other groups, measured on each; injection: the "
    "learned model is also refitted without each group (needs numpy)",
)
@click.option(
    "--measure-only",
    multiple=True,
    help="with --leave-one-out: a group never trained on (e.g. GPL-3.0 records); repeatable",
)
def eval_(
    files: tuple[Path, ...],
    kind: str | None,
    policy_path: Path | None,
    as_json: bool,
    predictions: Path | None,
    by: str | None = None,
    leave_one_out: bool = False,
    measure_only: tuple[str, ...] = (),
) -> None:
    """Measure the guards on FILES (JSONL of the shared datasets' shapes), pooled."""
    from stanchion.guards.evaluation import evaluate, kind_of, read_jsonl

    rows = [{"dataset": path.stem, **row} for path in files for row in read_jsonl(path)]
    if not rows:
        raise click.UsageError("no examples in the files")
    if leave_one_out and (kind or kind_of(rows)) == "injection":
        _refit_leave_one_out(rows, by or "source", measure_only, as_json, predictions)
        return
    engine = load_engine(policy_path)
    figures, run = evaluate(engine, rows, kind)
    _write_predictions(predictions, run.predictions)
    if by is not None or leave_one_out:
        _print_groups(
            figures["kind"], rows, run.predictions, by or "source", leave_one_out, as_json
        )
        return
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
        return
    _print_figures(figures)


def _write_predictions(path: Path | None, preds: list[dict[str, Any]]) -> None:
    if path is not None:
        with path.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(p) + "\n" for p in preds)


def _refit_leave_one_out(
    rows: list[dict[str, Any]],
    by: str,
    measure_only: tuple[str, ...],
    as_json: bool,
    predictions: Path | None = None,
) -> None:
    """Injection: each group scanned by a model refitted without it, then the thresholds."""
    from stanchion.evals.protocol import group_of, guard_groups
    from stanchion.guards.refit import refit_leave_one_out

    if any("label" not in r or "text" not in r or "id" not in r for r in rows):
        raise click.UsageError("every row needs id, text and label")
    progress = None if as_json else (lambda line: click.echo(safe(line), err=True))
    refit = refit_leave_one_out(rows, measure_only, lambda r: group_of(r, by), progress)
    preds = refit.pop("predictions")
    _write_predictions(predictions, preds)  # each row scored by the model that never saw it
    if as_json:
        figures = guard_groups("injection", rows, preds, by, True)
        click.echo(json.dumps({**figures, "refit": refit}, sort_keys=True))
        return
    _print_groups("injection", rows, preds, by, True, False)
    pooled = refit["pooled"]
    click.echo(
        f"refit, cut 0.5: recall={_fmt(pooled['recall'])} fpr={_fmt(pooled['false_positive_rate'])}"
    )
    for what, worst in refit["worst"].items():
        click.echo(
            f"worst {safe(what)}: "
            + "  ".join(f"{safe(k)}={safe(_fmt(v))}" for k, v in worst.items())
        )


def _print_groups(
    kind: str, rows: list[dict[str, Any]], preds: list[dict[str, Any]], by: str, loo: bool,
    as_json: bool,
) -> None:  # fmt: skip
    from stanchion.evals.protocol import guard_groups

    try:
        figures = guard_groups(kind, rows, preds, by, loo)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(figures, sort_keys=True))
        return
    groups: dict[str, dict[str, Any]] = figures["groups"]
    if kind != "pii":
        keys = sorted({k for m in groups.values() for k, v in m.items() if isinstance(v, float)})
        _table(
            ["group", *keys], [[g, *(_fmt(m.get(k, "")) for k in keys)] for g, m in groups.items()]
        )
        return
    types = sorted({t for m in groups.values() for t in m["per_type"]})
    rows_out = [
        [
            g,
            _fmt(m["f1"]),
            *(_fmt(m["per_type"][t]["f1"]) if t in m["per_type"] else "" for t in types),
        ]
        for g, m in groups.items()
    ]
    if "pooled" in figures:
        pooled = figures["pooled"]
        rows_out.append(
            [
                "pooled",
                _fmt(pooled["f1"]),
                *(_fmt(pooled["per_type"].get(t, {}).get("f1", "")) for t in types),
            ]
        )
    _table(["group (f1)", "all", *types], rows_out)


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
