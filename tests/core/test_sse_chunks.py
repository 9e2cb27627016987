"""Upstream server-sent events are read a network chunk at a time: events cut anywhere
(inside ``data:``, inside the JSON, between ``\\r`` and ``\\n``) still arrive whole, and an
endless line is refused instead of buffered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from stanchion.providers.base import ChatRequest
from stanchion.providers.errors import ProviderError
from stanchion.providers.openai_http import OpenAIProvider

Pieces = Callable[[bytes], list[bytes]]


def event(text: str, finish: str | None = None) -> bytes:
    delta = {"choices": [{"delta": {"content": text}, "finish_reason": finish}], "model": "m"}
    return b"data: " + json.dumps(delta).encode() + b"\r\n\r\n"


BODY = (
    b": a comment line\n\n"
    + event("Refunds take ")
    + event("five days ", None)
    + event("at most.", "stop")
    + b'data: {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 4}}\n\n'
    + b"data: [DONE]"  # no newline at the end of the body
)


@asynccontextmanager
async def server(pieces: list[bytes]) -> AsyncIterator[int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if b"length" in line
        )
        await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
        )
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.002)  # each piece its own read on the other side
        writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        srv.close()


async def collect(pieces: list[bytes]) -> tuple[str, list[str | None], int]:
    async with server(pieces) as port:
        provider = OpenAIProvider(
            base_url=f"http://127.0.0.1:{port}/v1", model="m", api_key=None, timeout=5, options={}
        )
        try:
            chunks = [c async for c in provider.stream(ChatRequest("m", [], stream=True))]
        finally:
            await provider.aclose()
    used = [c.usage.completion_tokens for c in chunks if c.usage is not None]
    return "".join(c.content for c in chunks), [c.finish_reason for c in chunks], sum(used)


@pytest.mark.parametrize("size", [1, 3, 7, 64, len(BODY)])
async def test_events_cut_anywhere_arrive_whole(size: int) -> None:
    pieces = [BODY[i : i + size] for i in range(0, len(BODY), size)]
    text, finishes, tokens = await collect(pieces)
    assert text == "Refunds take five days at most."
    assert "stop" in finishes
    assert tokens == 4


async def test_an_endless_line_is_refused() -> None:
    pieces = [b"data: " + b"x" * (1 << 16) for _ in range(20)]
    with pytest.raises(ProviderError) as err:
        await collect(pieces)
    assert err.value.status == 502
