"""What the sentence score weighs besides cover (``part.FEATURES`` after "cover", in order):
each a function of the part and one candidate sentence."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from stanchion.knowledge.text import terms
from stanchion.providers.local.concepts import found
from stanchion.providers.local.intent import bound_times
from stanchion.providers.local.ranges import in_range

if TYPE_CHECKING:
    from stanchion.providers.local.part import Candidate, Part
    from stanchion.providers.local.sentences import Sentence


def holds_kind(part: Part, s: Sentence) -> bool:
    """Does the sentence hold the kind asked, for what the part asks? Not a duration that
    only qualifies a thing the part does not name ("a 3-year warranty" for "how long until
    it learns my schedule")."""
    asked = part.intent.kind
    if asked not in s.kinds:
        return False
    if asked != "duration":
        return True
    nouns = bound_times(s.text)
    return nouns is None or not nouns.isdisjoint(part.wanted)


def kind(part: Part, c: Candidate) -> float:
    return (0.5 if part.intent.lent else 1.0) * holds_kind(part, c[1])


def without(part: Part, c: Candidate) -> float:
    return float(part.intent.without and bool({"without", "onli"} & c[1].terms))


def condition(part: Part, c: Candidate) -> float:
    """A yes/no question turns on a condition; so does a problem to fix ("the light isn't
    white, what do I do": "If a device shows offline, check that...")."""
    intent = part.intent
    asks = intent.yes_no or intent.supposes or (intent.steps and intent.negated)
    return float(asks and c[1].conditional and not intent.lent)


def target(part: Part, c: Candidate) -> float:
    return float(bool(part.target) and not part.target.isdisjoint(c[1].counted))


def unasked_negation(part: Part, c: Candidate) -> float:
    """'what is covered' wants the coverage, not the exclusions."""
    return float(c[1].negated and not part.intent.negated and not part.intent.yes_no)


def cell(part: Part, s: Sentence) -> bool:
    """Is the sentence the table row the part names, read in a column it asks for ("is
    the central library open on sunday": "Branch: Central Library; ...; Sunday: 13:00 to
    17:00")? Not the first column's name: "Branch" of "Branch: ..." says what a row is. A
    column is read in the named row too when the row's name shares its word ("Central
    Library, Community Room" under "Community rate"): else every other row gets the bonus
    the named one is denied."""
    columns = s.labels.difference(terms(s.text.split(":", 1)[0]))
    column = any(found(part.wanted[t], columns) for t in part.asked)
    return column and any(found(part.wanted[t], s.lead) for t in part.wanted)


_CITED = re.compile(r"\*([^*]{3,80})\*")


def refers(part: Part, s: Sentence) -> bool:
    """Does the sentence send the reader to a page by its title, in italics, when that page
    was handed over too ("reset it as described in *Your account and PIN*"): the page says
    it, the pointer does not."""
    return any(m.group(1).strip().lower() in part.handed for m in _CITED.finditer(s.text))


# FEATURES after "cover", in order
FEATURE_FNS: tuple[Callable[[Part, Candidate], float], ...] = (
    kind,
    without,
    condition,
    target,
    lambda part, c: part.lead(c[1]),
    lambda part, c: float(c[0] in part.demoted),
    unasked_negation,
    lambda part, c: float(part.repeats(c[1])),  # a follow-up rarely wants what it just got
    lambda part, c: len(c[1].text) / 100,
    lambda part, c: part.cover_asked(c[1]),
    lambda part, c: 1 / (1 + c[0]),
    lambda part, c: float(bool(part.names) and part.other_subject(c[1])),
    lambda part, c: in_range(part.amounts, c[1].ranges),
)
