"""Ingest's embedding step: vectors for the chunks of new (and not yet embedded) versions.

Ingest is synchronous (the CLI's edge); the embedder is async, so ``VectorWriter`` runs it
on a private event loop in a thread. Versions are queued as ingest stores them and embedded
across documents in batches of ``batch_size * concurrency`` chunks; a version whose chunks
all have a vector from the current model is never sent again, and a new model re-embeds.
Writing vectors of an already approved version bumps the generation, so replicas load them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select

from stanchion.knowledge.embedders import Embedder, EmbeddingError
from stanchion.knowledge.schema import kn_versions
from stanchion.knowledge.vector_store import chunk_texts, unembedded, write_vectors
from stanchion.knowledge.versions import bump_generation
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

T = TypeVar("T")
SWEEP_BATCH = 50


class LoopThread:
    """An event loop in a daemon thread, for running coroutines from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


@dataclass
class VectorWriter:
    """``add`` queues a version (``done`` runs once it is embedded); ``finish`` flushes the
    queue and sweeps the app's other live versions that lack vectors."""

    store: Store
    cipher: Cipher
    app: str
    embedder: Embedder | None
    batch_chunks: int = 256
    embedded: int = 0
    error: str = ""
    _queue: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    _queued_chunks: int = 0
    _loop: LoopThread | None = None

    def add(self, version_id: str, chunks: int, done: Callable[[], None]) -> None:
        if self.embedder is None or not version_id:
            done()
            return
        self._queue.append((version_id, done))
        self._queued_chunks += chunks
        if self._queued_chunks >= self.batch_chunks:
            self.flush()

    def flush(self) -> None:
        queue, self._queue, self._queued_chunks = self._queue, [], 0
        if queue:
            self._embed(self._missing([vid for vid, _ in queue]))
        for _, done in queue:
            done()

    def finish(self) -> None:
        self.flush()
        if self.embedder is None:
            return
        with self.store.engine.connect() as conn:
            rest = unembedded(conn, self.embedder.model, app=self.app)
        for i in range(0, len(rest), SWEEP_BATCH):
            self._embed(rest[i : i + SWEEP_BATCH])

    def _missing(self, version_ids: list[str]) -> list[str]:
        assert self.embedder is not None
        with self.store.engine.connect() as conn:
            return unembedded(conn, self.embedder.model, version_ids)

    def _embed(self, version_ids: list[str]) -> None:
        if not version_ids or self.error or self.embedder is None:
            return
        with self.store.engine.connect() as conn:
            rows = chunk_texts(conn, version_ids, self.cipher)
        if self._loop is None:
            self._loop = LoopThread()
        try:
            vectors = self._loop.run(self.embedder.embed([text for _, _, text in rows]))
        except EmbeddingError as exc:
            self.error = str(exc)
            return
        with self.store.engine.begin() as conn:
            write_vectors(
                conn,
                self.embedder.model,
                [(c, v, x) for (c, v, _), x in zip(rows, vectors, strict=True)],
            )
            approved = conn.execute(
                select(kn_versions.c.id).where(
                    kn_versions.c.id.in_(version_ids), kn_versions.c.status == "approved"
                )
            ).first()
            if approved is not None:
                bump_generation(conn, self.app)
        self.embedded += len(rows)

    def close(self) -> None:
        if self._loop is not None:
            if self.embedder is not None:
                self._loop.run(self.embedder.aclose())
            self._loop.close()
            self._loop = None
