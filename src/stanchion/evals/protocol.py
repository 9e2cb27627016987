"""The generalisation protocol of ``guard eval`` and ``ground eval``: figures per source, and
leave-one-source-out (a threshold chosen on every other source, measured on the one left out).

A detector's predictions are computed once; only the decision threshold is fitted, per left-out
group, on the rest (per type for PII spans, at FPR <= 1% for injection, the best mean balanced
accuracy over sources for grounding), so no figure comes from a threshold that saw its group::

    groups = group_rows(rows, "source")             # {"begin": [0, 1, ...], ...}
    figures = leave_one_out_binary(rows, scores, groups)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, Any]
GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
MAX_FPR = 0.01


def group_of(row: Row, by: str) -> str:
    """``source``: the ``dataset`` field; ``template``: ``meta.template_id``; else that field
    of the row or of its ``meta``."""
    found = row.get("meta")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    if by == "source":
        return str(row.get("dataset") or "unknown")
    if by == "template":
        return str(meta.get("template_id", "unknown"))
    return str(row.get(by, meta.get(by, "unknown")))


def group_rows(rows: list[Row], by: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        out.setdefault(group_of(row, by), []).append(i)
    return dict(sorted(out.items()))


def _others(groups: dict[str, list[int]], name: str) -> list[int]:
    return [i for g, idx in groups.items() if g != name for i in idx]


# --- PII spans: one threshold per type -------------------------------------------------


def pii_thresholds(
    gold: list[Row], preds: list[Row], score: Callable[[list[Row], list[Row]], dict[str, Any]]
) -> dict[str, float]:
    """Per type, the threshold of the grid with the best F1 on these rows."""
    types = {s["type"] for p in preds for s in p["spans"]}
    chosen: dict[str, float] = {}
    for t in sorted(types):
        best, best_t = -1.0, GRID[0]
        for th in GRID:
            kept = [_keep(p, {t: th}, only=t) for p in preds]
            f1 = score(gold, kept)["per_type"].get(_norm(t), {}).get("f1", 0.0)
            if f1 > best + 1e-9:
                best, best_t = f1, th
        chosen[t] = best_t
    return chosen


def _norm(t: str) -> str:
    from stanchion.guards.evaluation import norm_type

    return norm_type(t)


def _keep(pred: Row, thresholds: dict[str, float], only: str | None = None) -> Row:
    spans = [
        s
        for s in pred["spans"]
        if (only is None or s["type"] == only)
        and s.get("score", 1.0) >= thresholds.get(s["type"], 0.0)
    ]
    return {**pred, "spans": spans}


def leave_one_out_pii(
    gold: list[Row],
    preds: list[Row],
    groups: dict[str, list[int]],
    score: Callable[[list[Row], list[Row]], dict[str, Any]],
) -> dict[str, Any]:
    """Per group: thresholds fitted on the others, figures on it; ``pooled``: all held-out."""
    out: dict[str, Any] = {}
    held: list[Row] = [{}] * len(gold)
    for name, idx in groups.items():
        rest = _others(groups, name)
        th = (
            pii_thresholds([gold[i] for i in rest], [preds[i] for i in rest], score) if rest else {}
        )
        for i in idx:
            held[i] = _keep(preds[i], th)
        out[name] = {**score([gold[i] for i in idx], [held[i] for i in idx]), "thresholds": th}
    return {"groups": out, "pooled": score(gold, held)}


# --- binary decisions (injection: 1 = attack; grounding: 1 = supported) -----------------


def balanced_accuracy(labels: list[int], predicted: list[int]) -> float:
    pos = [p for y, p in zip(labels, predicted, strict=True) if y == 1]
    neg = [p for y, p in zip(labels, predicted, strict=True) if y == 0]
    tpr = sum(pos) / len(pos) if pos else 0.0
    tnr = (len(neg) - sum(neg)) / len(neg) if neg else 0.0
    return (tpr + tnr) / 2 if pos and neg else (tpr or tnr)


def best_mean_ba(
    labels: list[int], scores: list[float], groups: dict[str, list[int]], within: list[int]
) -> float:
    """The threshold (over the scores seen) with the best mean balanced accuracy of the
    groups among ``within``: each source weighs the same."""
    inside = set(within)
    parts = [[i for i in idx if i in inside] for idx in groups.values()]
    parts = [p for p in parts if p]
    seen = sorted({scores[i] for i in within})
    step = max(1, len(seen) // 400)  # at most ~400 candidates: quantiles of the scores
    candidates = seen[::step]
    best, best_t = -1.0, 0.5
    for t in candidates:
        mean = sum(
            balanced_accuracy([labels[i] for i in p], [int(scores[i] >= t) for i in p])
            for p in parts
        ) / len(parts)
        if mean > best:
            best, best_t = mean, t
    return best_t


def leave_one_out_binary(
    labels: list[int], scores: list[float], groups: dict[str, list[int]]
) -> dict[str, dict[str, float]]:
    """Grounding: per source, the threshold with the best mean balanced accuracy over the
    other sources, and the balanced accuracy it gives on the source left out."""
    out: dict[str, dict[str, float]] = {}
    for name, idx in groups.items():
        rest = _others(groups, name) or idx
        t = best_mean_ba(labels, scores, groups, rest)
        ba = balanced_accuracy([labels[i] for i in idx], [int(scores[i] >= t) for i in idx])
        out[name] = {"n": len(idx), "threshold": t, "balanced_accuracy": ba}
    return out


def threshold_at_fpr(labels: list[int], scores: list[float], within: list[int]) -> float:
    """Injection: the lowest threshold whose false-positive rate on the benign rows among
    ``within`` stays at or under ``MAX_FPR`` (1 = attack)."""
    benign = sorted((scores[i] for i in within if labels[i] == 0), reverse=True)
    allowed = int(MAX_FPR * len(benign))
    if not benign or allowed >= len(benign):
        return 0.0
    return benign[allowed] + 1e-6


def leave_one_out_fpr(
    labels: list[int], scores: list[float], groups: dict[str, list[int]]
) -> dict[str, dict[str, float]]:
    """Per source: the threshold at FPR <= 1% on the others' benign rows; recall (attacks)
    and false-positive rate (benign) on the source left out."""
    out: dict[str, dict[str, float]] = {}
    for name, idx in groups.items():
        t = threshold_at_fpr(labels, scores, _others(groups, name) or idx)
        attacks = [i for i in idx if labels[i] == 1]
        benign = [i for i in idx if labels[i] == 0]
        out[name] = {
            "n": len(idx),
            "threshold": t,
            "recall": sum(scores[i] >= t for i in attacks) / len(attacks) if attacks else 0.0,
            "false_positive_rate": sum(scores[i] >= t for i in benign) / len(benign)
            if benign
            else 0.0,
        }
    return out


# --- the figures ``guard eval --by`` prints ----------------------------------------------


def guard_groups(
    kind: str, rows: list[Row], preds: list[Row], by: str, leave_one_out: bool
) -> dict[str, Any]:
    """Figures per group for ``guard eval`` (pii: per-type F1; injection: recall and FPR)."""
    from stanchion.guards.evaluation import SCORERS

    groups = group_rows(rows, by)
    score = SCORERS[kind]
    if leave_one_out and kind == "pii":
        return leave_one_out_pii(rows, preds, groups, score)
    if leave_one_out and kind == "injection":
        labels = [int(r["label"]) for r in rows]
        scores = [float(p.get("score") or p["label"]) for p in preds]
        return {"groups": leave_one_out_fpr(labels, scores, groups)}
    if leave_one_out:
        raise ValueError(f"--leave-one-out is for pii and injection, not {kind}")
    return {
        "groups": {
            name: score([rows[i] for i in idx], [preds[i] for i in idx])
            for name, idx in groups.items()
        }
    }
