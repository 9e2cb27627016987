"""Which of the injection guard's signals a text's needles let through, chosen in C.

A signal is tried only when its gate holds a key of the text: one of its needles' keys, or
else one of its heads' keys (``_seen`` tests the gate again, exactly). Most of the hundred
signals fail their gate on most texts, and testing each gate in a Python loop (a few
big-integer masks a signal) cost more than the few signals a text lets through. The keys the
needle automaton found map to the signals they gate; their masks of signals are OR-ed and
the signals read in the table's order::

    gates = Gates(runs, index.size)
    for name, signal, pattern, group, anchor in gates.runs(index.scan(lower)): ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import reduce
from itertools import compress
from operator import or_

from stanchion.guards.anchors import Anchor
from stanchion.guards.injection_grammar import Signal
from stanchion.guards.needles import Group, Present

# A signal as the guard runs it: name, signal, compiled pattern, needles, heads.
Run = tuple[str, Signal, re.Pattern[str], Group | None, Anchor | None]


class Gates:
    """Bit i of a mask of signals stands for ``runs[i]``."""

    def __init__(self, runs: list[Run], size: int) -> None:
        self._runs = runs
        self._always = 0  # signals without a gate of keys, tried on every text
        self._by_key = [0] * size  # key number -> the signals whose gate holds it
        for index, (_, _, _, group, anchor) in enumerate(runs):
            gate = -1
            if group is not None and group.keys >= 0:
                gate = group.pure | group.keys
            elif anchor is not None:
                gate = anchor.mask
            if gate < 0:
                self._always |= 1 << index
                continue
            key = 0
            while gate:
                if gate & 1:
                    self._by_key[key] |= 1 << index
                gate >>= 1
                key += 1

    def runs(self, present: Present, possible: int = -1) -> Iterable[Run]:
        """The signals ``present`` (the needles of one text) may let through, in order, of
        those whose bit ``possible`` holds (the ones that may match the text); all of them
        when the keys found are not known (no automaton)."""
        if present.keys is None:
            return self._runs
        chosen = reduce(or_, map(self._by_key.__getitem__, present.keys), self._always)
        chosen &= possible
        # The mask's binary digits, lowest first, select the signals.
        return compress(self._runs, map("1".__eq__, reversed(bin(chosen))))
