"""The retriever the pipeline calls: approved passages only, scored in [0, 1].

A passage's ``score`` is how much of the query it covers (IDF-weighted share of the query's
terms it contains), so one threshold (``retrieval.min_score``) means the same thing for
every backend and corpus. Approval changes reach a replica within ``refresh_seconds``:
it compares one integer (the store's generation) and re-syncs only when it moved.

Hybrid (an embedder configured): the query is embedded once, the nearest approved chunks
join the BM25 candidates, and the two rankings are fused by weighted reciprocal rank. A
passage is kept when it covers ``min_score`` of the query OR its cosine reaches
``min_similarity``; its score is the larger of the two that passed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.backends import Backend, Candidate, idf
from stanchion.knowledge.base import Passage
from stanchion.knowledge.dense import DenseIndex
from stanchion.knowledge.text import terms
from stanchion.knowledge.vectors import Vector
from stanchion.knowledge.versions import generation
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

CANDIDATES = 40
RRF_K = 60
Scored = tuple[Candidate, float, float]  # candidate, coverage, cosine (0 if unknown)


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
        dense: DenseIndex | None = None,
        weight: float = 0.5,
        min_similarity: float = 1.0,
    ) -> None:
        self.backend, self.store, self.cipher, self.app = backend, store, cipher, app
        self.min_score, self.refresh_seconds, self.clock = min_score, refresh_seconds, clock
        self.min_answerability = min_answerability
        self.dense, self.weight, self.min_similarity = dense, weight, min_similarity
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
            if self.dense is not None:
                await self.store.run(self.dense.sync)
            self._generation = current
            return True

    def _read_generation(self) -> int:
        with self.store.engine.connect() as conn:
            return generation(conn, self.app)

    async def search(self, query: str, k: int) -> list[Passage]:
        """The passages for ``query``, or none when they cannot answer it (see answerability)."""
        await self.refresh()
        vec = await self.dense.query_vector(query) if self.dense is not None else None
        return await asyncio.to_thread(self.answerable_search, query, k, vec)

    def answerable_search(self, query: str, k: int, vec: Vector | None = None) -> list[Passage]:
        passages, weights = self._ranked(query, k, None, vec)
        if passages and self.min_answerability > 0:
            pairs = [(p.title, p.text) for p in passages]
            if assess(query, weights, pairs) < self.min_answerability:
                return []
        return passages

    def search_sync(
        self, query: str, k: int, min_score: float | None = None, vec: Vector | None = None
    ) -> list[Passage]:
        """Rank candidates by BM25 (fused with the dense ranking when ``vec`` is the query's
        vector), keep those covering at least ``min_score`` of the query."""
        return self._ranked(query, k, min_score, vec)[0]

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
        self, query: str, k: int, min_score: float | None, vec: Vector | None = None
    ) -> tuple[list[Passage], dict[str, float]]:
        qterms = query_terms(query)
        pool = max(CANDIDATES, 4 * k)
        cands = self.backend.candidates(qterms, pool)
        dense = self.dense.hits(vec, pool) if self.dense is not None and vec is not None else []
        if not cands and not dense:
            return [], {}
        n, df = self.backend.doc_freq(qterms) if qterms else (0, {})
        weights = {t: 1.0 + idf(max(n, 1), df.get(t, 0)) for t in qterms}
        floor = self.min_score if min_score is None else min_score
        scored = [(c, coverage(qterms, weights, set(c.terms.split())), 0.0) for c in cands]
        top = max((c.rank for c in cands), default=0.0) or 1.0
        scored.sort(key=lambda cs: -(0.5 * cs[0].rank / top + 0.5 * cs[1]))
        if dense:
            scored = self._fused(scored, dense, qterms, weights)
        kept = [
            self._passage(c, max(cov, sim if sim >= self.min_similarity else 0.0))
            for c, cov, sim in scored
            if cov >= floor or (dense and sim >= self.min_similarity)
        ]
        return kept[:k], weights

    def _fused(
        self,
        lexical: list[Scored],
        dense: list[tuple[Candidate, float]],
        qterms: list[str],
        weights: dict[str, float],
    ) -> list[Scored]:
        """Weighted reciprocal rank fusion of the BM25 order and the cosine order."""
        rows: dict[str, Scored] = {c.chunk_id: (c, cov, 0.0) for c, cov, _ in lexical}
        fused = {cid: (1.0 - self.weight) / (RRF_K + i) for i, cid in enumerate(rows, 1)}
        for i, (c, sim) in enumerate(dense, 1):
            known = rows.get(c.chunk_id)
            cov = known[1] if known else coverage(qterms, weights, set(c.terms.split()))
            rows[c.chunk_id] = (known[0] if known else c, cov, sim)
            fused[c.chunk_id] = fused.get(c.chunk_id, 0.0) + self.weight / (RRF_K + i)
        return sorted(rows.values(), key=lambda r: -fused[r[0].chunk_id])

    def _passage(self, c: Candidate, score: float) -> Passage:
        body = self.cipher.decrypt(bytes(c.text_enc)).decode()
        return Passage(
            c.doc_id, c.version, c.title, c.section, c.start, c.end, body, score, c.source
        )
