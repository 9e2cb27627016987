"""Where a chosen sentence sits in its section, and what comes with it for that: the rest
of a procedure's steps, the list a list item belongs to, the sentence a pronoun leans on,
what holds when a yes/no answer's condition is not met, the next step of a follow-up, and
the instruction that answers a situation told rather than asked."""

from __future__ import annotations

import re

from stanchion.providers.local.asking import asks, focus, split_context
from stanchion.providers.local.part import (
    FEATURES,
    WEIGHTS,
    Candidate,
    Part,
)

EXTRA, STEPS_MAX = 2, 4
LIST_MAX = 8  # the most items a lead-in brings
REPEATED_WEIGHT = -WEIGHTS[FEATURES.index("repeated")]
# A sentence whose subject is a pronoun, after a subordinator or not ("If it lasts longer...")
_PRONOUN = re.compile(
    r"^(?:(?:If|When|Once|Unless|While|After|Before|Until)\s+)?"
    r"(?:It|They|This|These|That|Those|He|She)\b",
    re.I,
)


_FIRST_STEP = re.compile(r"^1[.)]\s")


def steps_of(best: Candidate, candidates: list[Candidate]) -> list[Candidate]:
    """The best sentence's section from the best sentence on, in order; a short section
    whole (what it says before the best sentence is who may do it: "Account holders who
    hold a card receive... Apply once with a copy of the card")."""
    i, s = best
    same = [c for c in candidates if c[0] == i and c[1].section == s.section]
    if len(same) <= STEPS_MAX:
        return same
    # a sentence inside numbered steps: the steps from the first ("2. Enter your card
    # number. We send a reset link..." is answered from "1. On the sign-in page...")
    first = next((c[1].position for c in same if _FIRST_STEP.match(c[1].text)), None)
    start = first if first is not None and first < s.position else s.position
    return [c for c in same if c[1].position >= start][:STEPS_MAX]


def continued(
    part: Part, ranked: list[tuple[float, Candidate]], candidates: list[Candidate]
) -> list[Candidate]:
    """When the sentence that best answers a follow-up is one the assistant said already,
    the sentences that come after it in its section (the next step), else nothing."""
    if not part.said:
        return []
    alternative = _instead(part, candidates) if part.intent.alternative else []
    if alternative:
        return alternative
    best_score = ranked[0][0]
    for score, (i, s) in ranked:
        if score + REPEATED_WEIGHT < best_score:
            break
        if not part.repeats(s):
            continue
        after = [
            c
            for c in candidates
            if c[0] == i and c[1].section == s.section and c[1].position > s.position
        ]
        fresh = [c for c in after if not part.repeats(c[1])][:EXTRA]
        if fresh:
            return fresh
    return []


def _instead(part: Part, candidates: list[Candidate]) -> list[Candidate]:
    """What a follow-up asking for an alternative ("can I have it back in cash instead")
    gets: the sentences after the one the assistant said, in its section, that speak to
    the part and hold the kind it asks for ("...the credit stays on your account. You can
    ask for a credit over $20 to be refunded to your bank account.")."""
    kind = part.intent.kind
    for i, s in candidates:
        if not part.repeats(s):
            continue
        fresh = [
            c
            for c in candidates
            if c[0] == i
            and c[1].section == s.section
            and c[1].position > s.position
            and not part.repeats(c[1])
            and part.cover(c[1]) > 0
            and (kind is None or kind in c[1].kinds)
        ]
        if fresh:
            return fresh[:EXTRA]
    return []


_OTHERWISE = re.compile(r"^(?:After|Once|Otherwise|If not|Unless|Before|Past|Beyond|Outside)\b")
_PERMITS = re.compile(r"\b(?:can|may|are able to|is able to|allowed)\b", re.I)


def otherwise(
    part: Part, best: Candidate, candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """A yes/no answer's condition brings the sentence after it that says what holds when
    the condition is not met ("...can be changed until the order ships. After shipping,
    contact the carrier.")."""
    i, s = best
    if not part.intent.yes_no:
        return []
    after = next((c for c in candidates if c[0] == i and c[1].position == s.position + 1), None)
    ok = after is not None and after not in chosen and after[1].section == s.section
    if not ok or after is None:
        return []
    otherwise = s.conditional and _OTHERWISE.match(after[1].text)
    how = _PERMITS.search(s.text) and after[1].instruction
    return [after] if otherwise or how else []


# what to do told as a duty rather than by an imperative ("Within 24 hours, employees MUST
# ASK their Manager", "you SHOULD CONTACT us"): a duty to act, not a state ("must be")
_TELLS_TO = re.compile(
    r"\b(?:must|should|needs? to|ha(?:ve|s) to)\s+(?!be\b|not\b|have\b)[a-z]+", re.I
)


def what_to_do(
    question: str, best: Candidate, candidates: list[Candidate], chosen: list[Candidate]
) -> list[Candidate]:
    """A message that tells a situation and asks nothing ("I have two tickets on two
    airlines.") asks what to do in it: the instruction that follows the sentence that
    matches the situation, in its section and at most EXTRA sentences on ("...on separate
    tickets with our partners. Show both tickets at check-in.")."""
    if asks(focus(split_context(question)[0])[0]):
        return []
    i, s = best
    after = (
        c
        for c in candidates
        if c[0] == i
        and c[1].section == s.section
        and s.position < c[1].position <= s.position + EXTRA
    )
    step = next((c for c in after if c[1].instruction or _TELLS_TO.search(c[1].text)), None)
    return [step] if step is not None and step not in chosen else []


ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s")


def with_list(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """A list item brings the items next to it ("- Tuesday and Thursday: 10 am to 4 pm",
    "- Other days: closed"): a short list answers as a whole, up to STEPS_MAX items."""
    i, best = chosen[0]
    if not ITEM.match(best.text):
        return chosen
    run = [c for c in candidates if c[0] == i and c[1].section == best.section]
    run.sort(key=lambda c: c[1].position)
    at = next(k for k, c in enumerate(run) if c[1] is best)
    lo = hi = at
    while (
        lo > 0
        and ITEM.match(run[lo - 1][1].text)
        and run[lo - 1][1].position == run[lo][1].position - 1
    ):
        lo -= 1
    while (
        hi + 1 < len(run)
        and ITEM.match(run[hi + 1][1].text)
        and run[hi + 1][1].position == run[hi][1].position + 1
    ):
        hi += 1
    if hi - lo + 1 > STEPS_MAX:
        return chosen
    return [*chosen, *(c for c in run[lo : hi + 1] if c not in chosen)]


_ROW_LIKE = re.compile(r"^[^:;]{1,40}: [^;]*; [^:;]{1,40}: ")


def with_named_row(
    part: Part, chosen: list[Candidate], candidates: list[Candidate]
) -> list[Candidate]:
    """A sentence that introduces a table ("You can share your data by tethering on every
    plan." over a table of allowances by plan) brings the rows right after it that the part
    names by their first value ("my UNLIMITED data": the row "Tidewell Unlimited"), at most
    EXTRA of them: the sentence says what the table is, the row what holds for the asker."""
    i, best = chosen[0]
    if best.labels or _ROW_LIKE.match(best.text):  # a row whose last cell defeats ``_row``
        return chosen
    rows = sorted(
        (c for c in candidates if c[0] == i and c[1].section == best.section),
        key=lambda c: c[1].position,
    )
    after = [c for c in rows if c[1].position > best.position]
    table: list[Candidate] = []
    for c in after:
        if not c[1].labels or c[1].position != best.position + 1 + len(table):
            break
        table.append(c)
    # by a word of its first value that not every row's first value holds ("Day pass",
    # "Season pass": "season", not "pass")
    shared = frozenset.intersection(*(part.hits(c[1])[2] for c in table)) if table else None
    named = [c for c in table if part.hits(c[1])[2] - (shared or frozenset()) and c not in chosen]
    return [*chosen, *named] if 0 < len(named) <= EXTRA else chosen


def with_joined_row(
    part: Part, chosen: list[Candidate], candidates: list[Candidate]
) -> list[Candidate]:
    """A table row chosen brings the row of another table that has the same first value
    and holds what the part asks that the chosen sentences leave out: two tables keyed
    alike are one table ("Zone 1: included (Roam Free)" and "Zone 1: ..., Switzerland, ..."
    for "is Switzerland included in Roam Free")."""
    _, best = chosen[0]
    if not best.labels:
        return chosen
    seen = frozenset().union(*(part.hits(s)[0] for _, s in chosen))
    for c in candidates:
        s = c[1]
        if not s.labels or s.labels == best.labels or s.lead != best.lead or c in chosen:
            continue
        if part.hits(s)[0] & part.asked - seen:
            return [*chosen, c]
    return chosen


TIED_ROWS = 3  # the most rows of one table a part cannot tell apart that are given together
TIED = 0.95  # of the chosen row's score: a row the part's figures pick (``ranges``) stands out


def with_tied_rows(
    part: Part, chosen: list[Candidate], candidates: list[Candidate]
) -> list[Candidate]:
    """A table row chosen brings the other rows of its table that hold just the same of the
    part's concepts, when there are at most TIED_ROWS of them: the message tells them apart
    by nothing ("how much to replace a lost card" against an adult and a junior row), so no
    one row is its answer; "an A4 copy" names its row's first value and takes that row only.
    A longer table is left to the ranking (a dozen tied rows are a list, not an answer)."""
    out = list(chosen)
    for i, s in chosen:
        if not s.labels:
            continue
        own = part.hits(s)[0]
        tied = [
            c
            for c in candidates
            if c[0] == i
            and c[1].section == s.section
            and c[1].labels == s.labels
            and c[1] is not s
            and part.hits(c[1])[0] == own
            and part.score(c) >= TIED * part.score((i, s))  # no amount of it picks one
        ]
        if len(tied) < TIED_ROWS:  # with the chosen row, at most TIED_ROWS
            out += [c for c in tied if c not in out]
    return out


def with_lead_in(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """A list and the sentence that leads into it ("Have these ready:") go together: a chosen
    lead-in brings its items (up to LIST_MAX; a lead-in alone says nothing), a chosen item
    the lead-in that says what the list is ("- medicines;" under "Always carry these in the
    cabin:") and, with it, the list's other items: "We accept: - books about the county"
    says that only those are accepted, when the next item accepts recent novels too."""
    by_place = {(c[0], c[1].position): c for c in candidates}
    out = list(chosen)
    for i, s in chosen:
        lead: Candidate | None = (i, s) if s.text.rstrip().endswith(":") else None
        if lead is None and ITEM.match(s.text):
            at = s.position - 1
            while (before := by_place.get((i, at))) is not None and ITEM.match(before[1].text):
                at -= 1
            above = by_place.get((i, at))
            if above is not None and above[1].section == s.section:
                lead = above if above[1].text.rstrip().endswith(":") else None
            if lead is not None and lead not in out:
                out.append(lead)
        if lead is not None:
            out += [c for c in _items(lead, by_place) if c not in out]
    return out


def _items(lead: Candidate, by_place: dict[tuple[int, int], Candidate]) -> list[Candidate]:
    """The list items right after a lead-in, in its section, up to LIST_MAX."""
    i, s = lead
    at, items = s.position + 1, list[Candidate]()
    while len(items) < LIST_MAX:
        nxt = by_place.get((i, at))
        if nxt is None or nxt[1].section != s.section or not ITEM.match(nxt[1].text):
            break
        items.append(nxt)
        at += 1
    return items


# a list's lead-in that names its subject by a pronoun ("You can get IT if you receive:"):
# the list says who qualifies for what the sentence before names ("Tidewell Essentials is a
# cheaper plan..."); a story matched by an item ("my mum gets Pension Credit") is answered
# by that, not by "You can get it if you receive: Pension Credit."
_REFERS = re.compile(r"\b(?:it|them|this|these|they)\b", re.I)


def _leads_by_pronoun(text: str) -> bool:
    return text.rstrip().endswith(":") and bool(_REFERS.search(text))


def with_antecedent(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """A sentence opening with a pronoun ('It does not...') brings the one before it, as a
    list's lead-in naming its subject by a pronoun does (``_leads_by_pronoun``)."""
    by_place = {(c[0], c[1].position): c for c in candidates}
    out = list(chosen)
    for i, s in chosen:
        before = by_place.get((i, s.position - 1))
        if before is None or before in out:
            continue
        if _PRONOUN.match(s.text) or (_leads_by_pronoun(s.text) and before[1].section == s.section):
            out.append(before)
    return sorted(out, key=lambda c: (c[0], c[1].position))
