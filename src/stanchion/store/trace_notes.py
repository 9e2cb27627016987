"""The words of a trace's annotations (the standalone question, its parts, the words the
documents lack) are content: they are stored sealed with the response and merged back on
reading.

    clear, sealed = split_notes(ex.annotations)   # clear -> traces.annotations
    annotations = merge_notes(clear, sealed)      # as the pipeline wrote them
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from stanchion.errors import CryptoError
from stanchion.store.crypto import Cipher

# Annotations that hold the user's words (the standalone question, its parts, the words the
# documents lack): sealed with the response, merged back by ``read_trace``.
WORDY = ("query", "parts", "part_answerability")


def split_notes(annotations: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what may be stored in clear, what must be sealed) of a trace's annotations."""
    clear = {k: v for k, v in annotations.items() if k not in WORDY}
    sealed = {k: annotations[k] for k in WORDY if k in annotations}
    judged = clear.get("answerability")
    if isinstance(judged, dict):
        judged = dict(judged)
        if "question" in judged:
            sealed["question"] = judged.pop("question")
        feats = judged.get("features")
        if isinstance(feats, dict) and "missing" in feats:
            sealed["missing"] = feats["missing"]
            judged["features"] = {k: v for k, v in feats.items() if k != "missing"}
        clear["answerability"] = judged
    return clear, sealed


def merge_notes(annotations: dict[str, Any], sealed: dict[str, Any]) -> dict[str, Any]:
    """``split_notes`` undone: the annotations as the pipeline wrote them."""
    out = {**annotations, **{k: v for k, v in sealed.items() if k in WORDY}}
    judged = out.get("answerability")
    if isinstance(judged, dict):
        judged = dict(judged)
        if "question" in sealed:
            judged["question"] = sealed["question"]
        if "missing" in sealed:
            judged["features"] = {**(judged.get("features") or {}), "missing": sealed["missing"]}
        out["answerability"] = judged
    return out


@dataclass(frozen=True, slots=True)
class RowNotes:
    """What the rollups read of a trace, kept beside its row on the way to the store: its
    clear annotations and its sealed question, as the request left them, so the writer
    neither parses the row's annotations back nor opens its sealed response (a spooled
    trace replayed after a restart has none, and is read from its row)."""

    annotations: dict[str, Any]
    question: str | None

    @classmethod
    def of(cls, clear: dict[str, Any], sealed: dict[str, Any]) -> RowNotes:
        query = sealed.get("query")
        return cls(clear, query if isinstance(query, str) else None)


def sealed_question(row: dict[str, Any], cipher: Cipher) -> str | None:
    """The standalone question a stored row keeps sealed with its response, or None (no
    knowledge, or sealed under an erasable subject's key: not opened here, so its terms
    stay out of the drift counts)."""
    blob = row.get("response_enc")
    if not blob or not cipher.holds(blob):
        return None
    try:
        notes = orjson.loads(cipher.decrypt(blob)).get("notes") or {}
    except (CryptoError, orjson.JSONDecodeError, AttributeError):
        return None
    query = notes.get("query") if isinstance(notes, dict) else None
    return query if isinstance(query, str) else None
