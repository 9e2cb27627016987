"""Leave-one-source-out with a refit: does the injection detector work on a source it never saw?

The learned injection model is refitted on all groups but one (its cut chosen by
cross-validation inside the training groups), the group left out is scanned by the rules and
that model, and so on for every group; the predictions are then those of detectors that
never saw the row's group. ``guard eval --leave-one-out`` fits its thresholds on top
(:func:`stanchion.evals.protocol.guard_groups`)::

    figures = refit_leave_one_out(rows, measure_only={"raccoon"})
    figures["worst"]["recall"]       # {'source': 'jailbreakbench', 'recall': 0.06}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from stanchion.guards.engine import GuardEngine, build_guard_engine
from stanchion.guards.evaluation import SCORERS, Row, evaluate
from stanchion.guards.injection import InjectionGuard
from stanchion.guards.injection_model import InjectionModel, bucket
from stanchion.guards.policy import InjectionSpec

Progress = Callable[[str], None]


def source_of(row: Row) -> str:
    return str(row.get("dataset") or "unknown")


def worst(per_group: dict[str, dict[str, Any]], groups: dict[str, set[int]]) -> dict[str, Any]:
    """The attack group with the lowest recall and the benign group with the highest FPR."""
    attacks = [g for g, labels in groups.items() if 1 in labels]
    benign = [g for g, labels in groups.items() if 0 in labels]
    out: dict[str, Any] = {}
    if attacks:
        name = min(attacks, key=lambda g: per_group[g]["recall"])
        out["recall"] = {"source": name, "recall": per_group[name]["recall"]}
    if benign:
        name = max(benign, key=lambda g: _benign_fpr(per_group[g]))
        out["false_positive_rate"] = {"source": name, "fpr": _benign_fpr(per_group[name])}
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


def refit_leave_one_out(
    rows: list[Row],
    measure_only: Iterable[str] = (),
    group: Callable[[Row], str] = source_of,
    progress: Progress | None = None,
    size: int = 2**16,
    epochs: int = 60,
) -> dict[str, Any]:
    """Per group: refit without it, scan it. ``measure_only``: groups never trained on
    (e.g. GPL-3.0 records). Returns per-group figures at the shipped cut (0.5), the pooled
    figures, the worst groups and every row's prediction (in the order of ``rows``)."""
    from stanchion.guards.injection_fit import Example, fit_with_cut

    reader = InjectionGuard(InjectionSpec(), "input")
    names = [group(r) for r in rows]
    examples = [
        Example(tuple(bucket(f, size) for f in reader.features(r["text"])), int(r["label"]), n)
        for r, n in zip(rows, names, strict=True)
    ]
    excluded = set(measure_only)
    per_group: dict[str, dict[str, Any]] = {}
    predictions: dict[int, Row] = {}
    for name in sorted(set(names)):
        train = [e for e in examples if e.source != name and e.source not in excluded]
        # Without both classes to learn from there is no model: the rules alone are measured.
        both = {e.label for e in train} == {0, 1}
        model = fit_with_cut(train, size, epochs=epochs) if both else None
        engine = with_model(build_guard_engine(None, Path.cwd()), model)
        held = [i for i, n in enumerate(names) if n == name]
        figures, run = evaluate(engine, [rows[i] for i in held], "injection")
        per_group[name] = {**figures, "refit": both}
        predictions.update(zip(held, run.predictions, strict=True))
        if progress is not None:
            progress(f"{name}: recall {figures['recall']:.3f} fpr {_benign_fpr(figures):.4f}")
    ordered = [predictions[i] for i in range(len(rows))]
    labels: dict[str, set[int]] = {}
    for row, name in zip(rows, names, strict=True):
        labels.setdefault(name, set()).add(int(row["label"]))
    return {
        "pooled": SCORERS["injection"](rows, ordered),
        "per_group": per_group,
        "worst": worst(per_group, labels),
        "predictions": ordered,
    }
