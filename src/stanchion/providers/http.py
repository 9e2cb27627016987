"""Shared HTTP plumbing for upstream providers: one pooled aiohttp session per route,
errors translated once, every connection through the egress allowlist (the base URL is
checked once when the client is built, each resolved address when it connects; redirects
are not followed, so a reply cannot send the key elsewhere).

aiohttp rather than httpx on this path: under load httpx's pool checks every idle
connection for readability and goes through anyio on each request, which profiled at over
half of the gateway's CPU time per request; aiohttp's client costs a fraction of that.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict
from yarl import URL

from stanchion.errors import SpecError
from stanchion.providers.egress import Egress, EgressRefused
from stanchion.providers.errors import ProviderError, parse_retry_after
from stanchion.providers.resolver import GuardedResolver

# Every call posts JSON: the content type is one of the session's own headers, so a call
# adds none (or only ``accept``) and aiohttp has nothing to merge into its copy of them;
# ``accept`` is a multidict already, which aiohttp merges without converting it first.
JSON_HEADERS = {"content-type": "application/json"}
SSE_HEADERS: CIMultiDict[str] = CIMultiDict(accept="text/event-stream")


class HttpClient:
    """A base URL, default headers and a timeout; the session opens on first use, inside
    the event loop that will run it. Upstream cookies are not kept: the session is shared by
    every user of the route."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        timeout: float,
        egress: Egress | None = None,
        dns: AbstractResolver | None = None,
    ) -> None:
        self.egress = egress if egress is not None else Egress.anywhere()
        problem = self.egress.url_problem(base_url)
        if problem:
            raise SpecError([f"{base_url}: {problem}"])
        self.base = base_url.rstrip("/") + "/"
        self.headers = headers
        # ``total`` bounds every call, a stream to its end, at exactly ``timeout`` (no rounding
        # up to the loop's next second), so the router needs no timer of its own around it
        self.bound = timeout
        self.timeout = aiohttp.ClientTimeout(
            total=timeout, connect=min(timeout, 10.0), ceil_threshold=math.inf
        )
        self._session: aiohttp.ClientSession | None = None
        self._resolver = GuardedResolver(self.egress, dns)
        self._urls: dict[str, URL] = {}  # parsed once per path, not on every call

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={**self.headers, **JSON_HEADERS},
                timeout=self.timeout,
                trust_env=False,
                connector=aiohttp.TCPConnector(
                    limit=512,
                    ttl_dns_cache=300,
                    resolver=self._resolver,
                    ssl=self.egress.tls if self.egress.tls is not None else True,
                ),
                auto_decompress=True,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    def url(self, path: str) -> URL:
        found = self._urls.get(path)
        if found is None:
            found = self._urls[path] = URL(self.base + path)
        return found

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        await self._resolver.close()


def make_client(
    base_url: str, headers: dict[str, str], timeout: float, egress: Egress | None = None
) -> HttpClient:
    return HttpClient(base_url, headers, timeout, egress)


def _error_message(body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:200].decode("utf-8", "replace")
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return str(err.get("message", err))
    return str(err or data)[:200]


def _status_error(status: int, headers: Any, body: bytes) -> ProviderError:
    return ProviderError(
        status,
        f"upstream answered {status}: {_error_message(body)}",
        parse_retry_after(headers.get("retry-after")),
    )


def _translate(exc: BaseException) -> ProviderError:
    if isinstance(getattr(exc, "os_error", None), EgressRefused):
        return ProviderError(403, "the route's upstream address is not allowed by egress policy")
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return ProviderError(-1, f"upstream timed out: {type(exc).__name__}")
    return ProviderError(0, f"upstream connection failed: {type(exc).__name__}: {exc}")


async def post_json(client: HttpClient, path: str, payload: dict[str, Any]) -> Any:
    try:
        async with client.session().post(
            client.url(path),
            data=orjson.dumps(payload),
            allow_redirects=False,
        ) as resp:
            body = await resp.read()
            if resp.status >= 400:
                raise _status_error(resp.status, resp.headers, body)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise _translate(exc) from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ProviderError(502, "upstream sent a body that is not JSON") from None


@asynccontextmanager
async def sse_lines(
    client: HttpClient, path: str, payload: dict[str, Any]
) -> AsyncIterator[AsyncIterator[list[str]]]:
    """Open a streaming POST and yield an iterator over its ``data:`` payloads, in batches:
    those that arrived together (one read of the network). A provider loops over each batch
    itself, so an event costs no generator hop of its own, only a read does."""
    try:
        async with client.session().post(
            client.url(path), data=orjson.dumps(payload), headers=SSE_HEADERS, allow_redirects=False
        ) as resp:
            if resp.status >= 400:
                raise _status_error(resp.status, resp.headers, await resp.read())
            yield _data_lines(resp)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise _translate(exc) from None


MAX_SSE_LINE = 1 << 20  # an upstream line longer than this is not a chat stream


async def _data_lines(resp: aiohttp.ClientResponse) -> AsyncIterator[list[str]]:
    """The ``data:`` payloads of each network chunk, read a chunk at a time and split here:
    reading the body line by line (aiohttp's ``readline``) cost more than parsing the
    events. A line cut across chunks waits as pieces, joined once its newline comes (linear
    however small the chunks)."""
    pieces: list[bytes] = []
    pending = 0
    async for chunk in resp.content.iter_any():
        if chunk.find(b"\n") < 0:  # (bytes "in" bytes first tries the needle as an int)
            pieces.append(chunk)
            pending += len(chunk)
            if pending > MAX_SSE_LINE:
                raise ProviderError(502, "upstream stream sent a line too long for an event")
            continue
        if pieces:
            chunk = b"".join((*pieces, chunk))
        lines = chunk.split(b"\n")
        tail = lines.pop()
        pieces, pending = ([tail], len(tail)) if tail else ([], 0)
        if pending > MAX_SSE_LINE:
            raise ProviderError(502, "upstream stream sent a line too long for an event")
        if batch := [raw[5:].strip().decode("utf-8") for raw in lines if raw.startswith(b"data:")]:
            yield batch
    tail = b"".join(pieces)
    if tail.startswith(b"data:"):
        yield [tail[5:].strip().decode("utf-8")]


async def each_line(batches: AsyncIterator[list[str]]) -> AsyncIterator[str]:
    """The payloads one at a time, for a reader that keeps its own state across events."""
    async for batch in batches:
        for data in batch:
            yield data
