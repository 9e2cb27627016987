"""Dates, times and ages in the forms people write them, wherever they stand.

A date or a time tells when something happened to someone: an ISO timestamp, a numeric date
(validated: a month of 1-12, a day of 1-31), a month named with a day or a year, a weekday,
a clock time, a year where a year is expected ("in 1980", "the 2016 act") or a decade.
An age is a number of years said of a person ("a 19 year old", "aged 45", "I'll turn 42")::

    [text[s:e] for s, e, _ in DateTimeRecogniser().find(text := "Seen on Monday, 2/19/1956")]
    # ['Monday', '2/19/1956']
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator

from stanchion.guards.normalize import every_index, lowered
from stanchion.guards.numbers import SPACES, number_runs, runs_before
from stanchion.guards.pii_digits import digit_starts
from stanchion.guards.pii_words import listed

Match = tuple[int, int, float]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?(?:[AaPp]\.?[Mm]\.?))?"
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2}|\s?UTC|\s?GMT)?"
# Each alternative is (pattern, score); the first that matches at a position wins.
_FORMS: tuple[tuple[str, float], ...] = (
    (rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T ]{_TIME}{_ZONE})?", 0.9),
    (rf"\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})(?:,?\s{_TIME})?", 0.8),
    (rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}", 0.9),
    (rf"{_MONTH}\s+{_DAY},?\s+\d{{4}}", 0.9),
    (rf"{_MONTH}\s+\d{{4}}", 0.8),
    (rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z])", 0.7),
    (rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?![\d:])", 0.7),
    (r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day", 0.8),
    (rf"{_TIME}{_ZONE}", 0.6),
    (r"\d{1,2}\s?(?:[ap]\.m\.|[ap]m)(?![a-z])", 0.7),
    (r"(?:1[6-9]\d|20[0-3])0s", 0.6),
    (r"(?:19\d\d|20[0-3]\d)", 0.5),
)

# Every form in one alternation, the first that matches at a position winning: what
# ``_match`` gives, trying only the forms that can start there.
_DATE_TIME = re.compile(
    "|".join(f"(?P<f{i}>{pattern})" for i, (pattern, _) in enumerate(_FORMS)), re.IGNORECASE
)


def _forms(indices: tuple[int, ...]) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """The forms ``indices`` as one alternation in their order (group k is form indices[k])."""
    pattern = "|".join(f"({_FORMS[i][0]})" for i in indices)
    return re.compile(pattern, re.IGNORECASE), indices


# A match starts with a digit or a letter, and a form can match only at the one it starts
# with; a form that starts with digits needs a run of one or two (a day, a month, an hour)
# or of four (a year; a match of a longer run is cut inside it and dropped). Each kind of
# start tries only its forms, in their order: the first that matches is the one the whole
# alternation takes.
_SHORT_RUN = _forms((1, 2, 5, 8, 9))
_YEAR_RUN = _forms((0, 10, 11))
_WORD_START = _forms((3, 4, 6, 7))
_RUN = re.compile(r"\d+")
_SCORES = tuple(score for _, score in _FORMS)
_YEAR = len(_FORMS) - 1
_NUMERIC_DATE = 1
_YEAR_CUES = frozenset(
    """in during since until till by from of year years the a an circa early late mid around
    before after between and to on summer winter spring autumn fall""".split()  # noqa: SIM905
)
_NOT_YEAR_AFTER = re.compile(
    r"\s*(?:%|\$|€|£|[.,]\d|[-–]\d{1,2}\b(?!\d)|\s?(?:x|kb|mb|gb|km|kg|m\b))"
)
_START = re.compile(
    r"(?i)[0-9]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
)
# Month and weekday prefixes: where a written date or day can start.
_STARTS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
           "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # fmt: skip
_WORD_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


# The other characters the case-insensitive pattern takes for a needle's letters ("ſep",
# "frı"); "İ" lower-cases to two characters, and such text falls back to the pattern.
_FOLDED = tuple(
    n.replace("s", "\u017f").replace("i", "\u0131") for n in _STARTS if set(n) & {"s", "i"}
)


# Every word a written date or day can start with: a month's name or its short form, or a
# weekday (a date's match ends before a letter, so the word at its start is one of these).
_DATE_WORDS = frozenset(
    """jan january feb february mar march apr april may jun june jul july aug august sep sept
    september oct october nov november dec december monday tuesday wednesday thursday friday
    saturday sunday""".split()  # noqa: SIM905
)


def _starts(text: str) -> list[int]:
    """Where a date or time can start, without trying ``_START`` at every position: the first
    digit of each run and every month or weekday written whole at a word start.

    A written date's match starts where no letter or digit stands before it and ends its
    month before a period or white space, its weekday before a character that is not a
    letter or digit: the run of letters at its start is a month or weekday. Those words are
    looked for only when the text's runs of letters (``Listed``: ASCII text) or the pieces of
    its words (other text) hold them. Text where lower-casing moves the offsets, or that holds a
    character the case-insensitive pattern takes for a needle's "s" or "i" ("ſ", "ı", "İ"),
    is searched for every month or weekday prefix instead."""
    lst = listed(text)
    lower = lst.lower
    if len(lower) != len(text):
        return [m.start() for m in _START.finditer(text)]
    starts = list(digit_starts(text))
    before_word: Callable[[str], bool]
    if text.isascii():
        words, before_word = lst.words, _WORD_BEFORE.__contains__
    elif not any(char in text for char in _ODD_LETTERS):
        words, before_word = _word_pieces(lst.words), _word_char
    else:
        return sorted(starts + _prefix_starts(text, lower))
    for word in _DATE_WORDS & words:
        index = lower.find(word)
        while index >= 0:
            after = index + len(word)
            if (not index or not before_word(text[index - 1])) and not (
                after < len(text) and text[after].isalpha()
            ):
                starts.append(index)
            index = lower.find(word, index + 1)
    return sorted(starts)


# Characters the case-insensitive pattern takes for an ASCII letter of a month or weekday
# and that lower-case to something else ("ſ" for "s"; "ı" and "İ" for "i").
_ODD_LETTERS = ("\u017f", "\u0131", "\u0130")


_PIECE_CUT = str.maketrans({char: " " for char in "_'’&-"})


def _word_pieces(words: set[str]) -> set[str]:
    """The pieces of the text's words (``Listed.words`` of non-ASCII text: ``WORD``'s
    matches) between the word characters that are not letters or digits. A month or weekday
    at a start has no letter or digit on either side, so it is a word or such a piece of one
    ("monday-friday", "x_monday")."""
    pieces = {piece for word in words if not word.isalpha() for piece in _pieces(word)}
    return words | pieces if pieces else words


def _pieces(word: str) -> list[str]:
    return word.translate(_PIECE_CUT).split()


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _prefix_starts(text: str, lower: str) -> list[int]:
    """Every month or weekday prefix at a word start, found with ``str.find``."""
    starts = []
    for needle in (*_STARTS, *_FOLDED):
        index = lower.find(needle)
        while index >= 0:
            if not index or not _word_char(text[index - 1]):
                starts.append(index)
            index = lower.find(needle, index + 3)
    return starts


def _valid_numeric(value: str) -> bool:
    parts = re.split(r"[/.-]", value.split(" ")[0].rstrip(","))
    first, second = int(parts[0]), int(parts[1])
    # Month and day in either order (US and European writing).
    return (1 <= first <= 12 and 1 <= second <= 31) or (1 <= second <= 12 and 1 <= first <= 31)


def _year_score(text: str, start: int, end: int) -> float:
    """A bare year counts where a year is expected: after "in", "during", "the" ..."""
    if _NOT_YEAR_AFTER.match(text, end):
        return 0.0
    before = text[max(0, start - 16) : start].split()
    last = before[-1].lower().strip("(,") if before else ""
    return 0.75 if last in _YEAR_CUES else 0.5


# What may follow a day, a month or an hour (a run of one or two digits) in a form of
# ``_SHORT_RUN``: a date's separator or a time's colon before a digit, an ordinal's suffix
# ("st", "th"; "ſ" is an "s" to the case-insensitive pattern), "am"/"pm", or white space
# before a letter (a month's name, "of", "am"/"pm"). Most numbers of a table or a listing
# ("| 12    |", "3 x 4", "212.5") are followed by none, and the five forms (~14,000
# instructions a try) are not tried there.
_BEFORE_DIGIT = frozenset("/.-:")
_LETTER_AFTER = frozenset("snrtapSNRTAP\u017f")


def _short_forms(text: str, after: str, end: int) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """The forms of ``_SHORT_RUN`` that can match at a run of one or two digits ending at
    ``end``, by what follows it (``after``; ``_NO_FORMS`` when none can): a date's separator
    (form 1), a clock's colon (form 8), or a letter or white space (forms 2, 5 and 9: a day
    before "of" or a month, an hour before "am"/"pm"). After white space, the word that
    follows must start so: "3 people", "5 of the best", "12 months" (~14,000 instructions a
    failed try of three forms) are no longer tried."""
    if after in _BEFORE_DIGIT:
        if not text[end + 1 : end + 2].isdecimal():
            return _NO_FORMS
        return _CLOCK if after == ":" else _SEPARATED
    if after in _LETTER_AFTER:
        return _WORDED
    if not after.isspace():
        return _NO_FORMS
    window = text[end : end + 24]
    rest = window.lstrip()
    if not rest:
        return _WORDED
    if not rest[0].isalpha():
        return _NO_FORMS
    k = end + len(window) - len(rest)
    head = text[k : k + 3]
    if not head.isascii():  # a letter the case-insensitive pattern may take for another
        return _WORDED
    head = head.lower()
    if head in _MONTH_HEADS or head[0] in "ap" or (head[:2] == "of" and head[2:3].isspace()):
        return _WORDED
    return _NO_FORMS


_SEPARATED = _forms((1,))
_BARE_YEAR = _forms((_YEAR,))
_CLOCK = _forms((8,))
_WORDED = _forms((2, 5, 9))
_NO_FORMS: tuple[re.Pattern[str], tuple[int, ...]] = (re.compile("(?!)"), ())
_MONTH_HEADS = frozenset(_STARTS[:12])


def _year_may_follow(text: str, start: int, after: str) -> bool:
    """Whether a form of ``_YEAR_RUN`` may match the four digits at ``start``: an ISO date
    (a hyphen after them), a decade ("1980s") or a year of 1900-2039."""
    return (
        after == "-"
        or text.startswith("19", start)
        or text[start : start + 3] in _CENTURY_2000
        or (text[start + 3] == "0" and after in ("s", "S", "\u017f"))
    )


_CENTURY_2000 = frozenset(["200", "201", "202", "203"])
# What must follow the four digits for the other forms of ``_YEAR_RUN``: an ISO date's hyphen,
# a decade's "s". After anything else only a bare year can match them, and it does exactly
# when they start with 19 or 200-203 (every one of them is a digit): ``_BARE_YEAR``, whose
# match ``find`` takes without running the pattern (~5,000 instructions a year).
_YEAR_FORM_AFTER = frozenset(["-", "s", "S", "\u017f"])


def _forms_at(text: str, start: int) -> tuple[re.Pattern[str], tuple[int, ...], int]:
    """The forms that can match at ``start`` (``_NO_FORMS``: none), and the index before
    which lies all that was read to tell (a run of digits, its ``_short_forms`` window)."""
    if "0" <= text[start] <= "9":  # a start is a digit of a run or a letter
        run = _RUN.match(text, start)
        end = run.end() if run is not None else start
        after = text[end : end + 1]
        if end - start in (1, 2):
            return (*_short_forms(text, after, end), end + 27)
        if end - start != 4:
            return (*_NO_FORMS, end + 27)
        if after in _YEAR_FORM_AFTER:
            return (*(_YEAR_RUN if _year_may_follow(text, start, after) else _NO_FORMS), end + 27)
        if text.startswith("19", start) or text[start : start + 3] in _CENTURY_2000:
            return (*_BARE_YEAR, end + 27)
        return (*_NO_FORMS, end + 27)
    return (*_WORD_START, start)


def _match(text: str, start: int) -> tuple[re.Match[str], int] | None:
    """The first form that matches at ``start`` and its index (what one alternation of every
    form gives, trying only the forms that can start there)."""
    pattern, forms, _ = _forms_at(text, start)
    if not forms:
        return None
    m = pattern.match(text, start)
    if m is None or m.lastindex is None:
        return None
    return m, forms[m.lastindex - 1]


_BARE_YEAR_FORMS = _BARE_YEAR[1]


def _form_and_end(
    text: str, start: int, pattern: re.Pattern[str], forms: tuple[int, ...]
) -> tuple[int, int] | None:
    """The form of ``forms`` that matches at ``start`` first and where its match ends."""
    if forms is _BARE_YEAR_FORMS:
        return _YEAR, start + 4
    m = pattern.match(text, start)
    if m is None or m.lastindex is None:
        return None
    return forms[m.lastindex - 1], m.end()


_READ = 32  # characters from a start that key the starts where no form can match


class DateTimeRecogniser:
    """Dates and times in any common format; bare years only where a year is expected."""

    type = "pii.date_time"

    def __init__(self) -> None:
        # Starts where no form can match, by the characters read to tell: the numbers of a
        # table's cells ("| 12    |") and of a text that says them again cost ~12,000
        # instructions each to tell so, a set look-up here.
        self._nothing: set[str] = set()

    def find(self, text: str) -> Iterator[Match]:
        nothing = self._nothing
        if len(nothing) > 20_000:
            nothing.clear()
        cursor = 0
        for start in _starts(text):
            if start < cursor or (
                start and (text[start - 1].isalnum() or text[start - 1] in "$€£.:/+-")
            ):
                continue
            key = text[start : start + _READ]
            if key in nothing:
                continue
            pattern, forms, reach = _forms_at(text, start)
            if not forms:
                if reach <= start + _READ or start + _READ >= len(text):
                    nothing.add(key)
                continue
            found = _form_and_end(text, start, pattern, forms)
            if found is None:
                continue
            form, end = found
            if end < len(text) and (
                text[end].isalnum()
                or (text[end] in "-/:" and end + 1 < len(text) and text[end + 1].isdigit())
            ):
                continue
            score = _SCORES[form]
            if form == _YEAR:
                score = _year_score(text, start, end)
            elif form == _NUMERIC_DATE and not _valid_numeric(text[start:end]):
                score = 0.0
            if score > 0:
                cursor = end
                yield start, end, score


# What follows a number of years ("19 year old") or comes before it ("aged 45", "turned 69").
_AGE_AFTER = re.compile(
    r"(?:[- ](?:years?|yrs?)[- ]old|[- ]year[- ]old|\s+years\s+of\s+age|\s?(?:y/o|yo)\b)",
    re.IGNORECASE,
)
_AGE_BEFORE = ("aged", "age", "age of", "age:", "turn", "turned", "turns", "turning")
_AGE_FOLLOWS = SPACES | {"y", "Y"}
_SHORT_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?![\d.,]\d|\d)")


class AgeRecogniser:
    """A number of years said of a person: "19 year old", "aged 45", "turned 69"."""

    type = "pii.age"

    def find(self, text: str) -> Iterator[Match]:
        # Every age is a number of one to three digits: only those are looked around. A word
        # before one ("aged", "turn") holds "age" or "turn": where none stands in the 16
        # characters before a number, that number is not looked at for one.
        lower = lowered(text)
        cues = sorted(every_index(lower, ("age", "turn"))) if len(lower) == len(text) else None
        # Without a cue, only the runs a "y" or white space follows (found at C speed).
        runs = number_runs(text) if cues is None or cues else runs_before(text, _AGE_FOLLOWS)
        for start, end in runs:
            if cues and not _age_may_stand(text, start, end, cues):
                continue
            for m in _SHORT_NUMBER.finditer(text, start, end):
                if not 0 < int(m.group(0)) < 125:
                    continue
                s, e = m.span()
                if _AGE_AFTER.match(text, e) or _age_before(text, s):
                    yield s, e, 0.85


def _age_may_stand(text: str, start: int, end: int, cues: list[int]) -> bool:
    """Whether an age can be in the number run text[start:end]. ``_AGE_AFTER`` starts with
    white space, "-" or "y" and reaches a "y" through white space and "-" only, and "y" is no
    run character: so it needs a "y" or white space just after the run. A word before
    (``_AGE_BEFORE``) holds "age" or "turn" (``cues``: where the lower-cased text does) within
    the 16 characters before the number."""
    after = text[end : end + 1]
    if after and (after in "yY" or after.isspace()):
        return True
    k = bisect_left(cues, start - 16)
    return k < len(cues) and cues[k] < end


def _age_before(text: str, start: int) -> bool:
    before = text[max(0, start - 16) : start]
    if not before[-1:].isspace():
        return False
    words = before.lower().split()
    return bool(words) and (words[-1] in _AGE_BEFORE or " ".join(words[-2:]) in _AGE_BEFORE)
