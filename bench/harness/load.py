"""HTTP/1.1 load: closed loop (N connections, each sends when its last answer is complete)
or open loop (request i is due at t0 + i/rate whatever happened before it; its latency runs
from that due time, so a slow server cannot hide queueing: no coordinated omission).

Answers are read to their last byte (Content-Length or chunked), so a stream is timed to
its end. Latencies are kept per status, so a 429's latency is reported apart from a 200's.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"


@dataclass
class Tally:
    by_status: dict[int, list[float]] = field(default_factory=dict)
    failed: Counter[str] = field(default_factory=Counter)
    retried: int = 0  # sent again on a new connection: the kept-alive one had been closed
    # non-2xx answers by status and the error code in their body ("429 overloaded"): what
    # refused them, not only how many
    refusals: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    ended: float = 0.0

    def add(self, status: int, ms: float, body: bytes = b"") -> None:
        self.by_status.setdefault(status, []).append(ms)
        if not 200 <= status < 300:
            self.refusals[f"{status} {error_code(body)}"] += 1

    def summary(self) -> dict[str, Any]:
        every = [ms for v in self.by_status.values() for ms in v]
        ok = [ms for s, v in self.by_status.items() if 200 <= s < 300 for ms in v]
        took = max(self.ended - self.started, 1e-9)
        sent = len(every) + sum(self.failed.values())
        out: dict[str, Any] = {
            "sent": sent,
            "answered": len(every),
            "ok": len(ok),
            "rps": len(every) / took,
            "ok_rps": len(ok) / took,
            "ok_share": len(ok) / sent if sent else 0.0,
            "errors": sent - len(ok),
            "failed": dict(self.failed),
            "retried": self.retried,
            "status": {str(s): len(v) for s, v in sorted(self.by_status.items())},
            "refusals": dict(self.refusals),
            "ok_ms": percentiles(ok),
        }
        for status, v in self.by_status.items():
            if not 200 <= status < 300:
                out[f"ms_{status}"] = percentiles(v)
        return out


def error_code(body: bytes) -> str:
    """The ``error.code`` (else ``type``) of an OpenAI-shaped error body; "-" without one."""
    try:
        err = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return "-"
    if not isinstance(err, dict):
        return "-"
    return str(err.get("code") or err.get("type") or "-")


def percentiles(v: list[float]) -> dict[str, float]:
    if not v:
        return {}
    s = sorted(v)

    def at(q: float) -> float:
        return round(s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))], 2)

    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": round(s[-1], 2)}


def request_bytes(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"host: {HOST}", "content-type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        return cls(reader, writer)

    async def roundtrip(self, request: bytes) -> tuple[int, bool, bytes]:
        """Send, read the whole answer: (status, the connection can be used again, the body
        of a non-2xx answer)."""
        self.writer.write(request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status, length, chunked, keep = int(head[0].split(" ", 2)[1]), -1, False, True
        for line in head[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                keep = value != "close"
        body = b""
        if chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        elif length >= 0:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            keep = False
        return status, keep, body if not 200 <= status < 300 else b""

    def close(self) -> None:
        self.writer.close()


async def _one(
    conn: Conn | None, port: int, request: bytes, tally: Tally, t0: float
) -> Conn | None:
    """One request timed from ``t0``; returns the connection when it can be reused."""
    loop = asyncio.get_running_loop()
    try:
        if conn is not None:
            try:
                status, keep, body = await conn.roundtrip(request)
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                if getattr(e, "partial", b""):
                    raise
                # A kept-alive connection the server closed while it was idle (uvicorn does
                # after 5 s): nothing came back, so send again on a new one, as clients do.
                conn.close()
                tally.retried += 1
                conn = None
        if conn is None:
            conn = await Conn.open(port)
            status, keep, body = await conn.roundtrip(request)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
        tally.failed[type(e).__name__] += 1
        if conn is not None:
            conn.close()
        return None
    tally.add(status, (loop.time() - t0) * 1000, body)
    if not keep:
        conn.close()
        return None
    return conn


async def closed_loop(
    port: int, request: bytes, conc: int, dur: float, total: int | None = None
) -> Tally:
    """``conc`` connections sending for ``dur`` seconds, or until ``total`` requests went."""
    loop, tally = asyncio.get_running_loop(), Tally()
    tally.started = loop.time()
    end = tally.started + dur
    left = [total if total is not None else -1]

    async def worker() -> None:
        conn: Conn | None = None
        while loop.time() < end and left[0] != 0:
            left[0] -= 1
            conn = await _one(conn, port, request, tally, loop.time())
        if conn is not None:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(conc)))
    tally.ended = loop.time()
    return tally


async def open_loop(
    port: int, request: bytes, rate: float, dur: float, max_conns: int = 512, limit_s: float = 10
) -> Tally:
    loop, tally = asyncio.get_running_loop(), Tally()
    idle: list[Conn] = []
    slots = asyncio.Semaphore(max_conns)

    async def fire(due: float) -> None:
        async with slots:
            conn = idle.pop() if idle else None
            try:
                async with asyncio.timeout_at(due + limit_s):
                    kept = await _one(conn, port, request, tally, due)
            except TimeoutError:
                tally.failed["timeout"] += 1
                return
            if kept is not None:
                idle.append(kept)

    tally.started = loop.time()
    tasks = []
    for i in range(int(rate * dur)):
        due = tally.started + i / rate
        if (pause := due - loop.time()) > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(fire(due)))
    await asyncio.gather(*tasks)
    tally.ended = loop.time()
    for conn in idle:
        conn.close()
    return tally
