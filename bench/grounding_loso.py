"""Grounding: leave-one-source-out with the offline checker's weights refitted per fold.

    python bench/grounding_loso.py [--drop claims] [--fit] [--no-veto] [--per-kind]

For each DEV grounding source, the answer-level logistic model (``support.ANSWER_FEATURES``,
minus ``--drop``) is fitted on the dev halves of the other sources (every source and label
weighted equally, L2 strength C) and its threshold is chosen on them by an inner
leave-one-source-out (the threshold with the best mean balanced accuracy over their
out-of-fold scores); the source left out is scored whole. C is chosen by the mean over the
outer folds. The lexical baseline (the answer's IDF coverage by its sources) goes through the
same protocol. ``--fit`` also prints the weights and threshold to ship: fitted on the dev
halves of all sources at the chosen C, the threshold from their out-of-fold scores. Needs
numpy (a bench dependency; the package reads the shipped constants only). ``--per-kind``
chooses the threshold of the source left out on the training sources of its own kind (as its
app declares it, ``knowledge.grounding.kind``) when there are any, else on all of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from knowledge import DATA, KINDS, SETS, features
from stanchion.knowledge.grounding import VETO
from stanchion.knowledge.support import ANSWER_FEATURES

C_GRID = (0.03, 0.1, 0.3, 1.0)


def sample_weights(sets: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Every source and, within it, each label weighs the same; mean weight 1."""
    w = np.zeros(len(ys))
    groups = {(s, y) for s, y in zip(sets, ys, strict=True)}
    for s, y in groups:
        mask = (sets == s) & (ys == y)
        w[mask] = 1.0 / mask.sum()
    return w * len(ys) / w.sum()


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float) -> np.ndarray:
    """L2 logistic regression by Newton's method (scikit-learn's objective: 0.5 |coef|^2 +
    C * weighted log loss; the intercept is not penalised). Returns [bias, *coef]."""
    a = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(a.shape[1])
    penalty = np.eye(a.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(a @ beta)))
        grad = c * a.T @ (w * (p - y)) + penalty @ beta
        hess = c * (a * (w * p * (1 - p))[:, None]).T @ a + penalty
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def score(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(beta[0] + x @ beta[1:])))


def balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return 0.5 * (float((pred[y == 1] == 1).mean()) + float((pred[y == 0] == 0).mean()))


def best_threshold(scores: np.ndarray, y: np.ndarray, sets: np.ndarray) -> float:
    """The threshold with the best mean balanced accuracy over the sources."""
    best, best_t = -1.0, 0.5
    for t in np.unique(np.round(scores, 3)):
        ba = statistics.mean(
            balanced_accuracy(y[sets == s], (scores[sets == s] >= t).astype(int))
            for s in np.unique(sets)
        )
        if ba > best:
            best, best_t = ba, float(t)
    return best_t


def out_of_fold(
    x: np.ndarray, y: np.ndarray, sets: np.ndarray, c: float, scale: np.ndarray
) -> np.ndarray:
    """Each source's scores from a model fitted on the other sources (times ``scale``)."""
    scores = np.zeros(len(y))
    for s in np.unique(sets):
        held = sets == s
        beta = fit(x[~held], y[~held], sample_weights(sets[~held], y[~held]), c)
        scores[held] = score(beta, x[held])
    return scores * scale


def loso(
    x: np.ndarray,
    y: np.ndarray,
    sets: np.ndarray,
    dev: np.ndarray,
    c: float,
    scale: np.ndarray,
    per_kind: bool = False,
) -> dict[str, float]:
    """Balanced accuracy on each source left out (fit and threshold on the others' dev).
    ``scale``: each answer's veto factor (``VETO`` where a claim is vetoed, else 1); the
    vetoes are rules, not fitted, so they apply in the inner folds as on the source left out."""
    out = {}
    for s in SETS:
        train = dev & (sets != s)
        xt, yt, st = x[train], y[train], sets[train]
        beta = fit(xt, yt, sample_weights(st, yt), c)
        oof = out_of_fold(xt, yt, st, c, scale[train])
        kin = np.array([KINDS[o] == KINDS[s] for o in st]) if per_kind else np.zeros(len(st), bool)
        t = best_threshold(oof[kin], yt[kin], st[kin]) if kin.any() else best_threshold(oof, yt, st)
        held = sets == s
        out[s] = balanced_accuracy(y[held], (score(beta, x[held]) * scale[held] >= t).astype(int))
    return out


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, sets, dev, scale = [], [], [], [], []
    for name in SETS:
        with (DATA / "grounding" / f"{name}.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                feats, veto = features(row, KINDS[name])
                xs.append(feats)
                scale.append(VETO if veto else 1.0)
                ys.append(int(row["label"]))
                sets.append(name)
                dev.append(hashlib.sha256(row["id"].encode()).digest()[0] < 128)
    return np.array(xs), np.array(ys), np.array(sets), np.array(dev), np.array(scale)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drop", action="append", default=[], choices=ANSWER_FEATURES)
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--no-veto", action="store_true", help="the model alone, without vetoes")
    ap.add_argument("--per-kind", action="store_true", help="thresholds per declared kind")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    x, y, sets, dev, scale = load()
    if a.no_veto:
        scale = np.ones(len(y))
    keep = [i for i, f in enumerate(ANSWER_FEATURES) if f not in a.drop]
    lexical = x[:, [ANSWER_FEATURES.index("mean_idf_coverage")]]
    rows = {"lexical": loso(lexical, y, sets, dev, 1.0, np.ones(len(y)))}
    for c in C_GRID:
        rows[f"offline C={c}"] = loso(x[:, keep], y, sets, dev, c, scale, a.per_kind)
    print(f"{'model (LOSO)':20}" + "".join(f"{s[:9]:>10}" for s in SETS) + "      mean     worst")
    for name, figures in rows.items():
        vals = [figures[s] for s in SETS]
        cells = "".join(f"{v:10.3f}" for v in vals)
        print(f"{name:20}{cells}{statistics.mean(vals):10.3f}{min(vals):10.3f}")
    best_c = max(C_GRID, key=lambda c: statistics.mean(rows[f"offline C={c}"].values()))
    report: dict[str, object] = {"loso": rows, "dropped": a.drop, "c": best_c}
    if a.fit:
        xd, yd, sd = x[dev][:, keep], y[dev], sets[dev]
        beta = fit(xd, yd, sample_weights(sd, yd), best_c)
        t = best_threshold(out_of_fold(xd, yd, sd, best_c, scale[dev]), yd, sd)
        weights = [float(beta[0])] + [0.0] * len(ANSWER_FEATURES)
        for k, i in enumerate(keep):
            weights[i + 1] = float(beta[k + 1])
        print(f"C={best_c}; WEIGHTS = {tuple(round(v, 3) for v in weights)}; threshold {t}")
        report.update(weights=weights, threshold=t)
    if a.json:
        a.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
