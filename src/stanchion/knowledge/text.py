"""Shared text normalisation: one tokenizer for indexing, querying and grounding checks.

>>> terms("Refunds are processed within 5 business days")
['refund', 'process', 'within', '5', 'busi', 'day']
"""

from __future__ import annotations

import re
from functools import lru_cache

from stanchion.knowledge.derivation import base_of
from stanchion.knowledge.stopwords import STOPWORDS as STOPWORDS

# Possessive (``++``, ``*+``): the letters and the joiners are disjoint sets, so no match ever
# gives back what it took, and the regex engine keeps no state to backtrack to (a seventh
# fewer instructions a word than ``[A-Za-z0-9]+(?:[.,'][A-Za-z0-9]+)*``, the same matches).
WORD = re.compile(r"[A-Za-z0-9]++(?:[.,'][A-Za-z0-9]++)*+")
HYPHENATED = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")

_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("iveness", "ive"),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("mented", ""),
    ("menting", ""),
    ("ment", ""),
    ("ingly", ""),
    ("edly", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("nesses", ""),
    ("sses", "ss"),
    ("ness", ""),
    ("ings", ""),
    ("ing", ""),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


# Bump when ``stem`` or ``terms`` change: stored term bags made by another version are
# rebuilt (the local index file, and the store's chunk terms at start-up).
TERMS_VERSION = 17
# the last letters of a base "-ly" is stripped from (Porter2's valid li-endings, with "l",
# "s", "u" and "w" for "usually", "obviously", "truly" and "slowly"): "quickly" -> "quick",
# but "apply", "supply", "family", "anomaly", "assembly" and "butterfly" stem as their
# "-ies"/"-ied" forms do, not as "app", "fami" or "assemb"
ADVERB_BASE_ENDS = frozenset("cdeghklmnrstuw")
# the shortest base an "-er" is stripped from: "smaller" -> "small", "holder" -> "hold", but
# "offer", "water", "meter", "order", "power", "cover" and "later" are words of their own
AGENT_BASE = 4
# an "-ere" word longer than this is read as its "-er" inflections are ("interfere" as "interfered",
# "atmosphere" as "atmospheres"); "sincere" and "austere" are no "since" and "aust"
LONG_ERE = 8
# Irregular verb forms as their base, so "found" meets "find" and "sent" meets "send". Only
# forms that are no common word of their own in support text ("saw", "rose", "ground",
# "bound", "led", "fed", "won" and "left", which merged with "leave" drowned "items left on
# board" under every page that says "leave", are left alone; "lost" is mostly the verb),
# and not of the light verbs ("went", "gone", "took", "made", "kept"), which say nothing of
# a subject (``query.point.LIGHT``: "gone for good" is no "go").
_IRREGULAR_BASES = """
    bought:buy brought:bring built:build caught:catch chose:choose chosen:choose drove:drive
    driven:drive fell:fall fallen:fall felt:feel flew:fly flown:fly forgot:forget
    forgotten:forget found:find froze:freeze frozen:freeze grew:grow grown:grow heard:hear
    held:hold hid:hide hidden:hide lent:lend lost:lose meant:mean met:meet
    paid:pay sent:send sold:sell spent:spend spoke:speak spoken:speak stole:steal
    stolen:steal stood:stand taught:teach told:tell thought:think threw:throw thrown:throw
    understood:understand woke:wake woken:wake wore:wear worn:wear wrote:write
    written:write broke:break
"""
IRREGULAR = dict(pair.split(":") for pair in _IRREGULAR_BASES.split())
# ...and after a prefix, as the documents' nouns stem ("overpaid" meets "overpayment",
# "prepaid" "prepay", "resold" "resell"); not words of their own ("present", "resent")
_PREFIXES = ("over", "under", "pre", "re", "mis", "out")
_UNPREFIXED = frozenset({"present", "resent", "relent"})
_FORMS = {p + form: p + base for p in _PREFIXES for form, base in IRREGULAR.items()}
_FORMS = {w: b for w, b in _FORMS.items() if w not in _UNPREFIXED} | IRREGULAR


# suffixes after which a short base gets its "e" back ("cared" -> "care", not "car")
_INFLECTIONS = ("ing", "ed", "ings", "edly", "ingly", "es")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to join 'refunds'/'refunded'/'refund' and
    'cancel'/'cancelled', 'retire'/'retired', 'sent'/'send'; a short word keeps its final
    'e' ('care' is no 'car', 'plane' no 'plan'), as Porter's stemmer keeps it.

    >>> [stem(w) for w in ("cancel", "cancelled", "retire", "retired", "calls")]
    ['cancel', 'cancel', 'retir', 'retir', 'call']
    >>> {stem(w) for w in ("order", "orders", "ordered", "ordering")}
    {'order'}
    >>> [stem(w) for w in ("offer", "offers", "water", "meters", "smaller")]
    ['offer', 'offer', 'water', 'meter', 'smal']
    >>> [stem(w) for w in ("care", "cared", "car", "cars", "plane", "planned", "sent")]
    ['care', 'care', 'car', 'car', 'plane', 'plan', 'send']

    Every inflection meets its base, a short one too, and a plural stems as its singular:

    >>> [stem(w) for w in ("flies", "tried", "used", "using", "agreed", "hundreds")]
    ['fly', 'try', 'use', 'use', 'agre', 'hundr']
    >>> [stem(w) for w in ("429s", "1990s", "5s", "4x4s")]
    ['429', '1990', '5s', '4x4s']
    """
    base_form = _FORMS.get(word)
    if base_form is not None:
        word = base_form
    derived = _derived(word)
    if derived is not None:
        return stem(derived)
    if len(word) <= 3 or not word.isalpha():
        # a number in the plural is the number ("getting 429s": "status 429"; "the 1990s")
        return word[:-1] if word[-1] == "s" and word[:-1].isdigit() and len(word) > 2 else word
    base, suffix = _strip(word)
    if suffix == "s":
        return stem(base)  # a plural stems as its singular: "hundreds", "organizations"
    # "registered" -> "register" -> "regist", as "register" stems; "interfere" as "interfered"
    if (base != word and base.endswith("er")) or (base.endswith("ere") and len(base) > LONG_ERE):
        base = _strip(base.removesuffix("e"))[0]
    return _tidy(base)


def _derived(word: str) -> str | None:
    """The word a derived word or its plural is read as (``derivation.base_of``):
    "coverage" and "cancellations" as "cover" and "cancel"; not an irregular form's base
    ("foundation" is no "found", which is "find")."""
    if len(word) <= 3 or not word.isalpha():
        return None
    found = base_of(word)
    if found is None and word.endswith("s"):
        singular = word[:-3] + "y" if word.endswith("ies") else word[:-1]
        found = singular if base_of(singular) else None
    return None if found in _FORMS else found


def _consonant(w: str, i: int) -> bool:
    ch = w[i]
    if ch in "aeiou":
        return False
    return ch != "y" or i == 0 or not _consonant(w, i - 1)


def measure(w: str) -> int:
    """Porter's m: the number of vowel-consonant sequences ("car" 1, "retir" 2)."""
    m, vowel = 0, False
    for i in range(len(w)):
        if _consonant(w, i):
            m += vowel
            vowel = False
        else:
            vowel = True
    return m


def _short(w: str) -> bool:
    """A one-syllable base ending consonant-vowel-consonant (not w, x or y): "car", "plan"."""
    return (
        len(w) >= 3
        and measure(w) == 1
        and _consonant(w, -3 + len(w))
        and not _consonant(w, len(w) - 2)
        and _consonant(w, len(w) - 1)
        and w[-1] not in "wxy"
    )


def _strip(word: str) -> tuple[str, str]:
    """``word`` without its suffix, and the suffix ("" when none is stripped)."""
    for suffix, repl in _SUFFIXES:
        if not word.endswith(suffix):
            continue
        if len(word) - len(suffix) < 3:
            short = _short_base(word, suffix)
            if short:
                return short, suffix
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            return word, ""
        if suffix == "es" and word.endswith("ees"):
            continue  # "agrees", "degrees", "employees": the "-ee" word and its "s"
        if suffix == "ed" and word.endswith("eed"):
            return _eed(word), suffix
        if suffix in ("er", "ers") and len(word) - len(suffix) < AGENT_BASE:
            continue  # "offer" is no "off"-er, nor "water" a "wat"-er: "offers" -> "offer"
        if suffix == "ly" and not _adverb(word[:-2]):
            return word, ""  # "apply" is no "app"-ly, nor "family" a "fami"-ly: as "applied"
        base = word[: -len(suffix)] + repl
        doubled = len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsfzaeiou"
        if doubled and suffix in ("ing", "ed", "ings", "edly", "ingly"):
            return base[:-1], suffix  # "planned" -> "plan"; "stuffed", "agreeing" keep theirs
        if suffix in _INFLECTIONS and _short(base):
            return base + "e", suffix  # "cared", "caring" -> "care"; "rates" -> "rate"
        return base, suffix
    return word, ""


def _short_base(word: str, suffix: str) -> str:
    """The base of a short inflected word, one or two letters before its suffix: "tried" and
    "flies" as "try" and "fly", "died" and "dying" as "die", "used" and "using" as "use",
    "sued" as "sue"; "" when there is none ("need", "being", "going", "shed")."""
    rest = word[: -len(suffix)]
    if suffix in ("ies", "ied"):
        return rest + ("y" if len(rest) == 2 else "ie")
    if suffix == "ing" and len(rest) == 2 and rest[1] == "y" and rest[0] not in _VOWELS:
        return rest[0] + "ie"
    if suffix in ("ed", "ing") and len(rest) == 2:
        vowel_consonant = rest[0] in _VOWELS and rest[1] not in _VOWELS
        if vowel_consonant or rest[1] == "u":
            return rest + "e"
    return ""


def _eed(word: str) -> str:
    """A word ending "-eed" as its "-ee" verb ("agreed", "guaranteed"), or as itself when
    it is a word of its own ("speed", "breed", "proceed", "succeed": no vowel before the
    "eed", or "-ceed")."""
    if measure(word[:-3]) == 0 or word.endswith("ceed"):
        return word
    return word[:-1]


def _adverb(base: str) -> bool:
    """Whether ``base`` + "ly" is an adverb of it (``ADVERB_BASE_ENDS``), or one of an "-y"
    word ("heavily" as "heavier"), or of a "-p"/"-f" word ("deeply", "sharply", "briefly"),
    rather than a word of its own ("family", "daily", "apply", "reply", "butterfly")."""
    end = base[-1]
    if end in ADVERB_BASE_ENDS:
        return True
    if end == "i":
        return len(base) >= 5
    if end == "p":
        return len(base) >= 4 and base[-2] in "aer"
    return base.endswith("ief")


_VOWELS = "aeiou"


def _tidy(base: str) -> str:
    """Join what the suffix strip leaves apart: a final 'e' ('retire' vs 'retir(ed)') and a
    final 'll' after a longer stem ('cancel' vs 'cancell(ed)'), as Porter's step 5 does; a
    short word keeps its 'e' ('care', 'plane')."""
    if len(base) > 4 and base.endswith("ie"):
        return base[:-2] + "y"  # "movie" as "movies" ("-ies" -> "-y"), "cookie", "calorie"
    if len(base) > 3 and base.endswith("e") and not _short(base[:-1]):
        return base[:-1]
    if len(base) > 4 and base.endswith("ll"):
        return base[:-1]
    return base


def normalize_word(raw: str) -> str:
    """Lower-case a raw token and drop the thousands separators of numbers."""
    w = raw.lower()
    if w[0].isdigit():
        w = w.replace(",", "")
    return w.replace("'", "")


def words(text: str) -> list[tuple[str, int, int]]:
    """Raw word tokens with their character spans."""
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stemmed, stop words removed."""
    out = []
    for m in WORD.finditer(text):
        w = normalize_word(m.group())
        if w in STOPWORDS:
            continue
        out.append(stem(w))
    return out


def joined(word: str) -> str:
    """The one-word form of a compound: 'Wi-Fi' -> 'wifi', 'e-mail' -> 'email'."""
    return stem(normalize_word(word.replace("-", "")))


def compounds(text: str) -> list[str]:
    """The joined form of each hyphenated word of ``text``.

    >>> compounds("Wi-Fi and two-factor codes by e-mail")
    ['wifi', 'twofactor', 'email']
    """
    return [joined(m.group()) for m in HYPHENATED.finditer(text)]


# bounded parts (RFC 5321: 64 and 255): "\S+@" tried at every position of a 100 KB token
# without an "@" took seconds (quadratic)
_EMAIL = re.compile(r"[^\s@]{1,64}@[^\s@]{1,255}\.\w+")
_URL = re.compile(r"https?://|www\.")
_PHONE = re.compile(r"(?<![\w.+-])\+?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}(?![\w.-])")
_NOT_PHONE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,3}(?:[ .]\d{3})+")
PHONE_DIGITS = 7
# units written as symbols, and the words a question uses for them ("per cubic metre")
_SYMBOLS = (
    (re.compile(r"\dm(?:³|3\b)|\bm³"), ["cubic", "metr"]),
    (re.compile(r"\dm(?:²|2\b)|\bm²"), ["squar", "metr"]),
    (re.compile(r"\d\s*kwh\b|\bkwh\b", re.I), ["kilowatt", "hour"]),
    (re.compile(r"\d\s*%"), ["percent"]),
    (re.compile(r"°\s*c\b", re.I), ["degr", "celsius"]),
)
# a symbol right after a number, as products and specifications write it ("15 A", "9 W",
# "24V", "2.4 GHz"), and the words a customer asks with ("what amp rating", "how many watts")
_AFTER_NUMBER = {
    "A": "amp ampere amperage",
    "mA": "milliamp",
    "mAh": "milliamp hour battery capacity",
    "V": "volt voltage",
    "W": "watt wattage",
    "kW": "kilowatt",
    "Hz": "hertz",
    "GHz": "gigahertz",
    "MHz": "megahertz",
    "°F": "degree fahrenheit",
    "mm": "millimetre millimeter",
    "cm": "centimetre centimeter",
    "km": "kilometre kilometer",
    "kg": "kilogram weight",
    "g": "gram weight",
    "lb": "pound weight",
    "lbs": "pound weight",
    "L": "litre liter",
    "ml": "millilitre milliliter",
    "mL": "millilitre milliliter",
    "ft": "foot feet",
    "dB": "decibel",
}
# pence and cents written short ("15p", "99¢"); "1080p" is a resolution (3-4 digits)
PENCE = r"\b\d{1,2}p\b|\d\s?¢"
# (an amount's digits bounded: "[\d,.]*\d" tried at every digit of a long run is quadratic)
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\d[\d,.]{0,20}\s?(?:usd|eur|gbp|chf|cad|aud|jpy|dollars?|euros?|pounds)\b|"
    rf"{PENCE}",
    re.I,
)
_UNIT_AFTER = re.compile(
    r"\d\s*(" + "|".join(sorted(map(re.escape, _AFTER_NUMBER), key=len, reverse=True)) + r")(?!\w)"
)


def implied(text: str, money: bool = True) -> list[str]:
    """Terms a text answers to without writing them: an address is an email, a URL a link
    or website, a phone number a phone to call ("who do I email?" -> "billing@shop.example"),
    a unit symbol its words ("$2.80 per m³" -> cubic, metre; "kWh" -> kilowatt, hour), an
    amount of money cost, price and fee (``money``: False for a reader that knows prices).

    >>> implied("Write to billing@shop.example or call +1 555 010 0199.")
    ['email', 'phone', 'call']
    """
    out = ["email"] if _EMAIL.search(text) else []
    for symbol, words in _SYMBOLS:
        if symbol.search(text):
            out += words
    for unit in dict.fromkeys(m.group(1) for m in _UNIT_AFTER.finditer(text)):
        out += terms(_AFTER_NUMBER[unit])
    if money and _MONEY.search(text):  # "Second checked bag: $65" answers "what does it cost"
        out += ["cost", "price", "fee"]
    if _OFF.search(text):  # "30% off", "half price": a discount in other words
        out += _DISCOUNT
    if _URL.search(text):
        out += _LINK
    if _DAY_SHORT.search(text):
        out += days_written_short(text)
    for m in _WHOLE_UNIT.finditer(text):  # "in any 24 hours" is a day, "12 months" a year
        out.append(_WHOLE_UNITS[m.group(1).lower()])
    if any(_is_phone(m.group()) for m in _PHONE.finditer(text)):
        out += _PHONE_TERMS
    return out


_LINK = [stem("link"), stem("website")]
# A span written in a smaller unit that makes one larger unit: what a customer asks by the
# larger one ("the most I can add in one day": "no more than £250 in any 24 hours").
_WHOLE_UNITS = {"24 hours": "day", "7 days": "week", "12 months": "year", "365 days": "year"}
_WHOLE_UNIT = re.compile(r"(?<![\d.,])(24 hours|7 days|12 months|365 days)\b", re.I)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {day[:3]: i for i, day in enumerate(_DAYS)}
# a day written short ("Tues", "Thurs."): one written whole is a term of its own
_DAY = r"(?:Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?"
_DAY_SHORT = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)")
# A day written short in a timetable, capitalised, before a time, "closed", a colon or
# another day ("Mon-Sat 9am-6pm, Sun closed", "Sat & Sun: 10:00-16:00"); "Sun" and "Sat"
# alone are words ("sun cream", "she sat down"). A range ("Mon-Fri", "Tue to Thu") holds
# the days between. (Ranges of whole names, "Monday to Friday", are left as written: their
# days between, as index terms, moved retrieval and lost a DEV question, appf-098.)
_TIMETABLE_DAY = re.compile(
    rf"\b({_DAY})\s*(?:-|\u2013|to)\s*({_DAY})(?!\w)|"
    rf"\b({_DAY})(?=\s*(?:[:,;&/]|and\b)?\s*(?:\d|closed\b|{_DAY}(?!\w)))"
)


def days_written_short(text: str) -> list[str]:
    """The days of the week a timetable writes short ("Mon-Sat 9am-6pm, Sun closed": monday
    to saturday, sunday), as the terms of their names: a customer asks "open on sundays?".
    Days the text writes whole are left out (their terms are there already).

    >>> days_written_short("Mon-Wed 9am-5pm, Sun closed")
    ['monday', 'tuesday', 'wednesday', 'sunday']
    """
    out: dict[str, None] = {}
    written = text.lower()  # a day written whole is a term already: not counted twice
    for m in _TIMETABLE_DAY.finditer(text):
        first = _DAY_INDEX[(m.group(1) or m.group(3))[:3].lower()]
        last = first if m.group(2) is None else _DAY_INDEX[m.group(2)[:3].lower()]
        for i in range(first, first + (last - first) % 7 + 1):
            if _DAYS[i % 7] not in written:
                out[_DAYS[i % 7]] = None
    return list(out)


_OFF = re.compile(r"\d\s*(?:%|per\s?cent)\s+(?:off|reduction|less)\b|\bhalf[- ]price\b", re.I)
_DISCOUNT = [stem("discount")]
_PHONE_TERMS = [stem("phone"), stem("call")]


def _is_phone(found: str) -> bool:
    return sum(ch.isdigit() for ch in found) >= PHONE_DIGITS and not _NOT_PHONE.fullmatch(found)


def index_terms(text: str) -> list[str]:
    """What the index stores for a text: its terms, plus the joined form of its compounds, so
    'wifi', 'wi-fi' and 'wi fi' in a question all find a page that writes 'Wi-Fi', plus what
    it implies (``implied``)."""
    return terms(text) + compounds(text) + implied(text)


def term_string(text: str) -> str:
    """The indexable form of a text: its index terms joined by spaces (no order kept)."""
    return " ".join(sorted(index_terms(text)))
