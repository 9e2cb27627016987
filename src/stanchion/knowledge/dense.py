"""The dense half of hybrid retrieval, per replica: the vectors of approved chunks in memory,
re-synced with the lexical index when the store's generation moves, and query vectors
embedded once (recent ones cached).

A dense hit is only a chunk id; its row comes from the backend (``ChunkSource.chunks``),
which returns approved chunks only, so a retired version never comes back this way even
between a retirement and this replica's next sync.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Protocol, runtime_checkable

from stanchion.knowledge.backends import Candidate
from stanchion.knowledge.embedders import Embedder, EmbeddingError
from stanchion.knowledge.vector_store import approved_versions, read_vectors
from stanchion.knowledge.vectors import Vector, VectorSet
from stanchion.store.db import Store

log = logging.getLogger("stanchion.knowledge")
LOAD_BATCH = 500
BEST_POOL = 8  # the sign-code prefilter keeps 4x this many for exact scoring


@runtime_checkable
class ChunkSource(Protocol):
    def chunks(self, chunk_ids: list[str]) -> list[Candidate]:
        """The rows of those of ``chunk_ids`` that belong to approved versions."""
        ...


class DenseIndex:
    """``hits`` returns approved chunks by cosine; ``query_vector`` embeds (or recalls) a
    query, or returns None when the embedder fails, so the words alone answer."""

    def __init__(
        self, embedder: Embedder, source: ChunkSource, store: Store, app: str, cache_size: int
    ) -> None:
        self.embedder, self.source, self.store, self.app = embedder, source, store, app
        self.vectors = VectorSet()
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.embedder.model

    def sync(self) -> None:
        """Hold exactly the vectors of approved versions (blocking; call from a thread)."""
        with self.store.engine.connect() as conn:
            approved = approved_versions(conn, self.app)
            present = self.vectors.versions()
            missing = sorted(approved - present)
            loaded: dict[str, list[tuple[str, Vector]]] = {}
            for i in range(0, len(missing), LOAD_BATCH):
                loaded |= read_vectors(conn, self.model, missing[i : i + LOAD_BATCH])
        with self._lock:
            for vid in present - approved:
                self.vectors.remove(vid)
            for vid, chunks in loaded.items():
                self.vectors.add(vid, chunks)

    async def query_vector(self, query: str) -> Vector | None:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        try:
            vec = (await self.embedder.embed([query], query=True))[0]
        except EmbeddingError as exc:
            log.warning("query embedding failed, ranking by words alone: %s", exc)
            return None
        if self.cache_size:
            self._cache[query] = vec
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return vec

    def best(self, vec: Vector) -> float | None:
        """The cosine of the approved chunk nearest to ``vec`` (None: no vectors)."""
        with self._lock:
            near = self.vectors.nearest(vec, BEST_POOL)
        return near[0][1] if near else None

    def hits(self, vec: Vector, n: int) -> list[tuple[Candidate, float]]:
        """The ``n`` nearest approved chunks with their cosine, best first."""
        with self._lock:
            near = self.vectors.nearest(vec, n)
        if not near:
            return []
        rows = {c.chunk_id: c for c in self.source.chunks([cid for cid, _ in near])}
        return [(rows[cid], sim) for cid, sim in near if cid in rows]

    async def aclose(self) -> None:
        await self.embedder.aclose()
