"""Units and currencies a question asks its answer in ("in canadian dollars", "in feet"),
and the ones a sentence states, so that "149 USD" is not offered for "in euros".

>>> asked_unit("what does it cost in canadian dollars")
'cad'
>>> sorted(stated_units("It costs 149 USD and weighs 2 kg."))
['kg', 'usd']
"""

from __future__ import annotations

import re
from functools import lru_cache

# canonical -> the ways it is written (lower case; symbols are matched on their own)
_UNITS = {
    "usd": "usd|us dollars?|dollars?|bucks",
    "cad": "cad|canadian dollars?",
    "aud": "aud|australian dollars?",
    "eur": "eur|euros?",
    "gbp": "gbp|pounds? sterling|british pounds?|pounds",
    "jpy": "jpy|yen",
    "ft": "feet|foot|ft",
    "m": "meters?|metres?",
    "km": "kilometers?|kilometres?|km",
    "mi": "miles?",
    "in": "inches|inch",
    "cm": "centimeters?|centimetres?|cm",
    "mm": "millimeters?|millimetres?|mm",
    "kg": "kilograms?|kilos?|kg",
    "lb": "lbs?",
    "c": "celsius|centigrade",
    "f": "fahrenheit",
}
_SYMBOLS = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy", "°c": "c", "°f": "f"}
_ALTERNATION = "|".join(f"(?P<{k}>{v})" for k, v in _UNITS.items())
_STATED = re.compile(rf"\b(?:{_ALTERNATION})\b")
_ASKED = re.compile(rf"\b(?:in|into|per|how many)\s+(?:{_ALTERNATION})\b")


@lru_cache(maxsize=4096)
def asked_unit(question: str) -> str:
    """The unit the question wants its answer in, or ""."""
    m = _ASKED.search(question.lower())
    return next((k for k, v in m.groupdict().items() if v), "") if m else ""


def stated_units(sentence: str) -> frozenset[str]:
    lowered = sentence.lower()
    found = {k for m in _STATED.finditer(lowered) for k, v in m.groupdict().items() if v}
    found |= {code for sym, code in _SYMBOLS.items() if sym in lowered}
    return frozenset(found)
