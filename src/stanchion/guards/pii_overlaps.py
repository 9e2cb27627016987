"""Which of the PII recognisers' overlapping spans the guard keeps.

Each candidate is a tuple that sorts the surer first (type priority, score, length, order
found); of overlapping spans the surest is kept::

    resolve_overlaps([(-1, -0.6, -5, 0, 0, 5, "a"), (-3, -0.9, -3, 1, 2, 5, "b")])
    # [(-3, -0.9, -3, 1, 2, 5, 'b')]
"""

from __future__ import annotations

from bisect import bisect_right
from operator import itemgetter

# (-priority, -score, start - end, order found, start, end, type): sorted as they stand,
# the surer type first, then the higher score, then the longer span, then the first found.
Candidate = tuple[int, float, int, int, int, int, str]


def resolve_overlaps(found: list[Candidate]) -> list[Candidate]:
    """Of overlapping spans keep the surer type, then the higher score, then the longer span
    (Finding objects are made only for the spans kept).

    The choice is made group by group: spans in text order, each group those that overlap
    the group's spans before them. A span overlaps no span of another group, so whatever
    one group keeps does not change what another keeps; a group of one span keeps it."""
    kept: list[Candidate] = []
    group: list[Candidate] = []
    reach = -1
    for candidate in sorted(found, key=_START):
        start, end = candidate[4], candidate[5]
        if start >= end:  # an empty span: groups of overlaps would not hold for it
            return _choose(found)
        if start >= reach:
            kept += group if len(group) < 2 else _choose(group)
            group = [candidate]
        else:
            group.append(candidate)
        reach = max(reach, end)
    kept += group if len(group) < 2 else _choose(group)
    return kept


_START = itemgetter(4)


def _choose(found: list[Candidate]) -> list[Candidate]:
    """``resolve_overlaps`` by choosing span after span, the surest first, for all at once."""
    kept: list[Candidate] = []
    starts: list[int] = []  # of ``kept``, which never overlap, in text order
    ends: list[int] = []
    for candidate in sorted(found):
        start, end = candidate[4], candidate[5]
        i = bisect_right(starts, start)
        if (i and ends[i - 1] > start) or (i < len(kept) and starts[i] < end):
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        kept.insert(i, candidate)
    return kept
