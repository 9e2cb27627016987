"""Embedding clients by provider name, for ``POST /v1/embeddings``; the same routes (timeout,
retries, fallbacks, circuit breaker, price) as chat. A provider with no client here
(Anthropic has no embeddings API) makes the route refuse embeddings with a 400.

``openai`` speaks ``POST {base_url}/embeddings`` (OpenAI, Azure via ``options.api_version``,
vLLM, TEI, Ollama, LiteLLM); ``local`` is offline and weightless: signed feature hashing of
words and character trigrams, unit length, so the embedded default answers with no network
and no keys (similar texts get similar vectors; it is not a semantic model).

    @register_embedding_client("mine")
    def mine(route: Route, api_key: str | None, egress: Egress) -> EmbeddingClient: ...
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from stanchion.errors import UpstreamError
from stanchion.providers.egress import Egress
from stanchion.providers.errors import ProviderError
from stanchion.providers.http import make_client, post_json
from stanchion.providers.router import Attempt, Router, RouteState, translate
from stanchion.providers.tokens import count_tokens
from stanchion.spec.model import Route

LOCAL_DIMENSIONS = 256
MAX_DIMENSIONS = 8192
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(slots=True)
class Embedded:
    vectors: list[list[float]]
    model: str
    prompt_tokens: int
    route: str = ""


class EmbeddingClient(Protocol):
    async def embed(self, texts: Sequence[str], dimensions: int | None) -> Embedded: ...

    async def aclose(self) -> None: ...


ClientFactory = Callable[[Route, str | None, Egress], EmbeddingClient]
CLIENTS: dict[str, ClientFactory] = {}


def register_embedding_client(name: str) -> Callable[[ClientFactory], ClientFactory]:
    def add(factory: ClientFactory) -> ClientFactory:
        CLIENTS[name] = factory
        return factory

    return add


def parse_vectors(data: Any, expected: int) -> tuple[list[list[float]], int]:
    """``data[].embedding`` in input order, and ``usage.prompt_tokens`` (0 when absent)."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != expected:
        raise ProviderError(502, f"upstream answered no list of {expected} embeddings")
    try:
        ordered = sorted(items, key=lambda item: int(item.get("index", 0)))
        vectors = [[float(x) for x in item["embedding"]] for item in ordered]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ProviderError(502, "upstream answered a malformed embedding") from None
    if any(not all(map(math.isfinite, v)) for v in vectors) or any(not v for v in vectors):
        raise ProviderError(502, "upstream answered an empty or non-finite embedding")
    usage = data.get("usage")
    tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    return vectors, tokens if isinstance(tokens, int) and tokens >= 0 else 0


class OpenAIEmbeddings:
    def __init__(self, route: Route, api_key: str | None, egress: Egress) -> None:
        headers, self.path = {}, "embeddings"
        version = route.options.get("api_version")
        if version:
            headers["api-key"] = api_key or ""
            self.path += f"?api-version={version}"
        elif api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self.model = route.model or route.name
        self.client = make_client(route.base_url or "", headers, route.timeout, egress)

    async def embed(self, texts: Sequence[str], dimensions: int | None) -> Embedded:
        payload: dict[str, Any] = {
            "model": self.model,
            "input": list(texts),
            "encoding_format": "float",
        }
        if dimensions is not None:
            payload["dimensions"] = dimensions
        data = await post_json(self.client, self.path, payload)
        vectors, tokens = parse_vectors(data, len(texts))
        model = data.get("model") if isinstance(data.get("model"), str) else self.model
        return Embedded(vectors, str(model), tokens)

    async def aclose(self) -> None:
        await self.client.aclose()


def hashed_vector(text: str, dimensions: int = LOCAL_DIMENSIONS) -> list[float]:
    """Signed feature hashing of the words of ``text`` and their character trigrams.

    >>> len(hashed_vector("Express shipping costs 14.99 USD."))
    256
    """
    out = [0.0] * dimensions
    for word in WORD.findall(text.lower()):
        padded = f"#{word}#"
        grams = [word, *(padded[i : i + 3] for i in range(max(len(padded) - 2, 1)))]
        for j, gram in enumerate(grams):
            digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % dimensions
            out[slot] += (1.0 if digest[4] & 1 else -1.0) * (2.0 if j == 0 else 1.0)
    norm = math.sqrt(sum(x * x for x in out)) or 1.0
    return [x / norm for x in out]


class LocalEmbeddings:
    def __init__(self, route: Route, api_key: str | None, egress: Egress) -> None:
        self.model = f"local-hashing-{int(route.options.get('dimensions', LOCAL_DIMENSIONS))}"
        self.dimensions = int(route.options.get("dimensions", LOCAL_DIMENSIONS))

    async def embed(self, texts: Sequence[str], dimensions: int | None) -> Embedded:
        size = dimensions or self.dimensions
        vectors = [hashed_vector(t, size) for t in texts]
        return Embedded(vectors, self.model, sum(count_tokens(t) for t in texts))

    async def aclose(self) -> None:
        return None


register_embedding_client("openai")(OpenAIEmbeddings)
register_embedding_client("local")(LocalEmbeddings)


class Embeddings:
    """The embedding side of the router: the same route states (breakers), retries with
    jittered backoff and fallbacks; upstream errors become ``ApiError`` here."""

    def __init__(self, router: Router, secret: Callable[[str], str | None]) -> None:
        self.router, self.secret = router, secret
        self.clients: dict[str, EmbeddingClient] = {}

    def client(self, route: Route) -> EmbeddingClient | None:
        if route.name not in self.clients:
            factory = CLIENTS.get(route.provider)
            if factory is None:
                return None
            key = self.secret(route.api_key_env) if route.api_key_env else None
            self.clients[route.name] = factory(route, key, self.router.egress)
        return self.clients[route.name]

    def serves(self, name: str) -> bool:
        """Whether the route ``name`` (a router key) has an embedding client."""
        st = self.router.states.get(name)
        return st is not None and self.client(st.route) is not None

    async def embed(
        self, name: str, texts: Sequence[str], dimensions: int | None, attempts: list[Attempt]
    ) -> Embedded:
        last: ProviderError | None = None
        for st in self.router.chain(name):
            client = self.client(st.route)
            if client is None or not st.breaker.allow():
                attempts.append(Attempt(st.route.name, 0, "circuit open or no embeddings"))
                continue
            try:
                out = await self._tries(st, client, texts, dimensions, attempts)
            except ProviderError as exc:
                last = exc
                continue
            out.route = st.route.name
            return out
        raise translate(last) if last else UpstreamError(f"every route for {name!r} is down")

    async def _tries(
        self,
        st: RouteState,
        client: EmbeddingClient,
        texts: Sequence[str],
        dimensions: int | None,
        attempts: list[Attempt],
    ) -> Embedded:
        last = ProviderError(0, "not tried")
        for attempt in range(st.route.retries + 1):
            try:
                async with asyncio.timeout(st.route.timeout):
                    out = await client.embed(texts, dimensions)
                st.breaker.success()
                return out
            except TimeoutError:
                last = ProviderError(-1, f"route {st.route.name!r} timed out")
            except ProviderError as exc:
                last = exc
            attempts.append(Attempt(st.route.name, last.status, last.message))
            if not last.retryable:
                raise translate(last)
            if attempt < st.route.retries:
                wait = last.retry_after if last.retry_after is not None else 0.25 * 2**attempt
                await asyncio.sleep(min(wait, 8.0) * random.uniform(0.5, 1.0))
        st.breaker.failure()
        raise last

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
