"""Which of the PII recognisers' overlapping spans the guard keeps.

Each candidate is a tuple that sorts the surer first (type priority, score, length, order
found); of overlapping spans the surest is kept::

    resolve_overlaps([(-1, -0.6, -5, 0, 0, 5, "a"), (-3, -0.9, -3, 1, 2, 5, "b")])
    # [(-3, -0.9, -3, 1, 2, 5, 'b')]
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import count
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


Span = tuple[int, int, float]  # start, end, score: what a recogniser finds
# A span in text order: its start, the order it was found in, the span, its type.
Item = tuple[int, int, Span, str]


def kept_spans(spans: list[Span], kinds: list[str], priority: dict[str, int]) -> list[Item]:
    """The spans ``resolve_overlaps`` keeps, in its order, for the candidates
    ``(-priority, -score, start - end, i, start, end, kinds[i])`` of ``spans[i]``: a
    candidate is made only for the few spans that overlap another.

    The items (start, i, span, type) are made and sorted in C (sorted as they stand:
    by start, then in the order found, as ``resolve_overlaps`` sorts); a span apart from
    those before it is kept as it is, and a group of two keeps the surer without a sort."""
    items = sorted(zip(map(_FIRST, spans), count(), spans, kinds))
    kept: list[Item] = []
    group: list[Item] | None = None  # the items of the current group, once it holds two
    reach = -1
    for item in items:
        start, end = item[0], item[2][1]
        if start >= end:  # an empty span: groups of overlaps would not hold for it
            return _choose_all(items, priority)
        if start < reach:
            if group is None:
                group = [kept.pop(), item]
            else:
                group.append(item)
        else:
            if group is not None:
                kept += _choose_items(group, priority)
                group = None
            kept.append(item)
        if end > reach:
            reach = end
    if group is not None:
        kept += _choose_items(group, priority)
    return kept


_FIRST = itemgetter(0)


def _choose_items(group: list[Item], priority: dict[str, int]) -> list[Item]:
    """``_choose`` for a group of overlaps: of two, the surer (they overlap each other)."""
    if len(group) == 2:
        a, b = group
        return [a] if _sureness(a, priority) < _sureness(b, priority) else [b]
    return _choose_all(group, priority)


def _choose_all(items: list[Item], priority: dict[str, int]) -> list[Item]:
    """``_choose`` for items (a group of overlaps, or all items when one span is empty)."""
    by_order = {item[1]: item for item in items}
    found = [(*_sureness(item, priority), item[0], item[2][1], item[3]) for item in items]
    return [by_order[c[3]] for c in _choose(found)]


def _sureness(item: Item, priority: dict[str, int]) -> tuple[int, float, int, int]:
    start, order, (_, end, score), kind = item
    return -priority.get(kind, 0), -score, start - end, order
