"""Embedders by name (``retrieval.embeddings.provider``): texts in, unit vectors out.

A new embedder (an offline package, another API) is a module with a factory and one
``register_embedder`` call; the retriever and ingest only see the ``Embedder`` protocol::

    @register_embedder("mine")
    def mine(spec: Embeddings, secret: Secret, app_dir: Path) -> Embedder:
        return MyEmbedder(spec.model)

``openai`` speaks the OpenAI embeddings API (``POST {base_url}/embeddings``), which most
servers (vLLM, Ollama, TEI, LiteLLM, Azure's v1 route) also answer; ``onnx``
(``embedders_onnx``) runs a sentence-embedding model file from the app folder, offline.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from stanchion.errors import SpecError, StanchionError
from stanchion.knowledge.spec import Embeddings
from stanchion.knowledge.vectors import Vector, unit
from stanchion.providers.errors import ProviderError
from stanchion.providers.http import HttpClient, post_json

Secret = Callable[[str], str | None]
BACKOFF_CAP = 20.0


class EmbeddingError(StanchionError):
    """The embedder failed (after its retries) or answered something unusable."""


class Embedder(Protocol):
    model: str  # stored with every vector: a different value means re-embedding

    async def embed(self, texts: Sequence[str], *, query: bool = False) -> list[Vector]:
        """Unit vectors for ``texts`` in order; ``query`` is one short, latency-bound call."""
        ...

    async def aclose(self) -> None: ...


EmbedderFactory = Callable[[Embeddings, Secret, Path], Embedder]  # app_dir: for model files
EMBEDDERS: dict[str, EmbedderFactory] = {}


def register_embedder(name: str) -> Callable[[EmbedderFactory], EmbedderFactory]:
    def add(factory: EmbedderFactory) -> EmbedderFactory:
        EMBEDDERS[name] = factory
        return factory

    return add


def build_embedder(spec: Embeddings, secret: Secret, app_dir: Path) -> Embedder:
    if spec.provider not in EMBEDDERS:
        known = ", ".join(sorted(EMBEDDERS))
        raise SpecError([f"retrieval.embeddings: unknown provider {spec.provider!r} ({known})"])
    return EMBEDDERS[spec.provider](spec, secret, app_dir)


def vectors_from(data: Any, expected: int) -> list[Vector]:
    """The ``data[].embedding`` of an OpenAI-shaped answer, in input order, unit length."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != expected:
        raise EmbeddingError(f"embedder answered {type(items).__name__}, not {expected} vectors")
    try:
        ordered = sorted(items, key=lambda item: int(item.get("index", 0)))
        vectors = [unit(float(x) for x in item["embedding"]) for item in ordered]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EmbeddingError(f"embedder answered a malformed vector: {exc}") from None
    if len({len(v) for v in vectors}) > 1 or (vectors and not len(vectors[0])):
        raise EmbeddingError("embedder answered vectors of different or zero length")
    return vectors


class OpenAIEmbedder:
    """Batches of ``batch_size`` texts, ``concurrency`` requests in flight, retries with
    backoff on 429 / 5xx / connection errors (Retry-After honoured). Queries go out once,
    under ``query_timeout``: the caller falls back to words alone rather than wait."""

    def __init__(self, spec: Embeddings, api_key: str | None) -> None:
        if not spec.base_url:
            raise SpecError(["retrieval.embeddings: provider 'openai' needs base_url"])
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.spec = spec
        self.model = f"openai:{spec.model}" + (f"@{spec.dimensions}" if spec.dimensions else "")
        self._bulk = HttpClient(spec.base_url, headers, spec.timeout)
        self._query = HttpClient(spec.base_url, headers, spec.query_timeout)
        self._slots = asyncio.Semaphore(spec.concurrency)

    async def embed(self, texts: Sequence[str], *, query: bool = False) -> list[Vector]:
        if query:
            return await self._request(self._query, list(texts), 0)
        size = self.spec.batch_size
        batches = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        done = await asyncio.gather(*(self._bounded(b) for b in batches))
        return [v for batch in done for v in batch]

    async def _bounded(self, texts: list[str]) -> list[Vector]:
        async with self._slots:
            return await self._request(self._bulk, texts, self.spec.retries)

    async def _request(self, client: HttpClient, texts: list[str], retries: int) -> list[Vector]:
        payload: dict[str, Any] = {"model": self.spec.model, "input": texts}
        if self.spec.dimensions:
            payload["dimensions"] = self.spec.dimensions
        for attempt in range(retries + 1):
            try:
                return vectors_from(await post_json(client, "embeddings", payload), len(texts))
            except ProviderError as exc:
                if not exc.retryable or attempt == retries:
                    raise EmbeddingError(f"embeddings: {exc.message}") from None
                await asyncio.sleep(_backoff(attempt, exc.retry_after))
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._bulk.aclose()
        await self._query.aclose()


def _backoff(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, BACKOFF_CAP)
    return min(math.ldexp(0.25, attempt), BACKOFF_CAP) * (0.5 + random.random() / 2)


@register_embedder("openai")
def openai_embedder(spec: Embeddings, secret: Secret, _app_dir: Path) -> Embedder:
    key = None
    if spec.api_key_env:
        key = secret(spec.api_key_env)
        if not key:
            raise SpecError([f"retrieval.embeddings: env var {spec.api_key_env} is not set"])
    return OpenAIEmbedder(spec, key)


# the built-in local embedder registers itself; imported last, as it imports this module
from stanchion.knowledge import embedders_onnx  # noqa: E402, F401
