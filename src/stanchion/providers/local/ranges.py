"""The ranges a sentence states ("from 100 to 160 Wh", "up to 8 kg", "over 32 kg") and
whether the amount a question gives falls in them, so that the table row for the asked
amount is chosen, not the first row ("my bag weighs 27 kg": the row "over 23 kg and up to
32 kg"; "my power bank is 130 Wh": "from 100 to 160 Wh").

>>> in_range(amounts("it weighs 27 kg"), stated_ranges("Bags from 23 to 32 kg pay a fee."))
1.0
>>> in_range(amounts("it weighs 27 kg"), stated_ranges("Bags up to 23 kg are free."))
-1.0

Every pattern starts at a word boundary and bounds its digit runs, so a long run of digits
is read in linear time.
"""

from __future__ import annotations

import math
import re

_NUMBER = r"(\d{1,9}(?:,\d{3}){0,3}(?:\.\d{1,4})?)"
_UNIT = r"([a-z%\u00b0]{1,12})\b"
# "130 Wh", "27kg": an amount the question gives, in a unit
_AMOUNT = re.compile(rf"(?<![\w.,]){_NUMBER}\s?{_UNIT}", re.I)
# "from 100 to 160 Wh", "100-160 Wh", "between 5 and 10 kg"
_BETWEEN = re.compile(
    rf"(?<![\w.,]){_NUMBER}\s?(?:{_UNIT}\s?)?(?:to|and|-|\u2013)\s?{_NUMBER}\s?{_UNIT}", re.I
)
_BELOW = r"up to|under|less than|below|at most|max(?:imum)?|no more than|not more than"
_ABOVE = r"over|more than|above|at least|min(?:imum)?|from|beyond|exceeding"
_CURRENCY = r"(?:[$\u20ac\u00a3]\s?)?"
_BOUND = re.compile(rf"\b({_BELOW}|{_ABOVE})\s{_CURRENCY}{_NUMBER}\s?{_UNIT}", re.I)
_MEASURED = re.compile(r"\d\s?[a-z%\u00b0]", re.I)
_IS_BELOW = re.compile(rf"^(?:{_BELOW})$", re.I)
# units that are words of a sentence, not of a measure ("3 to 5 business days" is a range in
# days; "2 to the" is no range)
_NOT_UNIT_WORDS = "to and or the a an of in on at for per"
_NOT_UNITS = frozenset(_NOT_UNIT_WORDS.split())

Range = tuple[float, float, str]


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def amounts(question: str) -> tuple[tuple[float, str], ...]:
    """The amounts a question gives, each with its unit ("130 Wh" -> (130.0, "wh"))."""
    return tuple(
        (_num(m.group(1)), m.group(2).lower())
        for m in _AMOUNT.finditer(question)
        if m.group(2).lower() not in _NOT_UNITS
    )


def stated_ranges(sentence: str) -> tuple[Range, ...]:
    """The ranges a sentence states, each (low, high, unit); open ends are infinite."""
    if not _MEASURED.search(sentence):  # most sentences state no amount in a unit
        return ()
    out: list[Range] = []
    for m in _BETWEEN.finditer(sentence):
        unit = m.group(4).lower()
        if unit not in _NOT_UNITS:
            out.append((_num(m.group(1)), _num(m.group(3)), unit))
    for m in _BOUND.finditer(sentence):
        unit = m.group(3).lower()
        if unit in _NOT_UNITS:
            continue
        value = _num(m.group(2))
        below = bool(_IS_BELOW.match(m.group(1)))
        out.append((-math.inf, value, unit) if below else (value, math.inf, unit))
    return tuple(_joined(out))


def _joined(ranges: list[Range]) -> list[Range]:
    """ "over 23 kg and up to 32 kg" is one range, 23 to 32 kg, when a sentence states one
    lower and one upper bound in a unit."""
    out = []
    for unit in dict.fromkeys(u for _, _, u in ranges):
        mine = [r for r in ranges if r[2] == unit]
        lows = [lo for lo, hi, _ in mine if hi == math.inf]
        highs = [hi for lo, hi, _ in mine if lo == -math.inf]
        if len(lows) == 1 and len(highs) == 1 and lows[0] < highs[0]:
            mine = [r for r in mine if math.inf not in r[:2] and -math.inf not in r[:2]]
            mine.append((lows[0], highs[0], unit))
        out.extend(mine)
    return out


def in_range(given: tuple[tuple[float, str], ...], ranges: tuple[Range, ...]) -> float:
    """1 when an amount given falls in a range the sentence states in the same unit, -1 when
    the sentence states ranges in that unit and none holds it, else 0."""
    verdict = 0.0
    for value, unit in given:
        same = [(lo, hi) for lo, hi, u in ranges if u == unit]
        if not same:
            continue
        if any(lo <= value <= hi for lo, hi in same):
            return 1.0
        verdict = -1.0
    return verdict
