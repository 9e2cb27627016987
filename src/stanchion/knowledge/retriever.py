"""The retriever the pipeline calls: approved passages only, scored in [0, 1].

A passage's ``score`` is how much of the query it covers (IDF-weighted share of the query's
terms it contains), so one threshold (``retrieval.min_score``) means the same thing for
every backend and corpus. Approval changes reach a replica within ``refresh_seconds``:
it compares one integer (the store's generation) and re-syncs only when it moved.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.backends import Backend, Candidate, idf
from stanchion.knowledge.base import Passage
from stanchion.knowledge.text import terms
from stanchion.knowledge.versions import generation
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

CANDIDATES = 40


def query_terms(query: str) -> list[str]:
    return list(dict.fromkeys(terms(query)))


def coverage(qterms: list[str], weights: dict[str, float], chunk_terms: set[str]) -> float:
    total = sum(weights[t] for t in qterms)
    if total <= 0:
        return 0.0
    return sum(weights[t] for t in qterms if t in chunk_terms) / total


class KnowledgeRetriever:
    """``Retriever`` over one backend; ``search`` returns at most k passages above min_score."""

    def __init__(
        self,
        backend: Backend,
        store: Store,
        cipher: Cipher,
        app: str,
        *,
        min_score: float,
        refresh_seconds: float,
        min_answerability: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend, self.store, self.cipher, self.app = backend, store, cipher, app
        self.min_score, self.refresh_seconds, self.clock = min_score, refresh_seconds, clock
        self.min_answerability = min_answerability
        self._generation: int | None = None
        self._checked = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, force: bool = False) -> bool:
        """Re-sync the backend if the store's generation moved; True when it did."""
        if not force and self.clock() - self._checked < self.refresh_seconds:
            return False
        async with self._lock:
            if not force and self.clock() - self._checked < self.refresh_seconds:
                return False
            current = await self.store.run(self._read_generation)
            self._checked = self.clock()
            if current == self._generation and not force:
                return False
            await self.store.run(self.backend.sync, current)
            self._generation = current
            return True

    def _read_generation(self) -> int:
        with self.store.engine.connect() as conn:
            return generation(conn, self.app)

    async def search(self, query: str, k: int) -> list[Passage]:
        """The passages for ``query``, or none when they cannot answer it (see answerability)."""
        await self.refresh()
        return await asyncio.to_thread(self.answerable_search, query, k)

    def answerable_search(self, query: str, k: int) -> list[Passage]:
        passages, weights = self._ranked(query, k, None)
        if passages and self.min_answerability > 0:
            pairs = [(p.title, p.text) for p in passages]
            if assess(query, weights, pairs) < self.min_answerability:
                return []
        return passages

    def search_sync(self, query: str, k: int, min_score: float | None = None) -> list[Passage]:
        """Rank candidates by BM25, keep those covering at least ``min_score`` of the query."""
        return self._ranked(query, k, min_score)[0]

    def answerability(self, query: str, passages: list[Passage]) -> float:
        """How well ``passages`` (best first) can answer ``query``, in [0, 1]."""
        return assess(query, self.term_weights(query), [(p.title, p.text) for p in passages])

    def term_weights(self, query: str) -> dict[str, float]:
        """1 + IDF of each of the query's terms in the served corpus."""
        qterms = query_terms(query)
        if not qterms:
            return {}
        n, df = self.backend.doc_freq(qterms)
        return {t: 1.0 + idf(max(n, 1), df.get(t, 0)) for t in qterms}

    def _ranked(
        self, query: str, k: int, min_score: float | None
    ) -> tuple[list[Passage], dict[str, float]]:
        qterms = query_terms(query)
        cands = self.backend.candidates(qterms, max(CANDIDATES, 4 * k))
        if not cands:
            return [], {}
        n, df = self.backend.doc_freq(qterms)
        weights = {t: 1.0 + idf(max(n, 1), df.get(t, 0)) for t in qterms}
        floor = self.min_score if min_score is None else min_score
        scored = [(c, coverage(qterms, weights, set(c.terms.split()))) for c in cands]
        top = max(c.rank for c, _ in scored) or 1.0
        scored.sort(key=lambda cs: -(0.5 * cs[0].rank / top + 0.5 * cs[1]))
        return [self._passage(c, s) for c, s in scored if s >= floor][:k], weights

    def _passage(self, c: Candidate, score: float) -> Passage:
        body = self.cipher.decrypt(bytes(c.text_enc)).decode()
        return Passage(
            c.doc_id, c.version, c.title, c.section, c.start, c.end, body, score, c.source
        )
