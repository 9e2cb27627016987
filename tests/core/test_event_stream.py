"""``EventStream`` at the ASGI boundary: the whole body when the client stays; when it
leaves, the body is cancelled with anyio's cancellation (a shielded cleanup still runs, as
the stream's record of a cancelled answer does) and the response returns normally."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio

from stanchion.server.sse import EventStream, Last

Message = dict[str, Any]


def scope(spec: str = "2.3") -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": spec}}


async def body(events: list[str], pause: float = 0.0) -> AsyncIterator[bytes]:
    try:
        for i in range(5):
            events.append(f"chunk {i}")
            yield f"data: {i}\n\n".encode()
            await asyncio.sleep(pause)
    except BaseException as exc:
        events.append(type(exc).__name__)
        with anyio.CancelScope(shield=True):
            await asyncio.sleep(0.01)  # a cleanup that awaits, shielded, like record
            events.append("cleaned up")
        raise


def test_a_client_that_stays_gets_every_chunk() -> None:
    async def run() -> tuple[list[Message], list[str]]:
        sent: list[Message] = []
        events: list[str] = []
        stay = asyncio.Event()

        async def receive() -> Message:
            await stay.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await EventStream(body(events), media_type="text/event-stream")(scope(), receive, send)
        await asyncio.sleep(0)
        return sent, events

    sent, events = asyncio.run(run())
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    chunks = [m["body"] for m in sent[1:] if m["more_body"]]
    assert chunks == [f"data: {i}\n\n".encode() for i in range(5)]
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert events == [f"chunk {i}" for i in range(5)]


def test_a_client_that_leaves_cancels_the_body_and_its_cleanup_runs() -> None:
    async def run() -> tuple[list[Message], list[str]]:
        sent: list[Message] = []
        events: list[str] = []
        left = asyncio.Event()

        async def receive() -> Message:
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if len(sent) == 3:  # the head and two chunks, then the client goes
                left.set()

        await EventStream(body(events, pause=0.05))(scope(), receive, send)
        return sent, events

    sent, events = asyncio.run(run())
    assert events[:2] == ["chunk 0", "chunk 1"]
    assert events[-2:] == ["CancelledError", "cleaned up"]
    assert not any(m.get("more_body") is False for m in sent)  # never finished


def test_asgi_2_4_servers_get_starlettes_own_path() -> None:
    async def run() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            raise AssertionError("not watched under ASGI 2.4")

        async def send(message: Message) -> None:
            sent.append(message)

        await EventStream(body([]))(scope("2.4"), receive, send)
        return sent

    sent = asyncio.run(run())
    assert len([m for m in sent if m.get("more_body")]) == 5
    assert sent[-1]["more_body"] is False


def test_a_bodys_last_bytes_end_it_in_one_send() -> None:
    """The finish, usage and [DONE] leave with the end of the body (``Last``), not as an
    empty send of their own; a body without them still gets its empty end."""

    async def tail() -> AsyncIterator[bytes]:
        yield b"data: 0\n\n"
        yield Last(b"data: finish\n\ndata: [DONE]\n\n")

    async def run(spec: str) -> list[Message]:
        sent: list[Message] = []
        stay = asyncio.Event()

        async def receive() -> Message:
            await stay.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await EventStream(tail(), media_type="text/event-stream")(scope(spec), receive, send)
        return sent

    for spec in ("2.3", "2.4"):
        sent = asyncio.run(run(spec))
        assert [(m.get("body"), m.get("more_body")) for m in sent[1:]] == [
            (b"data: 0\n\n", True),
            (b"data: finish\n\ndata: [DONE]\n\n", False),
        ]
