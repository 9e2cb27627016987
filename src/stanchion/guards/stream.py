"""Output guards on a streamed response, a sentence at a time.

Text is held back until a sentence ends (or the buffer grows past ``max_buffer``), then
scanned together with the tail of what was already sent, so a leak or an insult that spans a
sentence boundary is still seen. When a block (or hold) fires, nothing more is released and
the caller ends the stream with an error chunk::

    guard = engine.stream_guard(exchange)
    for delta in upstream:
        safe, stop = guard.feed(delta)
        if safe: send(safe)
        if stop: send_error(stop.reply); break
    else:
        safe, stop = guard.flush()
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stanchion.guards.base import Finding

if TYPE_CHECKING:
    from stanchion.guards.engine import GuardEngine, GuardOutcome
    from stanchion.pipeline.exchange import Exchange

_BOUNDARY = re.compile(r"[.!?。！？…][\"')\]]*\s+|\n")
STOPS = frozenset({"block", "hold"})


class StreamGuard:
    """Buffers deltas to sentence boundaries and runs the output guards on each release."""

    def __init__(
        self, engine: GuardEngine, exchange: Exchange | None, max_buffer: int = 400, tail: int = 300
    ) -> None:
        self.engine = engine
        self.exchange = exchange
        self.max_buffer = max_buffer
        self.tail = tail
        self.findings: list[Finding] = []
        self.stopped: GuardOutcome | None = None
        self._pending = ""
        self._sent = ""

    def feed(self, delta: str) -> tuple[str, GuardOutcome | None]:
        """Text safe to emit now, and the outcome when a block fires (then nothing more)."""
        if self.stopped is not None:
            return "", None
        self._pending += delta
        cut = 0
        for match in _BOUNDARY.finditer(self._pending):
            cut = match.end()
        if not cut and len(self._pending) >= self.max_buffer:
            cut = self._pending.rfind(" ", 0, self.max_buffer) + 1 or self.max_buffer
        if not cut:
            return "", None
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._release(ready)

    def flush(self) -> tuple[str, GuardOutcome | None]:
        """Release what is left at the end of the stream."""
        if self.stopped is not None or not self._pending:
            return "", None
        ready, self._pending = self._pending, ""
        return self._release(ready)

    def _release(self, ready: str) -> tuple[str, GuardOutcome | None]:
        context = self._sent[-self.tail :]
        found = self.engine.detect(context + ready, "output", self.exchange)
        offset = len(context)
        fresh = []
        for finding in found:
            if finding.end <= offset:
                continue
            finding.start = max(0, finding.start - offset)
            finding.end -= offset
            fresh.append(finding)
        outcome = self.engine.decide(ready, fresh, "output", self.exchange)
        self.findings += fresh
        if outcome.action in STOPS:
            self.stopped = outcome
            return "", outcome
        self._sent += ready
        return outcome.text, None
