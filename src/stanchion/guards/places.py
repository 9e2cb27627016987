"""Where the heads of many patterns stand in a text, found in one pass.

A signal whose pattern opens with a long alternation is tried only where one of its heads
(:mod:`stanchion.guards.anchors`) stands. Finding those places with ``str.find``, head after
head, cost ~20 searches of the whole text for each signal a text's words let through: some
300 searches and ~1 M instructions on a 2 KB attack text. Here every ASCII head of every such
signal is one literal of a ``hyperscan`` database, and one scan of the text's ASCII bytes
(:func:`~stanchion.guards.normalize.ascii_bytes`: one byte a character, so a byte offset is a
character offset) reports each place once, filed under the signals whose head it is::

    places = HeadPlaces({"override": ("ignore ", "forget "), "persona": ("act as",)})
    places.find("please ignore this, then ignore that")   # {'override': [7, 24]}

The pass is paid for only by a text that holds many of the heads' key bits (:data:`PASS_AT`):
on one that holds few, a few signals ask and ``str.find`` for their heads costs less than a
Python call for every place of every head.

A head outside ASCII is not in the database (the bytes hold "?" for its characters): the
caller looks for those with ``str.find``. A place where an ASCII head stands is a place where
its bytes stand, and the other way round (no head holds "?"; one that did would only add
places where the pattern is tried and fails). Without ``hyperscan`` (wheels exist for Linux on
x86-64) :func:`head_places` gives None and the heads are looked for one by one, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from stanchion.guards.anchors import Anchor
from stanchion.guards.needles import hyperscan
from stanchion.guards.normalize import ascii_bytes, every_index

# The pass costs a text ~50 k instructions and a Python call for each place of every head
# (~80 on 2 KB of prose: "the ", "(", "can"), whether or not the signals that own them ask;
# ``str.find`` costs a search of the text for each head a signal's mask lets through. How
# many of the heads' key bits a text's needle mask holds tells the two apart before any
# signal asks: 4-26 on 2 KB of prose, tables or other scripts (2-7 signals ask; ``str.find``
# is cheaper), 28-94 on e-mail, code and attack texts (8-39 ask; the pass is). A text of at
# least PASS_AT of them gets the pass. Callgrind, against main: the pass on every text gave
# prose 1.04, tables 1.01; from 28 to 36 bits prose 1.00, tables 1.00, and e-mail, code and
# attack texts as with it on every text. The first few signals that ask searching head by
# head and the pass serving the rest did not pay: a text that needs the pass paid for both.
PASS_AT = 32
# Heads found in most texts ("the " ~15 times in 2 KB of prose or e-mail, "(" and "'" ~20 in
# code, "---" ~10 in e-mail) that one signal or two own, and those seldom ask: each place
# would be a Python call in the pass, where ``str.find`` for the few signals that ask costs
# less. Left out of the database and looked for head by head, like the heads outside ASCII.
# Callgrind against keeping them: e-mail 0.96 of main (0.97), code 0.97 (0.98), attack
# texts 0.91 (0.91). Leaving out 16 more ("no", "ai", "not", "will", "your ", ...) gave
# e-mail and code 0.95 but attack texts 0.92, whose signals ask for those.
COMMON = frozenset({"the ", "(", "'", "---", "for "})


def _in_pass(head: str) -> bool:
    """Whether the pass looks for ``head`` (an ASCII head that is not too common)."""
    return head.isascii() and head not in COMMON


class HeadPlaces:
    """The ASCII heads of named patterns, compiled into one database of literals."""

    def __init__(self, heads: Mapping[str, tuple[str, ...]]) -> None:
        ids: dict[str, int] = {}
        owners: list[list[str]] = []
        for name, found in heads.items():
            for head in found:
                if not head.isascii() or not head:
                    continue
                key = ids.setdefault(head, len(ids))
                if key == len(owners):
                    owners.append([])
                owners[key].append(name)
        self.names = frozenset(name for names in owners for name in names)
        self._starts = [(len(head), tuple(owners[key])) for head, key in ids.items()]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[head.encode("ascii") for head in ids],
            ids=list(range(len(ids))),
            elements=len(ids),
            flags=[0] * len(ids),
            literal=True,
        )
        self._local = threading.local()

    def find(self, text: str) -> dict[str, list[int]]:
        """Every index where one of a pattern's ASCII heads starts, by the pattern's name
        (``normalize.every_index(text, ascii_heads)``; unsorted)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        found: dict[str, list[int]] = {}
        starts = self._starts

        def on_match(key: int, _from: int, end: int, _flags: int, _context: object) -> None:
            length, names = starts[key]
            for name in names:
                at = found.get(name)
                if at is None:
                    found[name] = [end - length]
                else:
                    at.append(end - length)

        self._db.scan(ascii_bytes(text), match_event_handler=on_match, scratch=scratch)
        return found


class AnchorPlaces:
    """The places of the heads of named anchors: the ASCII ones (but :data:`COMMON`) from one
    :class:`HeadPlaces` pass (when ``hyperscan`` is there), the others with ``str.find``."""

    def __init__(self, anchors: Mapping[str, Anchor], bit_of: Callable[[str], int]) -> None:
        passed = {n: kept for n, a in anchors.items() if (kept := tuple(filter(_in_pass, a.heads)))}
        self.heads = HeadPlaces(passed) if hyperscan is not None and passed else None
        self.pass_at = PASS_AT
        # Every key bit of the anchors in the pass.
        self.mask = 0
        for name, anchor in anchors.items():
            if self.heads is not None and name in self.heads.names:
                self.mask |= anchor.mask
        # The heads left out of the pass, looked for with ``str.find``.
        self._by_find = {
            name: Anchor.build(odd, bit_of)
            for name, anchor in anchors.items()
            if (odd := tuple(h for h in anchor.heads if not _in_pass(h)))
        }

    def of(self, lower: str, mask: int) -> TextPlaces:
        """The places in ``lower`` (a lower-cased text of needle mask ``mask``), found as the
        signals ask for them."""
        return TextPlaces(self, lower, mask)


class TextPlaces:
    """The places of the heads in one text: from the pass, run when the first signal asks,
    on a text of at least :data:`PASS_AT` of the heads' key bits; head by head with
    ``str.find`` (only the heads whose key bit the text's mask holds) on the others."""

    __slots__ = ("_found", "_lower", "_mask", "_pass", "_source")

    def __init__(self, source: AnchorPlaces, lower: str, mask: int) -> None:
        self._source = source
        self._lower = lower
        self._mask = mask
        self._found: dict[str, list[int]] | None = None
        self._pass = (mask & source.mask).bit_count() >= source.pass_at

    def at(self, name: str, text: str, anchor: Anchor) -> list[int]:
        """Every index of ``anchor``'s heads in ``text`` (``every_index`` of the heads whose
        key bit is in the mask): from the pass when ``text`` is the text it reads and the
        anchor is in it."""
        source = self._source
        heads = source.heads
        if not self._pass or text is not self._lower or heads is None or name not in heads.names:
            return every_index(text, anchor.present(self._mask))
        found = self._found
        if found is None:
            found = self._found = heads.find(text)
        places = found.get(name, [])
        by_find = source._by_find.get(name)
        if by_find is None:
            return places
        return places + every_index(text, by_find.present(self._mask))
