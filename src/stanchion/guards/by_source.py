"""Figures per source, and leave-one-source-out: does the detector work on a source it never saw?

Every row names its source (``dataset``, else the file it came from). ``by_source`` scores each
source on its own; ``leave_one_out`` refits the learned injection model on all sources but one
(the cut chosen by cross-validation inside the training sources), scans the one left out with
the rules and that model, and repeats for every source. The worst source is the figure::

    figures = leave_one_out(rows, exclude_from_training={"raccoon"})
    figures["worst"]       # {'source': 'jailbreakbench', 'recall': 0.31}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from stanchion.guards.engine import GuardEngine, build_guard_engine
from stanchion.guards.evaluation import SCORERS, Row, Run, evaluate
from stanchion.guards.injection import InjectionGuard
from stanchion.guards.injection_model import InjectionModel, bucket
from stanchion.guards.policy import InjectionSpec

Progress = Callable[[str], None]


def source_of(row: Row) -> str:
    return str(row.get("dataset") or row.get("source") or "unknown")


def by_source(rows: list[Row], run: Run, kind: str) -> dict[str, dict[str, Any]]:
    """The figures of each source alone, from one run over all rows."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[source_of(row)].append(i)
    out = {}
    for name, idx in sorted(groups.items()):
        figures = SCORERS[kind]([rows[i] for i in idx], [run.predictions[i] for i in idx])
        figures["n"] = len(idx)
        out[name] = figures
    return out


def worst(per_source: dict[str, dict[str, Any]], rows: list[Row]) -> dict[str, Any]:
    """The attack source with the lowest recall and the benign source with the highest FPR."""
    attacks = {s for r in rows if int(r.get("label", 0)) == 1 for s in [source_of(r)]}
    benign = {s for r in rows if int(r.get("label", 0)) == 0 for s in [source_of(r)]}
    out: dict[str, Any] = {}
    if attacks:
        name = min(attacks, key=lambda s: per_source[s]["recall"])
        out["recall"] = {"source": name, "recall": per_source[name]["recall"]}
    if benign:
        name = max(benign, key=lambda s: _benign_fpr(per_source[s]))
        out["false_positive_rate"] = {"source": name, "fpr": _benign_fpr(per_source[name])}
    return out


def _benign_fpr(figures: dict[str, Any]) -> float:
    benign = figures.get("per_type", {}).get("benign")
    return float((benign or figures)["false_positive_rate"])


def with_model(engine: GuardEngine, model: InjectionModel | None) -> GuardEngine:
    """The engine with every injection guard reading ``model`` (one fold's refit)."""
    for guards in engine.guards.values():
        for guard in guards:
            if isinstance(guard, InjectionGuard):
                guard.model = model
    return engine


def leave_one_out(
    rows: list[Row],
    exclude_from_training: Iterable[str] = (),
    size: int = 2**16,
    epochs: int = 60,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Injection figures per held-out source: refit without it, then scan it.

    ``exclude_from_training``: sources only ever measured (e.g. GPL-3.0 records).
    """
    from stanchion.guards.injection_fit import Example, fit_with_cut

    reader = InjectionGuard(InjectionSpec(), "input")
    examples = [
        Example(
            tuple(bucket(f, size) for f in reader.features(r["text"])),
            int(r["label"]),
            source_of(r),
        )
        for r in rows
    ]
    excluded = set(exclude_from_training)
    per_source: dict[str, dict[str, Any]] = {}
    predictions: dict[str, Row] = {}
    for name in sorted({source_of(r) for r in rows}):
        train = [e for e in examples if e.source != name and e.source not in excluded]
        # Without both classes to learn from there is no model: the rules alone are measured.
        both = {e.label for e in train} == {0, 1}
        model = fit_with_cut(train, size, epochs=epochs) if both else None
        engine = with_model(build_guard_engine(None, Path.cwd()), model)
        held = [r for r in rows if source_of(r) == name]
        figures, run = evaluate(engine, held, "injection")
        figures["refit"] = both
        per_source[name] = figures
        predictions.update((str(p["id"]), p) for p in run.predictions)
        if progress is not None:
            progress(f"{name}: recall {figures['recall']:.3f} fpr {_benign_fpr(figures):.4f}")
    pooled = SCORERS["injection"](rows, [predictions[str(r["id"])] for r in rows])
    return {"pooled": pooled, "per_source": per_source, "worst": worst(per_source, rows)}
