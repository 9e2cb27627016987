"""Which of a fixed set of literals a text holds, in one pass instead of one search each.

The secrets and PII guards run a pattern only when a literal every match holds is in the
text, and look for a few dozen such literals in every text (``needle in text``: about a
microsecond each over 2 KB, most of them absent). Where ``hyperscan`` is installed (Linux on
x86-64), all of a set are found in one pass of ``needles.Automaton`` over the text's UTF-8
bytes, each reported once; elsewhere each is looked for with ``in``. Both give the same
mask: a valid UTF-8 sequence occurs in UTF-8 bytes exactly where the string holds it, and a
lone surrogate (``surrogatepass``) is bytes that no literal's encoding matches::

    words = Literals(["http", "www.", "@"])
    found = words.mask("mail ana@example.org")
    words.has(found, "@"), words.has(found, "http")   # (True, False)
"""

from __future__ import annotations

from collections.abc import Iterable

from stanchion.guards.needles import Automaton
from stanchion.guards.normalize import every_index

try:
    import hyperscan
except ImportError:  # no wheel for this platform: each literal is looked for with ``in``
    hyperscan = None  # type: ignore[assignment]


class Literals:
    """Literals numbered by their first appearance; a text's answer is a bit mask of them."""

    def __init__(self, literals: Iterable[str]) -> None:
        self.bits: dict[str, int] = {}
        for literal in literals:
            if not literal:
                raise ValueError("an empty literal is in every text")
            self.bits.setdefault(literal, 1 << len(self.bits))
        usable = hyperscan is not None and self.bits
        self._automaton = Automaton(self.bits) if usable else None

    def mask(self, text: str) -> int:
        """The bits of the literals ``text`` holds."""
        if self._automaton is not None:
            return self._automaton.mask(text)
        return self.mask_reference(text)

    def mask_reference(self, text: str) -> int:
        """:meth:`mask` by ``in``, one literal at a time (without ``hyperscan``, and its
        reference)."""
        found = 0
        for literal, bit in self.bits.items():
            if literal in text:
                found |= bit
        return found

    def any_of(self, literals: Iterable[str]) -> int:
        """The bits of ``literals`` (each given to the constructor)."""
        found = 0
        for literal in literals:
            found |= self.bits[literal]
        return found

    def has(self, mask: int, literal: str) -> bool:
        return bool(mask & self.bits[literal])

    def present(self, mask: int, literals: Iterable[str]) -> tuple[str, ...]:
        """Those of ``literals`` the mask holds, in their order."""
        bits = self.bits
        return tuple(literal for literal in literals if mask & bits[literal])

    def every_index(self, mask: int, text: str, literals: Iterable[str]) -> list[int]:
        """``normalize.every_index(text, literals)`` for the text ``mask`` was read from:
        the absent literals are not searched for."""
        return every_index(text, self.present(mask, literals))
