"""The DEV rows of ``answerability_fit.py`` with each part's text, for the cross-encoder
study (``answerability_crossencoder.py``): the standalone question of each part and its top
passages, the gate's features, the label; cached in the temporary folder (planning the four
apps takes minutes). Never a held-out split.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import answerability_fit as fit_mod
from answerability_fit import APPS, Row
from answerability_loao import auc_of

from stanchion.knowledge import answerability

GATE = answerability.FEATURES
TOP = 3  # passages of a part given to the cross-encoder (the window is cut at max_len)
CACHE = Path(tempfile.gettempdir()) / "stanchion-ce-rows.json"
SCORES = Path(tempfile.gettempdir()) / "stanchion-ce-scores.json"
WEIGHTS = Path(tempfile.gettempdir()) / "stanchion-ce-top.pt"  # never in the repository
APP_NAMES = tuple(dict.fromkeys(APPS.values()))
WITH_CE = (*GATE, "ce")
TRAINING = Path(__file__).resolve().parents[1] / "training" / "answerability"
Pair = tuple[str, str]


@dataclass
class TextRow(Row):
    """A DEV row with each part's standalone question and top passages' text."""

    texts: list[Pair] = field(default_factory=list)


def _passage(p: Any) -> str:
    head = " ".join(x for x in (p.title, p.section) if x)
    return f"{head}: {p.text}" if head else p.text


def _rows_with_text(planner: Any, source: str, items: list[fit_mod.Item]) -> list[Row]:
    out: list[Row] = []
    for ex_id, turns, ok, reply in items:
        plan = fit_mod.as_served(planner, turns, reply)
        parts: list[dict[str, float] | None] = []
        texts = []
        for p in plan.parts:
            vetoed = p.assessment.missing or not p.assessment.features
            parts.append(None if vetoed else dict(p.assessment.features))
            texts.append((p.question, "\n".join(_passage(x) for x in p.passages[:TOP])))
        out.append(TextRow(source, ex_id, ok, parts, texts))
    return out


def text_rows(cache: Path = CACHE) -> list[TextRow]:
    """The DEV rows with their texts (cached: planning the four apps takes minutes)."""
    if cache.exists():
        return [
            TextRow(**{**r, "texts": [tuple(t) for t in r["texts"]]})
            for r in json.loads(cache.read_text())
        ]
    fit_mod._rows = _rows_with_text  # the same planning, keeping the texts
    rows = [r for r in fit_mod.dev_rows() if isinstance(r, TextRow)]
    cache.write_text(json.dumps([r.__dict__ for r in rows]))
    return rows


def judged_part(row: Row) -> int:
    """The part the shipped gate judges the message by (the first when all are vetoed)."""
    best, at = -1.0, 0
    for i, x in enumerate(row.parts):
        if x is not None:
            p = fit_mod.prob(list(answerability.WEIGHTS), fit_mod.vec(x, GATE))
            if p > best:
                best, at = p, i
    return at


def sample_weights(rows: list[TextRow]) -> list[float]:
    """Each source and, within it, each label weighs the same (as the gate's fit)."""
    count: dict[tuple[str, bool], int] = {}
    for r in rows:
        count[r.source, r.answerable] = count.get((r.source, r.answerable), 0) + 1
    return [len(rows) / (len(count) * count[r.source, r.answerable]) for r in rows]


def auc(rows: list[TextRow], s: list[float], judged_only: bool) -> float:
    keep = [i for i, r in enumerate(rows) if not judged_only or any(x is not None for x in r.parts)]
    pos = [s[i] for i in keep if rows[i].answerable]
    return auc_of(pos, [s[i] for i in keep if not rows[i].answerable])
