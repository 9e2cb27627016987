"""Shared HTTP plumbing for upstream providers: one pooled client, errors translated once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson

from stanchion.providers.errors import ProviderError, parse_retry_after


def make_client(base_url: str, headers: dict[str, str], timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/") + "/",
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=512, max_keepalive_connections=128),
        trust_env=False,
    )


def _error_message(body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:200].decode("utf-8", "replace")
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return str(err.get("message", err))
    return str(err or data)[:200]


def raise_for_status(resp: httpx.Response, body: bytes) -> None:
    if resp.status_code >= 400:
        raise ProviderError(
            resp.status_code,
            f"upstream answered {resp.status_code}: {_error_message(body)}",
            parse_retry_after(resp.headers.get("retry-after")),
        )


async def post_json(client: httpx.AsyncClient, path: str, payload: dict[str, Any]) -> Any:
    try:
        resp = await client.post(path, content=orjson.dumps(payload),
                                 headers={"content-type": "application/json"})
    except httpx.TimeoutException as exc:
        raise ProviderError(-1, f"upstream timed out: {type(exc).__name__}") from None
    except httpx.HTTPError as exc:
        raise ProviderError(0, f"upstream unreachable: {type(exc).__name__}: {exc}") from None
    raise_for_status(resp, resp.content)
    try:
        return orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        raise ProviderError(502, "upstream sent a body that is not JSON") from None


@asynccontextmanager
async def sse_lines(
    client: httpx.AsyncClient, path: str, payload: dict[str, Any]
) -> AsyncIterator[AsyncIterator[str]]:
    """Open a streaming POST and yield an iterator over its ``data:`` payloads."""
    try:
        async with client.stream(
            "POST", path, content=orjson.dumps(payload),
            headers={"content-type": "application/json", "accept": "text/event-stream"},
        ) as resp:
            if resp.status_code >= 400:
                raise_for_status(resp, await resp.aread())
            yield _data_lines(resp)
    except httpx.TimeoutException as exc:
        raise ProviderError(-1, f"upstream timed out: {type(exc).__name__}") from None
    except httpx.HTTPError as exc:
        raise ProviderError(0, f"upstream connection failed: {type(exc).__name__}: {exc}") from None


async def _data_lines(resp: httpx.Response) -> AsyncIterator[str]:
    async for line in resp.aiter_lines():
        if line.startswith("data:"):
            yield line[5:].strip()
