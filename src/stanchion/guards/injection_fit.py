"""Fit the injection model (numpy only, imported where training happens, never on a request).

One trainer serves ``training/injection/train.py`` (the shipped weights) and
``stanchion guard eval --leave-one-out`` (a model per held-out source), so the protocol that
is reported is the one that built the package::

    rows = [Example(buckets, label=1, source="gptfuzz"), ...]
    model = fit_with_cut(rows, size=2**18)        # an InjectionModel, cut at 0.5
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stanchion.errors import StanchionError
from stanchion.guards.injection_model import InjectionModel

TARGET_FPR = 0.01
# Below the target so that a source never seen, a little harder than the folds, still
# stays under it (the cut is the benign score at this share from the top).
CUT_FPR = 0.005
INNER_FOLDS = 2


@dataclass(frozen=True, slots=True)
class Example:
    buckets: Sequence[int]
    label: int
    source: str


def _numpy() -> Any:
    try:
        import numpy as np
    except ImportError as exc:  # pragma: no cover - numpy ships with the dev and train extras
        raise StanchionError("fitting the injection model needs numpy (pip install numpy)") from exc
    return np


def sample_weights(rows: Sequence[Example]) -> list[float]:
    """Each class weighs the same in total; within a class a source weighs sqrt(its size),
    so the 3,745 search queries do not drown 28 extraction prompts."""
    counts = Counter((r.source, r.label) for r in rows)
    share: dict[tuple[str, int], float] = {k: math.sqrt(n) for k, n in counts.items()}
    per_class: dict[int, float] = {}
    for (_, label), s in share.items():
        per_class[label] = per_class.get(label, 0.0) + s
    return [share[r.source, r.label] / counts[r.source, r.label] / per_class[r.label] for r in rows]


def fit(
    rows: Sequence[Example], size: int, l2: float = 1e-4, epochs: int = 60
) -> tuple[Any, float]:
    """Weighted logistic regression on L2-normalised binary rows: full-batch Adam."""
    np = _numpy()
    lengths = np.array([len(r.buckets) for r in rows], dtype=np.int64)
    cols = np.fromiter((b for r in rows for b in r.buckets), dtype=np.int64, count=lengths.sum())
    owner = np.repeat(np.arange(len(rows)), lengths)
    values = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
    y = np.array([r.label for r in rows], dtype=np.float64)
    sw = np.array(sample_weights(rows))
    w, b = np.zeros(size), 0.0
    m, v, mb, vb = np.zeros(size), np.zeros(size), 0.0, 0.0
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, epochs + 1):
        z = np.bincount(owner, weights=values * w[cols], minlength=len(rows)) + b
        residual = sw * (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))) - y)
        grad = np.bincount(cols, weights=values * residual[owner], minlength=size) + l2 * w
        gb = float(residual.sum())
        m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad * grad
        mb, vb = beta1 * mb + (1 - beta1) * gb, beta2 * vb + (1 - beta2) * gb * gb
        fix1, fix2 = 1 - beta1**step, 1 - beta2**step
        w -= rate * (m / fix1) / (np.sqrt(v / fix2) + 1e-8)
        b -= rate * (mb / fix1) / (math.sqrt(vb / fix2) + 1e-8)
    return w, b


def raw_scores(w: Any, b: float, rows: Sequence[Example]) -> list[float]:
    """Logits of rows under weights ``w`` and bias ``b``."""
    return [
        b + float(sum(w[i] for i in r.buckets)) / math.sqrt(len(r.buckets)) if r.buckets else b
        for r in rows
    ]


def fold_of(source: str, folds: int) -> int:
    return int.from_bytes(hashlib.sha256(source.encode()).digest()[:4], "big") % folds


def cut_by_cross_validation(rows: Sequence[Example], size: int, l2: float, epochs: int) -> float:
    """The logit cut: benign rows are scored by a model fitted without their source's fold
    (sources grouped into folds), and the cut keeps ``CUT_FPR`` of them above it."""
    benign: list[float] = []
    for k in range(INNER_FOLDS):
        train = [r for r in rows if fold_of(r.source, INNER_FOLDS) != k]
        test = [r for r in rows if fold_of(r.source, INNER_FOLDS) == k and r.label == 0]
        if not test or not any(r.label for r in train) or not any(not r.label for r in train):
            continue
        w, b = fit(train, size, l2, epochs)
        benign += raw_scores(w, b, test)
    if not benign:
        return 0.0
    benign.sort(reverse=True)
    return benign[min(len(benign) - 1, int(CUT_FPR * len(benign)))]


def fit_with_cut(
    rows: Sequence[Example], size: int, l2: float = 1e-4, epochs: int = 60
) -> InjectionModel:
    """A model on all rows with its bias shifted so that 0.5 is the cross-validated cut."""
    cut = cut_by_cross_validation(rows, size, l2, epochs)
    w, b = fit(rows, size, l2, epochs)
    return to_model(w, b - cut, size, {"cut_logit": cut, "l2": l2, "epochs": epochs})


def to_model(w: Any, bias: float, size: int, meta: dict[str, Any]) -> InjectionModel:
    """Quantise to 8 bits (what is shipped) and load as the run-time model."""
    return InjectionModel.from_dict(export(w, bias, size, meta))


def export(w: Any, bias: float, size: int, meta: dict[str, Any]) -> dict[str, Any]:
    np = _numpy()
    scale = float(np.abs(w).max()) / 127 or 1.0
    q = np.round(w / scale).astype(int)
    nz = np.nonzero(q)[0]
    return {
        "size": size,
        "bias": float(bias),
        "scale": scale,
        "i": nz.tolist(),
        "q": q[nz].tolist(),
        "meta": meta,
    }
