"""System-prompt leakage in the output: a canary token, and overlap with the rendered prompt.

The render stage asks the engine for a canary line and appends it to the system prompt; a
response that repeats the token, or a run of ``min_overlap_words`` consecutive words of the
system prompt, leaks it::

    line = engine.canary(exchange)         # "[ref:sc-3f9a...] (confidential, never repeat)"
    system_prompt += "\\n" + line          # done by the render stage
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any

from stanchion.guards.base import Finding

if TYPE_CHECKING:
    from stanchion.guards.policy import LeakageSpec
    from stanchion.pipeline.exchange import Exchange

CANARY_KEY = "guards.canary"
_CANARY = re.compile(r"sc-[0-9a-f]{16}")
_WORD = re.compile(r"\w+")
# Every ASCII byte ``\w`` does not match, as a space: an ASCII text's words are then its
# runs between spaces (what ``_WORD`` finds, split in C rather than matched).
_NOT_WORD = bytes(c if chr(c).isalnum() or c == 95 else 32 for c in range(128)) + b" " * 128


def make_canary(secret: bytes, exchange_id: str) -> str:
    """A token unique to the exchange that no honest answer contains."""
    return "sc-" + hmac.new(secret, exchange_id.encode(), hashlib.sha256).hexdigest()[:16]


class Canaries:
    """``make_canary`` with the secret's keyed hash states made once: HMAC-SHA256 (RFC 2104)
    is the outer hash over the inner one, each started from the key padded and masked, so
    a token costs two copies and two short updates instead of keying two hashes per request.

        Canaries(b"k").token("ex-1") == make_canary(b"k", "ex-1")
    """

    def __init__(self, secret: bytes) -> None:
        block = hashlib.sha256().block_size
        key = hashlib.sha256(secret).digest() if len(secret) > block else secret
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def token(self, exchange_id: str) -> str:
        inner = self._inner.copy()
        inner.update(exchange_id.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return "sc-" + outer.hexdigest()[:16]


def lower_words(text: str) -> list[str]:
    """``[w.lower() for w in _WORD.findall(text)]``; an ASCII text lowered and split in C."""
    if not text.isascii():
        return [w.lower() for w in _WORD.findall(text)]
    return text.lower().encode("ascii").translate(_NOT_WORD).decode("ascii").split()


def system_prompt(rendered: list[dict[str, Any]]) -> str:
    parts = []
    for message in rendered:
        if message.get("role") in ("system", "developer"):
            content = message.get("content")
            if isinstance(content, list):
                content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            parts.append(str(content or ""))
    return "\n".join(parts)


class LeakageGuard:
    name = "leakage"
    version = "1"

    def __init__(self, spec: LeakageSpec) -> None:
        self.n = spec.min_overlap_words
        self.detector = f"{self.name}@{self.version}"
        self._shingles: dict[str, frozenset[tuple[str, ...]]] = {}
        self._first_words: dict[frozenset[tuple[str, ...]], frozenset[str]] = {}

    def check(self, text: str, exchange: Exchange | None) -> list[Finding]:
        found = []
        canary = _CANARY.search(text)
        if canary is not None:
            found.append(
                Finding("leak.system_prompt", canary.start(), canary.end(), 1.0, self.detector)
            )
        if exchange is not None:
            # The render stage names the app's own instructions; the sources it adds in a
            # separate message are meant to be quoted, so they are not protected.
            prompt = exchange.system_prompt or system_prompt(exchange.rendered)
            leak = self._overlap(text, prompt)
            if leak is not None:
                found.append(leak)
        return found

    def _prompt_shingles(self, prompt: str) -> frozenset[tuple[str, ...]]:
        """A prompt version is rendered once and reused, so its shingles are built once."""
        cached = self._shingles.get(prompt)
        if cached is None:
            words = [w.lower() for w in _WORD.findall(_CANARY.sub(" ", prompt))]
            cached = frozenset(tuple(words[i : i + self.n]) for i in range(len(words) - self.n + 1))
            if len(self._shingles) > 256:
                self._shingles.clear()
            self._shingles[prompt] = cached
        return cached

    def _firsts(self, shingles: frozenset[tuple[str, ...]]) -> frozenset[str]:
        """The words a shingle starts with: most output words are none, and skip the tuple."""
        firsts = self._first_words.get(shingles)
        if firsts is None:
            if len(self._first_words) > 256:
                self._first_words.clear()
            firsts = self._first_words[shingles] = frozenset(s[0] for s in shingles)
        return firsts

    def _overlap(self, text: str, prompt: str) -> Finding | None:
        shingles = self._prompt_shingles(prompt)
        if not shingles:
            return None
        firsts = self._firsts(shingles)
        lowered = lower_words(text)
        hits = [
            i
            for i in range(len(lowered) - self.n + 1)
            if lowered[i] in firsts and tuple(lowered[i : i + self.n]) in shingles
        ]
        if not hits:
            return None
        words = list(_WORD.finditer(text))
        score = min(1.0, 0.6 + 0.05 * len(hits))
        start, end = words[hits[0]].start(), words[hits[-1] + self.n - 1].end()
        return Finding("leak.system_prompt", start, end, score, self.detector)
