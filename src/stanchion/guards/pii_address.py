"""A whole postal address: the street line and the lines after it, as one span.

``AddressRecogniser`` (``pii_names``) finds street lines; people write the rest of an address
after them on further lines or after commas: unit, town, region code, country, postal code.
``extend_address`` walks those segments while each looks like a part of an address, and
``HouseNumberLine`` adds the "number, street name, number" lines of European addresses::

    text = "send it to 6750 Koskikatu 25 Apt. 864, Artilleros, CO, Uruguay 64677 please"
    text[10:extend_address(text, 33)]
    # '6750 Koskikatu 25 Apt. 864, Artilleros, CO, Uruguay 64677'
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stanchion.guards.numbers import SPACES, runs_before
from stanchion.guards.pii_lexicon import places

Match = tuple[int, int, float]

_SEPARATOR = re.compile(r"[ \t]*(?:[,|\n>][ \t]*)+|[ \t]+")
_SEGMENT = re.compile(
    r"(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?|Box)\s*#?\s*\d+[A-Z]?"
    r"|\d{3,6}(?:[- ]\d{2,4})?(?![\w]|[ .-]?\(?\d)"
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"
    r"|[A-Z]{2}(?![\w])|nan(?![\w])"
    r"|[^\W\d_][\w'’.()-]*(?:[ ][^\W\d_(][\w'’.()-]*){0,3}",
    re.IGNORECASE,
)
_LINE = frozenset("\n|>")
MAX_SEGMENTS = 8


def _address_part(segment: str, separator: str) -> bool:
    """A unit, a code, a postal code, a known place, an ALL-CAPS line, or a capitalised
    line between line breaks."""
    if segment[0].isdigit() or segment.lower() == "nan":
        return True
    head = segment.split(" ")[0].rstrip(".").lower()
    if head in ("apt", "apartment", "suite", "ste", "unit", "flat", "floor", "fl", "box"):
        return True
    if len(segment) == 2:
        return segment.isupper()
    words = segment.split(" ")
    if not all(w[:1].isupper() or w[:1] == "(" for w in words):
        return False
    lower = segment.lower()
    return (
        lower in places()
        or lower.split(" (")[0] in places()
        or segment.isupper()
        or any(c in _LINE for c in separator)
    )


_LEADING_NUMBER = re.compile(r"\d{1,6}[ ]$")


def widen_start(text: str, start: int) -> int:
    """Take in a number just before the street line ("935 69 Gordon Terrace")."""
    m = _LEADING_NUMBER.search(text, max(0, start - 8), start)
    return (
        m.start()
        if m is not None and (not m.start() or not text[m.start() - 1].isalnum())
        else start
    )


def extend_address(text: str, end: int) -> int:
    """The end of the address whose street line ends at ``end``."""
    for _ in range(MAX_SEGMENTS):
        sep = _SEPARATOR.match(text, end)
        if sep is None:
            break
        seg = _SEGMENT.match(text, sep.end())
        if seg is None or not _address_part(seg.group(0), sep.group(0)):
            break
        end = seg.end()
    return end


# "6750 Koskikatu 25", "233 Erzsébet tér 19.": a house number, a capitalised street name and
# the number in the street; the first number is part of the address as the generator writes it.
_HOUSE_LINE = re.compile(
    r"\d{1,6}\s+[A-ZÀ-Þ][\w'’.-]*\s+(?:(?:[A-ZÀ-Þ][\w'’.-]*|[a-zß-ÿ]{1,4}\.?)\s+){0,3}"
    r"\d{1,5}[a-zA-Z]?\b\.?"
)


_DIGITS = re.compile(r"\d+")
_MONTH_WORDS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())  # noqa: SIM905


def _may_name_street(text: str, run_end: int, size: int) -> bool:
    """Whether a house line can start in the number run that ends at ``run_end``: its
    number's digits end the run's last group, and only white space stands between them
    and the street's capital letter; the only white space inside a run is a space, and a
    capital letter is no run character. So after the run comes white space, or a capital
    letter after a space that ends the run (most runs of a table or listing: neither)."""
    if run_end >= size:
        return False
    after = text[run_end]
    return after.isspace() or (
        text[run_end - 1] == " " and ("A" <= after <= "Z" or "\u00c0" <= after <= "\u00de")
    )


# What ``_may_name_street`` needs just after a run (the runs after which none stands are
# skipped at C speed; the others are looked at by it).
_MAY_FOLLOW = SPACES | frozenset(map(chr, [*range(ord("A"), ord("Z") + 1), *range(0xC0, 0xDF)]))


class HouseNumberLine:
    type = "pii.address"

    def find(self, text: str) -> Iterator[Match]:
        # A line starts at a number run (shared with the other recognisers of the scan).
        cursor = 0
        size = len(text)
        for run_start, run_end in runs_before(text, _MAY_FOLLOW):
            if not _may_name_street(text, run_end, size):
                continue
            m = None
            for group in _DIGITS.finditer(text, run_start, run_end):
                start = group.start()
                if start >= cursor and not (start and text[start - 1].isalnum()):
                    m = _HOUSE_LINE.match(text, start)
                    if m is not None:
                        break
            if m is None:
                continue
            if _MONTH_WORDS & {w.rstrip(".,").lower()[:3] for w in m.group(0).split()[1:-1]}:
                continue  # "4 March 2021" is a date
            cursor = m.end()
            yield widen_start(text, m.start()), extend_address(text, m.end()), 0.75
