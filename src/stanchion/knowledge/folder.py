"""A keyword retriever over the app's document folder, for apps with no ingested knowledge.

It reads the folder once at start-up and splits documents by heading; it serves what is on
disk, so it is for development: approved, versioned knowledge replaces it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from stanchion.knowledge.base import Passage

_WORD = re.compile(r"[a-z0-9]+")


def _sections(doc_id: str, text: str) -> list[tuple[str, str, int, int]]:
    title = doc_id
    out: list[tuple[str, str, int, int]] = []
    heads = list(re.finditer(r"^#{1,6}\s+(.+)$", text, re.M))
    if heads and heads[0].group(0).startswith("# "):
        title = heads[0].group(1).strip()
    bounds = [m.start() for m in heads] + [len(text)]
    if not heads or bounds[0] > 0:
        bounds.insert(0, 0)
    for a, b in zip(bounds, bounds[1:], strict=False):
        chunk = text[a:b].strip()
        if chunk:
            head = re.match(r"#{1,6}\s+(.+)", chunk)
            out.append((title, head.group(1).strip() if head else "", a, b))
    return out


class FolderRetriever:
    """TF-IDF-weighted term overlap over heading-sized sections of text files."""

    def __init__(self, folder: Path) -> None:
        self.items: list[tuple[Passage, Counter[str]]] = []
        for path in sorted(folder.glob("**/*")):
            if path.suffix.lower() not in (".md", ".txt") or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for title, section, a, b in _sections(path.stem, text):
                body = text[a:b].strip()
                passage = Passage(path.stem, 1, title, section, a, b, body, 0.0, str(path.name))
                self.items.append((passage, Counter(_WORD.findall(body.lower()))))
        df: Counter[str] = Counter()
        for _, terms in self.items:
            df.update(terms.keys())
        n = max(len(self.items), 1)
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}

    async def search(self, query: str, k: int) -> list[Passage]:
        q = set(_WORD.findall(query.lower()))
        scored = []
        for passage, terms in self.items:
            score = sum(self.idf[t] * (1 + math.log(terms[t])) for t in q if t in terms)
            if score > 0:
                scored.append((score, passage))
        scored.sort(key=lambda sp: -sp[0])
        top = scored[:k]
        best = top[0][0] if top else 1.0
        return [
            Passage(p.doc_id, p.version, p.title, p.section, p.start, p.end, p.text,
                    round(s / best, 4), p.source)
            for s, p in top
        ]
