"""What a sentence states by the form of its figures, not by its words (read by the gate).

Help centres state hours, prices and limits in tables and lists whose cells hold only the
figure: "Saturday: 10:00 to 17:00", "Businesses: $90 per hour", "up to 45 kg". A question
asks in words ("what time does it CLOSE on Saturdays", "the business RATE for the
auditorium", "the crate weight LIMIT") that such a row never writes, though it answers
them: a range of clock times is when a place opens and closes (shuts), its hours; an amount
of money is a price, a cost, a fee, a rate (not a "charge", which is a battery's as often);
a figure "up to", "at most" or "maximum" is a limit, one "at least", "a minimum of" or "or
more" a minimum; a figure "long", "wide", "high", "deep" or "old" a length, width, height,
depth or age. So a sentence holding such a figure
holds those words as well, for the answerability evidence only: the index, retrieval, the
responder and the table-row veto read the text as written (a desk's opening hours in a row
are no check-in desk's opening).

A clock time is written with minutes ("9:30") or with am / pm ("9am", "5 p.m."); a bare
count ("2 to 4 weeks") is none. An amount of money is a currency sign or code beside a
number ("$5", "£2.50", "25 USD").

>>> sorted(stated("Saturday: 10:00 to 17:00."))
['close', 'hour', 'open', 'shut']
>>> sorted(stated("Businesses: $90 per hour."))
['cost', 'fee', 'hour', 'price', 'rate']
>>> sorted(stated("The pet and its crate may weigh up to 30 kg."))
['allow', 'biggest', 'heaviest', 'highest', 'largest', 'limit', 'longest', 'max', 'maximum']
>>> sorted(stated("Passwords must be at least 10 characters long."))
['least', 'length', 'lowest', 'min', 'minimum', 'shortest', 'smallest', 'youngest']
>>> stated("Allow 2 to 4 weeks for delivery.")
frozenset()

A figure per period states the period's adjective, and a count per period (not money) an
allowance: "Requests per day: 10,000" is the daily request allowance. A span of time done
within or taken, in a table row, is its time ("First response: within 1 hour"). Saturday and
Sunday named together are the weekend, Monday to Friday the weekdays (no figure needed).

>>> sorted(stated("Plan: Team; Requests per day: 10,000."))
['allowanc', 'daily', 'quota']

A noun made of a verb states the verb too: "Renewals: 3" says how often one can renew
(``derivation.verb_of``; "signal", "rental" and "personal" are no such nouns).

>>> sorted(derived_verbs("Item: DVDs; Renewals: 2; Approval: needed."))
['approv', 'renew']
"""

from __future__ import annotations

import re
from functools import lru_cache

from stanchion.knowledge.derivation import verb_of
from stanchion.knowledge.text import PENCE, WORD, normalize_word, stem, terms

_CLOCK = r"\d{1,2}(?::[0-5]\d\s*(?:[ap]\.?m\.?)?|\s*[ap]\.?m\.?)"
HOURS = re.compile(
    rf"(?<![\d:]){_CLOCK}\s*(?:to|-|–|—|until|till)\s*{_CLOCK}(?![\d:])",
    re.I,
)
MONEY = re.compile(
    r"[$£€]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|cad|aud|dollars?|euros?|pounds)\b|"
    rf"{PENCE}",
    re.I,
)
LIMIT = re.compile(
    r"\b(?:up\s+to|at\s+most|no\s+more\s+than|not\s+more\s+than|maximum(?:\s+of)?|max\.?)"
    r"\s+[$£€]?\d|\d\s*(?:[a-z]+\s+)?(?:maximum|max)\b",
    re.I,
)
# a floor: "at least 10 characters", "a minimum of 5 users", "18 or over", "5 or more"
FLOOR = re.compile(
    r"\b(?:at\s+least|minimum(?:\s+of)?|min\.?|no\s+(?:less|fewer)\s+than|"
    r"not\s+(?:less|fewer)\s+than)\s+[$£€]?\d|\d\s*(?:[a-z]+\s+)?(?:minimum|min)\b|"
    r"\d\s*(?:[a-z]+\s+)?or\s+(?:more|over|above|older)\b",
    re.I,
)
# a measure by its adjective: "16 hours long" states a length, "2 m wide" a width
MEASURE = re.compile(r"\d[\d.,]*\s*(?:[a-z]+\s+)?(long|wide|tall|high|deep|old)\b", re.I)
MEASURE_TERMS = {
    "long": frozenset(terms("length")),
    "wide": frozenset(terms("width")),
    "tall": frozenset(terms("height")),
    "high": frozenset(terms("height")),
    "deep": frozenset(terms("depth")),
    "old": frozenset(terms("age")),
}
# "per day" states "daily": "Requests per day: 100,000" is the daily request allowance; a
# count per period (not money) is an allowance, a quota. (A minute has no adjective: it is
# read only as a period a table's columns count by, ``table_rows.header_periods``.)
PER_PERIOD = re.compile(
    r"\b(?:per|a|an|each|every)\s+(minute|hour|day|night|week|month|year)\b", re.I
)
PERIOD_TERMS = {
    "hour": frozenset(terms("hourly")),
    "day": frozenset(terms("daily")),
    "night": frozenset(terms("nightly")),
    "week": frozenset(terms("weekly")),
    "month": frozenset(terms("monthly")),
    "year": frozenset(terms("yearly annual annually")),
}
QUOTA_TERMS = frozenset(terms("allowance quota"))
# a span of time something is done within or takes, in a table row, is its time: "First
# response: within 1 hour" is the response time. In prose it is as often a deadline
# ("return it within 3 months of payment" is no time of paying) and "6 weeks overdue" none.
CELLS = re.compile(r"^[^:;\n]{1,60}: [^;\n]*(?:; [^:;\n]{1,60}: [^;\n]*)+$")  # tables.readable's
DURATION = re.compile(
    r"\b(?:within|takes?|taking)\s+(?:about\s+|around\s+|up\s+to\s+)?\d+(?:\.\d+)?\s*"
    r"(?:to\s+\d+\s*)?(?:business\s+|working\s+)?(?:minute|hour|day|week|month)s?\b",
    re.I,
)
TIME_TERMS = frozenset(terms("time"))
# days named for what they make: "Saturday and Sunday" is the weekend
WEEKEND = re.compile(r"\bsaturdays?\s*(?:and|to|&|-|–|or)\s*sundays?\b", re.I)
WEEKDAYS = re.compile(r"\bmondays?\s*(?:to|-|–|through|until|till)\s*fridays?\b", re.I)
HOURS_TERMS = frozenset(terms("open close shut hours"))
# "up to 10 users" is what is allowed; "at most 16 hours" the longest, "up to 25 MB" the biggest
LIMIT_TERMS = frozenset(terms("limit maximum max allow longest biggest largest highest heaviest"))
FLOOR_TERMS = frozenset(terms("minimum min least shortest smallest lowest youngest"))
MONEY_TERMS = frozenset(terms("price cost fee rate"))


@lru_cache(maxsize=16384)
def stated(sentence: str) -> frozenset[str]:
    """The terms ``sentence`` states by its figures' form (see the module), else none."""
    found = derived_verbs(sentence) | named_days(sentence)
    if not any(ch.isdigit() for ch in sentence):
        return found  # most sentences: one scan
    found |= per_period(sentence)
    if DURATION.search(sentence) and CELLS.match(sentence.strip().rstrip(".")):
        found |= TIME_TERMS
    if HOURS.search(sentence):
        found |= HOURS_TERMS
    if MONEY.search(sentence):
        found |= MONEY_TERMS
    if LIMIT.search(sentence):
        found |= LIMIT_TERMS
    if FLOOR.search(sentence):
        found |= FLOOR_TERMS
    for m in MEASURE.finditer(sentence):
        found |= MEASURE_TERMS[m.group(1).lower()]
    return found


@lru_cache(maxsize=16384)
def derived_verbs(sentence: str) -> frozenset[str]:
    """The stems of the verbs the sentence's "-al" nouns are made of ("renewals": renew)."""
    found = set()
    for m in WORD.finditer(sentence):
        word = normalize_word(m.group())
        if len(word) > 4 and word.endswith(("al", "als")):
            verb = verb_of(word.removesuffix("s"))
            if verb is not None:
                found.add(stem(verb))
    return frozenset(found)


@lru_cache(maxsize=16384)
def per_period(sentence: str) -> frozenset[str]:
    """What a figure per period states: "Requests per day: 100,000" the daily allowance (a
    count per period, not money, is an allowance, a quota); read by the table-row veto too,
    since they name the row's column, not a neighbour's fact."""
    if not any(ch.isdigit() for ch in sentence):
        return frozenset()
    said = (m.group(1).lower() for m in PER_PERIOD.finditer(sentence))
    periods = {p for p in said if p in PERIOD_TERMS}
    found = frozenset().union(*(PERIOD_TERMS[p] for p in periods))
    return found | QUOTA_TERMS if periods and not MONEY.search(sentence) else found


@lru_cache(maxsize=16384)
def named_days(sentence: str) -> frozenset[str]:
    """ "weekend" for a sentence naming Saturday and Sunday, "weekday" for Monday to Friday
    (read by the table-row veto too: a row keyed "Activity Room (Saturday and Sunday)" is
    the weekend's)."""
    if "day" not in sentence.lower():
        return frozenset()
    found: set[str] = set()
    if WEEKEND.search(sentence):  # a corpus that never writes it parses it "week end"
        found.update(terms("weekend weekends week end"))
    if WEEKDAYS.search(sentence):
        found.update(terms("weekday weekdays week day"))
    return frozenset(found)
