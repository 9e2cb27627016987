"""Personal data: pattern recognisers with checksums, phone numbers, names and addresses.

Each recogniser finds candidate spans of one type and scores them; the guard runs the ones
the policy lists (``RECOGNISERS`` is the registry), on the normalised text, and keeps the
best-scoring of overlapping spans::

    guard = PiiGuard(PiiSpec())
    [f.type for f in guard.check("mail me at ana@example.org", None)]  # ['pii.email']
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Callable, Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Protocol

import phonenumbers

from stanchion.guards.base import Finding
from stanchion.guards.context import ContextWords
from stanchion.guards.normalize import normalize
from stanchion.guards.numbers import number_runs, number_windows
from stanchion.guards.pii_address import HouseNumberLine
from stanchion.guards.pii_dates import DateOfBirthRecogniser
from stanchion.guards.pii_entities import (
    LocationRecogniser,
    NrpRecogniser,
    OrganizationRecogniser,
    UrlRecogniser,
    ZipCodeRecogniser,
)
from stanchion.guards.pii_names import AddressRecogniser, PersonRecogniser
from stanchion.guards.pii_overlaps import kept_spans
from stanchion.guards.pii_phone import load_regions
from stanchion.guards.pii_times import AgeRecogniser, DateTimeRecogniser
from stanchion.guards.pii_titles import TitleRecogniser

if TYPE_CHECKING:
    from stanchion.guards.policy import PiiSpec
    from stanchion.pipeline.exchange import Exchange

VERSION = "1"
Match = tuple[int, int, float]


class Recogniser(Protocol):
    type: str

    def find(self, text: str) -> Iterator[Match]: ...


class RegexRecogniser:
    """A pattern, an optional validator of the matched value, a base score and context.

    ``numeric`` patterns match only characters of a number run and are scanned in those runs.
    """

    def __init__(
        self,
        type_: str,
        pattern: str,
        score: float,
        context: ContextWords | None = None,
        valid: Callable[[str], bool] | None = None,
        not_after: str = "",
        gate: str = "",
        numeric: bool = False,
        matches: Callable[[re.Pattern[str], str], Iterator[re.Match[str]]] | None = None,
    ) -> None:
        self.type = type_
        self.pattern = re.compile(pattern)
        self.score = score
        self.context = context
        self.valid = valid
        self.not_after = not_after
        self.gate = gate
        self.numeric = numeric
        self.matches = matches

    def find(self, text: str) -> Iterator[Match]:
        # Patterns start with a literal or a small class (no look-behind), so the engine skips
        # ahead; the character before is checked here and a gate skips the scan altogether.
        if self.gate and self.gate not in text:
            return
        if self.matches is not None:
            matches = self.matches(self.pattern, text)
        else:
            windows = number_windows(text) if self.numeric else [(0, len(text))]
            matches = (m for s, e in windows for m in self.pattern.finditer(text, s, e))
        for m in matches:
            if m.start() and not_after(text[m.start() - 1], self.not_after):
                continue
            if self.valid is not None and not self.valid(m.group(0)):
                continue
            score = self.score
            if self.context is not None:
                score = self.context.adjust(text, m.start(), m.end(), score)
            yield m.start(), m.end(), score


_LOCAL_PART = frozenset(string.ascii_letters + string.digits + "._%+-")
_LOCAL_FIRST = frozenset(string.ascii_letters + string.digits)


def email_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for the e-mail pattern, tried only before each "@".

    A match's local part runs from a letter or digit through local-part characters up to
    the "@" (the first character that is not one of them), and whether the domain after it
    matches does not depend on where the local part starts: so each "@" has at most one
    match, starting at the first letter or digit of the run of local-part characters before
    it (not before the end of the last match), and the pattern, which starts with a character
    class, is not tried at every letter of the text."""
    cursor = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > cursor and text[start - 1] in _LOCAL_PART:
            start -= 1
        while start < at and text[start] not in _LOCAL_FIRST:
            start += 1
        if start < at:
            m = pattern.match(text, start)
            if m is not None:
                yield m
                cursor = m.end()
        at = text.find("@", max(at + 1, cursor))


def not_after(char: str, forbidden: str) -> bool:
    """Whether ``char`` (just before a match) rules the match out: ``w`` stands for \\w."""
    return char in forbidden or ("w" in forbidden and (char.isalnum() or char == "_"))


def luhn(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CARD_PREFIX = re.compile(r"^(?:4|5[0-9]|2[2-7]|3[0-9]|6[0-9]|1800|2131)")


def valid_card(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return 12 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn(digits)


def valid_iban(value: str) -> bool:
    compact = re.sub(r"\s", "", value).upper()
    # ASCII letters and digits only: the candidate pattern ignores case, so "İ", "ſ" and the
    # Kelvin sign pass for i, s and k there, and int(c, 36) refused them (a 500).
    if not 15 <= len(compact) <= 34 or not (compact.isascii() and compact.isalnum()):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def valid_ssn(value: str) -> bool:
    """The SSA never issues area 000, 666 or 900-999, group 00 or serial 0000."""
    digits = re.sub(r"\D", "", value)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return len(set(digits)) > 1 and digits not in ("123456789",)


def valid_ip(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not (ip.version == 4 and value.count(".") != 3)


class PhoneRecogniser:
    """Candidates by a loose pattern, confirmed by ``phonenumbers`` in the app's regions."""

    type = "pii.phone"
    _candidate = re.compile(
        r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d[\d .\-()]{4,16}\d(?![\w/:]|-\d)"
    )
    _date_like = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$")

    def __init__(self, regions: list[str], extra_context: list[str]) -> None:
        self.regions = regions
        self._scores: dict[str, float] = {}
        self.context = ContextWords(
            ["phone", "call", "tel", "telephone", "mobile", "cell", "fax", "number", "reach",
             "contact", "text me", "whatsapp", "dial", "office", "home", "work", *extra_context],
            ["order", "invoice", "account", "isbn", "tracking", "serial", "id", "ref", "card",
             "credit", "iban", "license", "licence", "zip", "postal", "postcode", "apt", "suite"],
            boost=0.3,
        )  # fmt: skip
        load_regions(tuple(regions))

    def find(self, text: str) -> Iterator[Match]:
        windows = number_windows(text)
        for m in (m for s, e in windows for m in self._candidate.finditer(text, s, e)):
            if m.start() and not_after(text[m.start() - 1], "w+/.:-"):
                continue
            value = m.group(0).strip()
            digits = sum(c.isdigit() for c in value)
            if digits < 7 or digits > 15 or self._date_like.match(value):
                continue
            score = self._score(value)
            if score > 0:
                start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
                yield (
                    start,
                    start + len(value),
                    self.context.adjust(text, m.start(), m.end(), score),
                )

    def _score(self, value: str) -> float:
        # Parsing costs ~70 us a region; prose repeats its candidates (year ranges, ids).
        score = self._scores.get(value)
        if score is None:
            if len(self._scores) > 4096:
                self._scores.clear()
            score = self._scores[value] = self._parse(value)
        return score

    def _parse(self, value: str) -> float:
        regions: list[str | None] = [None] if value.startswith("+") else list(self.regions)
        best = 0.0
        for region in regions:
            try:
                number = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return 0.6
            if phonenumbers.is_possible_number(number):
                best = 0.35
        return best


class IbanRecogniser:
    """Country code, check digits, then the account; printed in groups of four or not.

    A greedy pattern also swallows the words after the IBAN ("... 6119 to"), so the candidate
    is shortened a group at a time until the mod-97 check passes.
    """

    type = "pii.iban"
    _candidate = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", re.IGNORECASE)

    def find(self, text: str) -> Iterator[Match]:
        # A match starts two letters before a digit: only where a number run begins.
        end = 0
        for run, _ in number_runs(text):
            start = run - 2
            if start < end or start < 0 or not text[start:run].isalpha():
                continue
            m = self._candidate.match(text, start)
            if m is None:
                continue
            end = m.end()
            value = m.group(0)
            while len(value) >= 15:
                if valid_iban(value):
                    yield m.start(), m.start() + len(value), 0.95
                    break
                cut = value.rfind(" ")
                value = value[:cut] if cut > 0 else value[:-1]


def _pattern_recognisers() -> dict[str, Recogniser]:
    card_ctx = ContextWords(["card", "visa", "mastercard", "amex", "credit", "debit", "pay"])
    ip_ctx = ContextWords(["ip", "address", "host", "server"], ["version", "v."], 0.15)
    ssn_ctx = ContextWords(["ssn", "social security", "social-security", "ss#", "ss #"])
    return {
        "email": RegexRecogniser(
            "pii.email",
            r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            0.95,
            not_after="w.+-",
            gate="@",
            matches=email_matches,
        ),
        "credit_card": RegexRecogniser(
            "pii.credit_card",
            r"\d(?:[ -]?\d){11,18}(?![\d-])",
            0.8,
            card_ctx,
            valid_card,
            "0123456789+-",
            numeric=True,
        ),
        "iban": IbanRecogniser(),
        "us_ssn": RegexRecogniser(
            "pii.us_ssn",
            r"\d{3}([- ]?)\d{2}\1\d{4}(?![\d-])",
            0.55,
            ssn_ctx,
            valid_ssn,
            "0123456789-",
            numeric=True,
        ),
        "ip_address": RegexRecogniser(
            "pii.ip_address",
            r"\d{1,3}(?:\.\d{1,3}){3}(?![\w.:])",
            0.8,
            ip_ctx,
            valid_ip,
            "w.:",
            numeric=True,
        ),
        "ipv6_address": RegexRecogniser(
            "pii.ip_address",
            r"[0-9A-Fa-f]{0,4}::?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,6}(?![\w.:])",
            0.8,
            ip_ctx,
            valid_ip,
            "w.:",
            gate="::",
        ),
        "date_of_birth": DateOfBirthRecogniser(),
    }


def _contextual_recognisers() -> dict[str, Recogniser]:
    """Types that are personal data by what they say about someone, not by their shape."""
    return {
        "date_time": DateTimeRecogniser(),
        "age": AgeRecogniser(),
        "location": LocationRecogniser(),
        "organization": OrganizationRecogniser(),
        "nrp": NrpRecogniser(),
        "title": TitleRecogniser(),
        "zip_code": ZipCodeRecogniser(),
        "url": UrlRecogniser(),
        "house_line": HouseNumberLine(),
    }


# A type the policy names may be served by more than one recogniser.
COMPANIONS = {
    "ip_address": ("ip_address", "ipv6_address"),
    "address": ("address", "house_line"),
}


class PiiGuard:
    """The PII detector: the recognisers the policy turned on, over the normalised text."""

    name = "pii"
    version = VERSION

    def __init__(self, spec: PiiSpec) -> None:
        available: dict[str, Recogniser] = {
            **_pattern_recognisers(),
            "phone": PhoneRecogniser(spec.regions, spec.context_words.get("phone", [])),
            "person": PersonRecogniser(),
            "address": AddressRecogniser(),
            **_contextual_recognisers(),
        }
        types = list(spec.types)
        if "all" in types:  # every type; companions come with the type they serve
            types = [t for t in available if t not in HIDDEN]
        unknown = set(types) - set(available)
        if unknown:
            raise ValueError(f"unknown PII types: {sorted(unknown)}")
        self.recognisers = [available[r] for t in types for r in COMPANIONS.get(t, (t,))]
        self.detector = f"{self.name}@{self.version}"
        self._floors: dict[str, float] = {}

    @property
    def recognisers(self) -> list[Recogniser]:
        return self._recognisers

    @recognisers.setter
    def recognisers(self, recognisers: list[Recogniser]) -> None:
        """What a scan asks of each recogniser (its bound ``find``, type and rank), asked
        once here rather than per recogniser on every scan."""
        self._recognisers = recognisers
        self._plan = [(r.find, r.type, -PRIORITY.get(r.type, 0)) for r in recognisers]

    def without(self, allowed: Callable[[str], bool]) -> None:
        """Drop the recognisers whose findings the policy would allow anyway."""
        self.recognisers = [r for r in self.recognisers if not allowed(r.type)]

    def keep_above(self, threshold: Callable[[str], float]) -> None:
        """Make no Finding scored under its type's threshold: the engine drops them. Of the
        overlaps, the surest span is kept first (``kept_spans``), so a span can only crowd
        out spans of its priority or lower and of its score or lower: a recogniser with a
        ``floor`` skips the spans under every such type's threshold (a prose text gives ~20
        names under 0.5, all of which the engine dropped)."""
        floors = self._floors = {r.type: threshold(r.type) for r in self.recognisers}
        for r in self.recognisers:
            if hasattr(r, "floor"):
                rank = PRIORITY.get(r.type, 0)
                r.floor = min(f for t, f in floors.items() if PRIORITY.get(t, 0) <= rank)

    def check(self, text: str, exchange: Exchange | None) -> list[Finding]:
        # The spans and their types in two lists; the choice among overlaps makes candidates
        # only for the few spans that overlap, and a Finding only for each span kept (~140,000
        # instructions a 2 KB prose text). ``list += generator`` sizes the list up and back
        # down for each recogniser, most of which find nothing: appended one by one instead.
        view = normalize(text)
        spans: list[Match] = []
        kinds: list[str] = []
        add = spans.append
        # Most recognisers find nothing: each one's find and type were looked up once (the plan)
        for find, kind, _rank in self._plan:
            size = len(spans)
            for found in find(view.text):
                add(found)
            if len(spans) > size:
                kinds += repeat(kind, len(spans) - size)
        if view.offsets is not None:  # the spans are the original text's only for most texts
            span = view.span
            spans = [(*span(start, end), score) for start, end, score in spans]
        detector, floors = self.detector, self._floors
        return [
            Finding(kind, start, end, score, detector)
            for _, _, (start, end, score), kind in kept_spans(spans, kinds, PRIORITY)
            if score >= floors.get(kind, 0.0)
        ]


HIDDEN = frozenset(r for t, rs in COMPANIONS.items() for r in rs if r != t)


# A checksum beats a pattern: a Luhn-valid card number is also a "possible" phone number.
PRIORITY = {
    "pii.email": 3,
    "pii.credit_card": 3,
    "pii.iban": 3,
    "pii.us_ssn": 2,
    "pii.ip_address": 2,
    "pii.phone": 1,
    "pii.date_of_birth": 1,  # the surer reading of a date near a birth word
    "pii.address": 1,
    "pii.organization": 1,
    "pii.age": 1,
    "pii.zip_code": 1,
    "pii.url": 1,
}
