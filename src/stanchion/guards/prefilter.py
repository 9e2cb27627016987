"""Which of a set of regular expressions can match a text at all, in one pass for all of them.

The injection guard tries a hundred signal patterns; its needles (literals) let ~20 through
on an attack text, and most of those then match nowhere, each after a full ``finditer`` of
the text. Here each pattern is rewritten, from Python's own parse of it, into a *looser*
byte pattern that matches the UTF-8 bytes of every text the original matches (and more):
literals stay exact, a character of a class is its ASCII members or a run of non-ASCII bytes
(one character of another script is 2-4 of them, whatever Unicode version says it is a
letter or a space), and what only narrows a match (look-arounds, ``\\b``, ``^``, ``$``) is
dropped. All of them go into one ``hyperscan`` database (prefilter mode, one report per
pattern); a pattern it does not report cannot match, so it is not run, and what is run is
the original pattern, as before: the results are the same with or without the pass::

    possible = Possible({0: r"ignore\\s+(?:all\\s+)?previous", 1: r"(?<!not )jailbreak"})
    possible.mask("please ignore   previous")   # 0b01 (bit 0 only)

A pattern that cannot be rewritten (case-insensitive, a back-reference condition) or that
hyperscan refuses is reported as possible on every text. Without ``hyperscan`` (its wheels
are built for Linux on x86-64) :attr:`Possible.usable` is False and every pattern is run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from functools import cache, lru_cache, reduce
from operator import or_
from pathlib import Path
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from stanchion.guards.needles import hyperscan, reported
from stanchion.guards.prefilter_cache import cache_key, load, store

__all__ = ["Possible", "Renumbered", "loosen", "shared", "wait_shared"]

# One character outside ASCII: 2-4 bytes at or above 0x80 (a lone surrogate, encoded with
# ``surrogatepass``, is three of them too). A run of them is looser still, and a repeat of
# characters maps each to one such run.
_HIGH = r"[\x80-\xff]+"
_ASCII = frozenset(range(128))
_DIGIT = frozenset(range(ord("0"), ord("9") + 1))
_WORD = frozenset(map(ord, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"))
# ASCII white space as ``str.isspace`` (and so Python's ``\s``) has it.
_SPACE = frozenset([9, 10, 11, 12, 13, 28, 29, 30, 31, 32])
_CATEGORIES = {
    sre.CATEGORY_DIGIT: _DIGIT,
    sre.CATEGORY_NOT_DIGIT: _ASCII - _DIGIT,
    sre.CATEGORY_WORD: _WORD,
    sre.CATEGORY_NOT_WORD: _ASCII - _WORD,
    sre.CATEGORY_SPACE: _SPACE,
    sre.CATEGORY_NOT_SPACE: _ASCII - _SPACE,
}
# Hyperscan's limit on a pattern's length is 16,000 characters.
LIMIT = 12_000
_DROPPED = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


class Unloosenable(ValueError):
    """A construct this rewriting does not cover."""


def loosen(pattern: str, limit: int = LIMIT) -> list[str]:
    """Byte patterns (hyperscan's syntax, written in ASCII) one of which matches somewhere in
    a text's UTF-8 bytes whenever ``re.search(pattern, text)`` matches; raises
    :class:`Unloosenable` for what it does not cover. Each is at most ``limit`` characters: a
    longer one is split at its longest alternation (``a(?:b|c)d`` as ``a(?:b)d``, ``a(?:c)d``)."""
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        raise Unloosenable("case-insensitive or verbose")
    return _pieces(list(parsed), limit)


def _pieces(items: list[Any], limit: int) -> list[str]:
    rendered = [_item(op, av) for op, av in items]
    if sum(map(len, rendered)) <= limit:
        return ["".join(rendered)]
    longest = max(range(len(items)), key=lambda i: len(rendered[i]))
    prefix, suffix = "".join(rendered[:longest]), "".join(rendered[longest + 1 :])
    budget = limit - len(prefix) - len(suffix) - 4
    if budget < 100:
        raise Unloosenable("too long to split")
    alternatives = [
        piece for branch in _alternatives(*items[longest]) for piece in _pieces(branch, budget)
    ]
    chunks: list[list[str]] = [[]]
    for piece in alternatives:
        if sum(len(p) + 1 for p in chunks[-1]) + len(piece) > budget:
            chunks.append([])
        chunks[-1].append(piece)
    return [f"{prefix}(?:{'|'.join(chunk)}){suffix}" for chunk in chunks if chunk]


def _alternatives(op: Any, av: Any) -> list[list[Any]]:
    """The sequences one item is an alternation of (an optional item: nothing, or itself)."""
    if op is sre.BRANCH:
        return [list(branch) for branch in av[1]]
    if op is sre.SUBPATTERN and not av[1] & (re.IGNORECASE | re.VERBOSE):
        inner = list(av[3])
        return _alternatives(*inner[0]) if len(inner) == 1 else [inner]
    if op in _REPEATS and av[:2] == (0, 1):
        return [[], *_alternatives(*av[2][0])] if len(av[2]) == 1 else [[], list(av[2])]
    raise Unloosenable("too long, and no alternation to split")


def _sequence(items: Any) -> str:
    return "".join(_item(op, av) for op, av in items)


def _item(op: Any, av: Any) -> str:
    unit = _unit(op, av)
    if unit is not None:
        return _chars(*unit)
    if op is sre.LITERAL:
        raw = chr(av).encode("utf-8", "surrogatepass")
        return "(?:" + "".join(map(_byte, raw)) + ")"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_sequence(branch) for branch in av[1]) + ")"
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, inner = av
        if add_flags & (re.IGNORECASE | re.VERBOSE):
            raise Unloosenable("case-insensitive group")
        return "(?:" + _sequence(inner) + ")"
    if op is sre.ATOMIC_GROUP:
        return "(?:" + _sequence(av) + ")"
    if op in _REPEATS:
        return _repeat(*av)
    if op in _DROPPED:
        return ""
    if op is sre.GROUPREF:
        return r"[\x00-\xff]*"
    raise Unloosenable(str(op))


def _repeat(low: int, _high: int, inner: Any) -> str:
    # An upper bound only narrows (and a bounded repeat is costly for hyperscan to build).
    bound = {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    unit = _unit(*inner[0]) if len(inner) == 1 else None
    if unit is not None:
        # ``low`` or more characters of the class: as many bytes of it or above 0x80.
        members, high = unit
        return (
            "[" + "".join(_ranges(sorted(members))) + ("\\x80-\\xff" if high else "") + "]" + bound
        )
    return "(?:" + _sequence(inner) + ")" + bound


def _unit(op: Any, av: Any) -> tuple[frozenset[int], bool] | None:
    """One character: its ASCII members, and whether any outside ASCII (None: a literal
    outside ASCII, matched exactly, or not one character)."""
    if op is sre.LITERAL:
        return (frozenset([av]), False) if av < 128 else None
    if op is sre.NOT_LITERAL:
        return _ASCII - {av}, True
    if op is sre.ANY:
        return _ASCII, True
    if op is sre.IN:
        return _class(av)
    return None


@cache
def _byte(code: int) -> str:
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\x{code:02x}"


def _ranges(codes: list[int]) -> list[str]:
    """Sorted codes as runs: ``a-z`` for a run of more than two."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    out = []
    for low, high in runs:
        out.append(_byte(low))
        if high > low:
            out.append(("-" if high > low + 1 else "") + _byte(high))
    return out


def _class(items: Any) -> tuple[frozenset[int], bool]:
    members: set[int] = set()
    high = False
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            if av < 128:
                members.add(av)
            else:
                high = True
        elif op is sre.RANGE:
            low, top = av
            members.update(range(low, min(top, 127) + 1))
            high |= top >= 128
        elif op is sre.CATEGORY:
            if av not in _CATEGORIES:
                raise Unloosenable(str(av))
            members |= _CATEGORIES[av]
            high = True
        else:
            raise Unloosenable(str(op))
    if negate:
        return _ASCII - members, True
    return frozenset(members), high


@lru_cache(maxsize=1024)
def _chars(members: frozenset[int], high: bool) -> str:
    """One character: one of the ASCII ``members``, or (``high``) any outside ASCII."""
    if not members and not high:
        raise Unloosenable("a class that matches nothing")
    parts = []
    if members:
        parts.append("[" + "".join(_ranges(sorted(members))) + "]")
    if high:
        parts.append(_HIGH)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


# One report per pattern and text; what hyperscan cannot match exactly it loosens further.
_FLAGS = hyperscan.HS_FLAG_SINGLEMATCH if hyperscan else 0


class Possible:
    """Patterns by bit number; :meth:`mask` holds the bits of those that may match a text.

    Building the database costs hyperscan a second or two of CPU. With ``after`` > 0 it is
    built in a thread of its own once that many texts have been asked about (hyperscan lets
    go of the GIL while it compiles): a process that scans a handful of texts (a CLI command,
    a test's server) never pays it, a server pays it once, off the request path. Until it is
    ready every pattern is possible, which gives the same results, only slower. With a
    ``cache`` folder, a database an earlier process built there is read at once, and one
    built here is stored there (see :mod:`stanchion.guards.prefilter_cache`)."""

    def __init__(
        self,
        patterns: Mapping[int, str],
        enabled: bool = True,
        after: int = 0,
        cache: Path | None = None,
    ) -> None:
        self.always = 0  # patterns reported possible on every text
        self.usable = enabled and hyperscan is not None
        self._local = threading.local()
        self._patterns = dict(patterns) if self.usable else {}
        self._db: Any = None
        self._ready = threading.Event()
        self._left = after  # texts to be asked about before the database is built
        self._lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._cache = cache if self.usable else None
        self._key = cache_key(self._patterns) if self._cache is not None else ""
        if self._cache is not None and self._loaded(self._cache):
            return
        if self.usable and after <= 0:
            self._build()

    def _loaded(self, folder: Path) -> bool:
        """Whether the database was read from ``folder`` (milliseconds: ready at once)."""
        stored = load(folder, self._key)
        if stored is None:
            return False
        self.always |= stored[0]
        self._db = stored[1]
        self._ready.set()
        return True

    def _build(self) -> None:
        db, always = self._compile()
        self.always |= always
        self._db = db
        self._ready.set()
        if self._cache is not None and db is not None:
            store(self._cache, self._key, always, db)

    def _compile(self) -> tuple[Any, int]:
        """The database of the loosened patterns, and the bits of those left out of it."""
        always = 0
        loose: list[tuple[int, bytes]] = []
        for bit, pattern in self._patterns.items():
            try:
                loose += [(bit, p.encode("ascii")) for p in loosen(pattern)]
            except (Unloosenable, re.error):
                always |= 1 << bit
        db = _compiled(loose) if loose else None
        if db is None and loose:
            # One refused (an empty match, say): find which, and run those on every text.
            taken = [(bit, p) for bit, p in loose if _compiled([(bit, p)]) is not None]
            always |= sum({1 << bit for bit, _ in loose} - {1 << bit for bit, _ in taken})
            taken = [(bit, p) for bit, p in taken if not always >> bit & 1]
            db = _compiled(taken) if taken else None
        return db, always

    def wait(self) -> None:
        """Build the database now if it is not built (or wait for the thread building it)."""
        if not self.usable or self._ready.is_set():
            return
        with self._lock:
            builder, self._left = self._builder, 0
            if builder is None:
                self._build()
        if builder is not None:
            builder.join()

    def mask(self, text: str) -> int:
        """The bits of the patterns that may match somewhere in ``text`` (all of them when
        the pass is not usable, or its database not built yet)."""
        found = self.reported(text)
        return -1 if found is None else reduce(or_, (1 << bit for bit in found), self.always)

    def reported(self, text: str) -> list[int] | None:
        """The numbers of the patterns of the database that may match ``text``, each once
        (not those of :attr:`always`); None while any pattern may (no database)."""
        if not self._ready.is_set():
            if self.usable:
                self._count()
            return None
        if self._db is None:
            return []
        return reported(self._db, self._local, text)

    def _count(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left != 0 or self._builder is not None:
                return
            self._builder = threading.Thread(target=self._build, name="prefilter", daemon=True)
        self._builder.start()


class Renumbered:
    """A shared :class:`Possible` read with other bits: pattern i stands for ``bits[i]``
    (0: for nothing), so that guards running subsets of one table share its database."""

    def __init__(self, possible: Possible, bits: list[int]) -> None:
        self._possible = possible
        self._bits = bits
        self._always: int | None = None  # known once the database is

    def wait(self) -> None:
        self._possible.wait()

    def mask(self, text: str) -> int:
        found = self._possible.reported(text)
        if found is None:
            return -1
        if self._always is None:
            always = self._possible.always
            self._always = reduce(or_, (b for i, b in enumerate(self._bits) if always >> i & 1), 0)
        return reduce(or_, map(self._bits.__getitem__, found), self._always)


# Texts a process scans before the shared database is built (see Possible): a server's
# first minute of traffic, never a CLI command's few texts.
AFTER = 256


# The tables of the process's guards (the default's, a custom policy's with extra phrases):
# each built once, the oldest dropped past SHARED_MAX.
_SHARED: dict[tuple[str | None, ...], Possible] = {}
SHARED_MAX = 8


def shared(patterns: tuple[str | None, ...], cache: Path | None = None) -> Possible:
    """One :class:`Possible` of ``patterns`` (bit i: ``patterns[i]``; None: possible on every
    text) per process, built after ``AFTER`` texts, or read at once from ``cache`` (a folder
    of the app's state) where an earlier process stored it: the guards of every direction run
    signals of the same table."""
    found = _SHARED.get(patterns)
    if found is None:
        table = {i: p for i, p in enumerate(patterns) if p is not None}
        found = Possible(table, after=AFTER, cache=cache)
        found.always |= sum(1 << i for i, p in enumerate(patterns) if p is None)
        if len(_SHARED) >= SHARED_MAX:
            del _SHARED[next(iter(_SHARED))]
        _SHARED[patterns] = found
    return found


def wait_shared() -> None:
    """Build the shared databases now (benchmarks and tests measure the steady state)."""
    for possible in list(_SHARED.values()):
        possible.wait()


def _compiled(loose: list[tuple[int, bytes]]) -> Any:
    """One database of the (bit, loosened piece) pairs; None when hyperscan refuses one."""
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(
            expressions=[piece for _, piece in loose],
            ids=[bit for bit, _ in loose],
            elements=len(loose),
            flags=[_FLAGS] * len(loose),
        )
    except hyperscan.error:
        return None
    return db
