"""Benign non-tweet text for training and measuring the toxicity model.

    from benign import benign_units          # run from training/toxicity or add it to sys.path
    units = benign_units(Path("../shared/datasets"))   # [(source, text), ...]

Everything here is labelled ``neither``. Sources (see docs/guards.md for licences):

- trained on (80% of the units by sha256 of the text, 20% held back for measuring):
  ClapNQ passages and titles (Wikipedia), HaluEval knowledge, answers and user requests,
  FRANK news articles and summaries (CNN/DailyMail, BBC), SummEdits documents and summaries
  (news, sales emails and calls, podcasts, chats, meetings, earnings calls, paper abstracts),
  WiCE web-page sentences and claims, ClapNQ questions (Natural Questions search queries);
- never trained on (measured only): BEGIN knowledge-grounded dialogue turns and passages
  (Wizard of Wikipedia, CMU-DoG, TopicalChat) and BIPIA's benign emails, tables and code
  answers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HELD_OUT_SOURCES = frozenset({"begin", "bipia"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
MAX_CHARS = 600


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def units_of(text: str) -> list[str]:
    """The lines and sentences of a text, and runs of up to three sentences (<= 600 chars)."""
    out: list[str] = []
    for line in text.splitlines():
        sentences = [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
        out += sentences
        for i in range(0, len(sentences) - 1, 3):
            run = " ".join(sentences[i : i + 3])
            if len(run) <= MAX_CHARS:
                out.append(run)
    return [u for u in out if len(u) <= MAX_CHARS]


def _grounding(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((root / "grounding").glob("*.jsonl")):
        for row in _rows(path):
            source = str(row["dataset"])
            for text in [*row["sources"], row["response"], row.get("question") or ""]:
                yield source, str(text)


def _injection(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((root / "injection").glob("*.jsonl")):
        for row in _rows(path):
            if row["label"] == 0:
                yield str(row["dataset"]), str(row["text"])


def _clapnq(root: Path) -> Iterator[tuple[str, str]]:
    for row in _rows(root / "retrieval/clapnq/corpus.jsonl"):
        yield "clapnq", str(row.get("title") or "")
        yield "clapnq", str(row["text"])


def benign_units(root: Path) -> list[tuple[str, str]]:
    """(source, text) for every distinct benign unit, in a stable order."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for source, text in (*_grounding(root), *_injection(root), *_clapnq(root)):
        for unit in units_of(text):
            key = " ".join(unit.lower().split())
            if len(key) >= 2 and key not in seen:
                seen.add(key)
                out.append((source, unit))
    return out


def in_train(source: str, text: str, share: float = 0.8) -> bool:
    """Whether a benign unit is trained on: never for the held-out sources, else 80% by hash."""
    if source in HELD_OUT_SOURCES:
        return False
    key = " ".join(text.lower().split())
    digest = hashlib.sha256(f"stanchion-benign|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share
