"""Where a pattern's matches can start: the literal heads every match begins with.

A signal pattern that opens with a long alternation ("sentences?|statements|...|everything")
has no literal prefix for the regex engine to skip to: it tries every branch at almost every
position of the text (about 170 us over a 2 KB e-mail, and most of that for no match).
Every match of such a pattern begins with one of a finite set of literal strings, its
*heads*, read here from the pattern's parse tree::

    heads(r"(?:ignore|forget) (?:all |the )?rules")   # ('ignore ', 'forget ')
    heads(r"[-=]{3,}\\s*end")                         # ('---', '--=', ..., '===')
    heads(r"\\w+ mode")                               # None: a match may start anywhere

A head runs as far as the pattern is literal (an optional part or a character class of more
than a few characters ends it), and branches multiply out up to :data:`CAP` heads. Heads are
exact for a gate, never approximate: a position where no head occurs is a position where the
pattern cannot match, so trying the pattern only where a head occurs finds every match the
engine's own scan would find there.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from stanchion.guards.normalize import every_index

# The standard library's own parser of regular expressions (``re`` compiles with it; it has
# no public name or type stubs).
_parser: Any = importlib.import_module("re._parser")
c: Any = importlib.import_module("re._constants")

# Heads multiply out across branches ("(?:i am|as) (?:your|the) (?:developer|admin)" has 8)
# up to this many; past it the heads stop where they were (shorter, still exact).
CAP = 256
# A character class of up to this many characters still extends a head ("[-=#*]").
CLASS_CHARS = 8

Match = re.Match[str]
_ZERO_WIDTH = frozenset({c.AT, c.ASSERT, c.ASSERT_NOT})
_IGNORED = c.SRE_FLAG_IGNORECASE | c.SRE_FLAG_VERBOSE


@lru_cache(maxsize=4096)
def heads(pattern: str) -> tuple[str, ...] | None:
    """The shortest literal strings some of which every match of ``pattern`` starts with;
    None when a match may start with an unknown character (or be empty). Cached: every guard
    of every app reads the same table of patterns."""
    parsed = _parser.parse(pattern)
    if parsed.state.flags & _IGNORED:
        return None
    found, _ = _sequence(list(parsed.data), False)
    if not found or "" in found:
        # A pattern that opens with an optional literal ("\\[?system") has heads once the
        # optional parts are read as "nothing or this" (not done for every pattern: more
        # heads are more searches, and a long alternation would pass ``CAP``).
        found, _ = _sequence(list(parsed.data), True)
        if not found or "" in found:
            return None
    return _minimal(found)


def _minimal(found: set[str]) -> tuple[str, ...]:
    """Drop a head that starts with a shorter one: the shorter one's places cover it."""
    kept: list[str] = []
    for head in sorted(found, key=len):
        if not any(head.startswith(k) for k in kept):
            kept.append(head)
    return tuple(sorted(kept))


def _sequence(items: list[tuple[Any, Any]], optional: bool) -> tuple[set[str], bool]:
    """(prefixes, whole): the literal prefixes of a sequence, and whether each is the whole
    of what the sequence matches (so what follows can extend them)."""
    acc = {""}
    for op, av in items:
        if _zero_width(op, av):
            continue
        part, whole = _item(op, av, optional)
        if not part:
            return acc, False
        joined = {a + b for a in acc for b in part}
        # The cap bounds a product of branches; a sequence that opens with an alternation
        # takes its heads as they are (a lexicon of a few hundred terms has as many heads).
        if len(joined) > CAP and acc != {""}:
            return acc, False
        acc = joined
        if not whole:
            return acc, False
    return acc, True


def _zero_width(op: Any, av: Any) -> bool:
    """An assertion, or a group or alternation of nothing but assertions ("(?:(?<!a)|(?<=b))"):
    it consumes no character, so the heads of what follows are the heads of the match."""
    if op in _ZERO_WIDTH:
        return True
    if op is c.SUBPATTERN:
        return all(_zero_width(o, a) for o, a in av[-1].data)
    if op is c.BRANCH:
        return all(all(_zero_width(o, a) for o, a in branch.data) for branch in av[1])
    return False


def _item(op: Any, av: Any, optional: bool) -> tuple[set[str], bool]:
    """The literal strings one item of a sequence starts with (an empty set: unknown)."""
    if op is c.LITERAL:
        return {chr(av)}, True
    if op is c.SUBPATTERN:
        if av[1] & _IGNORED:  # (?i:...): its literals stand for either case
            return set(), False
        return _sequence(list(av[-1].data), optional)
    if op is c.BRANCH:
        found: set[str] = set()
        whole = True
        for branch in av[1]:
            part, branch_whole = _sequence(list(branch.data), optional)
            if not part or "" in part:
                return set(), False
            found |= part
            whole = whole and branch_whole
        return found, whole
    if op is c.IN:
        chars = _class_chars(av)
        return (chars, True) if chars else (set(), False)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        least, most, item = av
        return _repeat(least, most, item, optional)
    return set(), False


def _repeat(least: int, most: int, item: Any, optional: bool) -> tuple[set[str], bool]:
    """A repeated item starts with ``least`` copies of it (when it is wholly literal); an
    optional one ("\\[?") with nothing, or with what the item starts with."""
    if least == 0:
        if most != 1 or not optional:
            return set(), False
        part, whole = _sequence(list(item.data), optional)
        return (part | {""}, whole) if part and "" not in part else (set(), False)
    part, whole = _sequence(list(item.data), optional)
    if not part or not whole:
        return part, False
    acc = part
    for _ in range(least - 1):
        joined = {a + b for a in acc for b in part}
        if len(joined) > CAP:
            return acc, False
        acc = joined
    return acc, least == most


def _class_chars(av: list[tuple[Any, Any]]) -> set[str]:
    """The characters of a small class of literals and ranges (empty when negated or large)."""
    chars: set[str] = set()
    for op, value in av:
        if op is c.LITERAL:
            chars.add(chr(value))
        elif op is c.RANGE and value[1] - value[0] < CLASS_CHARS:
            chars.update(chr(x) for x in range(value[0], value[1] + 1))
        else:
            return set()
    return chars if len(chars) <= CLASS_CHARS else set()


@dataclass(frozen=True, slots=True)
class Anchor:
    """A pattern's heads, grouped by the needle-index bit of their key (their longest run
    without white space), so that a text's bit mask names the heads worth looking for."""

    heads: tuple[str, ...]
    mask: int
    by_bit: dict[int, tuple[str, ...]]

    @classmethod
    def build(cls, found: tuple[str, ...], bit_of: Callable[[str], int]) -> Anchor:
        groups: dict[int, list[str]] = {}
        for head in found:
            groups.setdefault(bit_of(head), []).append(head)
        mask = 0
        for bit in groups:
            mask |= bit
        return cls(found, mask, {bit: tuple(hs) for bit, hs in groups.items()})

    def present(self, mask: int) -> Iterator[str]:
        """The heads whose key is in a text of this mask (the others do not occur in it).
        Only the bits the text has are visited: a lexicon's few hundred heads, each tested
        against the mask (an integer of some 1,500 bits), cost ~200,000 instructions a text."""
        found = mask & self.mask
        while found:
            bit = found & -found
            yield from self.by_bit[bit]
            found ^= bit


def any_accepted(
    text: str, pattern: re.Pattern[str], starts: Iterable[str], accept: Callable[[Match], bool]
) -> bool:
    """Whether ``pattern`` matches at a place where one of ``starts`` occurs and ``accept``
    takes the match: a necessary condition for ``accept`` to take a match of
    ``pattern.finditer(text)`` (each of which starts at a head), tried only where heads are."""
    for head in starts:
        at = text.find(head)
        while at >= 0:
            found = pattern.match(text, at)
            if found is not None and accept(found):
                return True
            at = text.find(head, at + 1)
    return False


def first_accepted(
    text: str, pattern: re.Pattern[str], starts: Iterable[str], accept: Callable[[Match], bool]
) -> Match | None:
    """The first match of ``pattern.finditer(text)`` that ``accept`` takes, found by trying
    the pattern only where one of ``starts`` (every head the text may hold) occurs: the
    leftmost match from a position is at the first head after it where the pattern matches,
    and the scan goes on from that match's end, as ``finditer`` does. A long alternation
    without a literal prefix (a lexicon of a hundred phrases) is then tried at a few places,
    not at every character of the text."""
    return accepted_at(text, pattern, every_index(text, starts), accept)


def accepted_at(
    text: str, pattern: re.Pattern[str], places: list[int], accept: Callable[[Match], bool]
) -> Match | None:
    """:func:`first_accepted` from the places of the heads (in any order; sorted here)."""
    # No two heads occur at one place (of two heads at a place one would start with the
    # other, and ``_minimal`` kept only the shorter), so the places need no set.
    if not places:
        return None
    places.sort()
    resume = 0
    for at in places:
        if at < resume:
            continue
        found = pattern.match(text, at)
        if found is None:
            continue
        if accept(found):
            return found
        resume = found.end() if found.end() > at else at + 1
    return None
