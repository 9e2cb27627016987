"""Two more vetoes of things a question names that the passages must name too (issue 15).

A **named service**: a platform, a smart-home assistant, a payment service, a marketplace or
a social network ("is there an app for Windows", "does the hub work with Alexa", "can I pay
with Apple Pay", "do you sell on eBay"). Like a country or a carrier (``query.gazetteer``) it
is an entity a help centre names when it supports it, so passages that never name it cannot
say that it is supported; the everyday words around it ("app", "pay") match a neighbour's
facts. A name that is also an everyday word ("windows", "apple", "echo") counts only written
as a name (a capital inside a sentence) or in one of its set phrases ("windows pc", "apple
pay"); a name only the customer's story holds ("I bought it on Amazon, can I return it
here?") is not what is asked.

A **measure**: a quantity asked in a unit ("how many lumens", "the range in feet", "what
wattage") where no passage states any number in a unit of that dimension: "how many lumens is
the bulb" against passages that give its watts and its colours. A passage giving the range in
metres answers "in feet" (a fixed conversion), so only the dimension must be stated.

>>> missing_services("is there an app for windows pc", frozenset({"app"}))
['windows pc']
>>> unmeasured("how many lumens is the bulb", ["The bulb uses 9 W."])
['lumens']
>>> unmeasured("how many watts is the bulb", ["The bulb uses 9 W."])
[]
"""

from __future__ import annotations

import itertools
import re

from stanchion.knowledge.query.gazetteer import name_groups
from stanchion.knowledge.query.glossary import TOKEN, Phrase, phrase_terms
from stanchion.knowledge.sources import CARDINALS, ORDINALS
from stanchion.knowledge.supported import uncounted, unsupported
from stanchion.knowledge.text import stem
from stanchion.knowledge.vetoes import LABELLED, _story_words

Pair = tuple[str, str]


def named_kinds(
    text: str, passages: list[Pair], present: set[str] | frozenset[str], told: bool = False
) -> list[str]:
    """What ``answerability.assess`` vetoes for: named services and languages the passages
    lack (only those of a clause that asks), units of a dimension no passage states a number
    in, a phone number none gives, a numbered instalment none names. Each reading only when
    the question's words could make it fire (most questions pass by on a set look-up).
    ``told``: the message tells a situation ("My Android phone can't find the hub."): its
    names are the customer's own things, not what the documents must name."""
    named: list[str] = []
    services = languages = phone = False
    if not told and not _TRIGGERS.isdisjoint(_WORD.findall(text.lower())):  # one scan, in C
        tokens = [_first(m.group()) for m in TOKEN.finditer(text)]
        words = set(tokens)
        services = not words.isdisjoint(SINGLE_WORDS) or any(
            pair in FIRST_PAIRS for pair in itertools.pairwise(tokens)
        )
        languages = not words.isdisjoint(_LANGUAGE)
        phone = not words.isdisjoint(_PHONE_WORDS)
    named += missing_services(text, present) if services else []
    named += missing_languages(text, present) if languages else []
    if named:  # the story's words are the costlier reading: only for a candidate
        story = _story_words(text)
        named = missing_services(text, present, story) + missing_languages(text, present, story)
    if not told:  # what a compatibility names, a count no sentence gives (``supported``)
        named += [
            w for w in unsupported(text, present) + uncounted(text, passages) if w not in named
        ]
    numbered = any(ch.isdigit() for ch in text)
    if not (phone or numbered or ASKED.search(text) or SPEED_ASKED.search(text)):
        return named
    bodies = [f"{title} {body}" for title, body in passages]
    named += unmeasured(text, bodies)
    named += unlisted_phone(text, bodies) if phone else []
    return named + (unnumbered(text, bodies) if numbered else [])


# one group a line: the ways it is written (a set phrase first where the bare word is ambiguous)
SERVICES = """windows,microsoft windows,windows pc,windows laptop,windows computer,windows 10,
windows 11|macos,mac os,os x,macbook,imac|linux,ubuntu|chromebook,chrome os,chromeos|
android,google play,play store|ios,iphone,ipad,app store|apple watch|apple tv|kindle|
fire tv,firestick,fire stick|roku|chromecast|xbox|playstation,ps4,ps5|nintendo switch,nintendo|
alexa,amazon alexa,amazon echo,echo dot|google home,google assistant,google nest,nest hub|
siri,homekit,apple home|smartthings|ifttt|zigbee|z-wave,zwave|
paypal|apple pay|google pay,gpay|samsung pay|klarna|afterpay|venmo|zelle|cash app|
amazon|ebay|walmart|best buy|costco|etsy|aliexpress|home depot|
facebook|instagram|whatsapp|twitter|tiktok|wechat|snapchat|
google chrome|firefox|microsoft edge"""
# a bare word that is also an everyday word counts only written as a name
EVERYDAY_NAMES = frozenset(phrase_terms("windows apple echo nest switch kindle edge"))
# where the customer bought it is the story, not an ask ("how do I return what I BOUGHT ON
# eBay"): a marketplace right after these words is not what is asked
MARKETPLACES = frozenset(phrase_terms("amazon ebay walmart best costco etsy aliexpress home"))
_BOUGHT = frozenset(
    [
        "bought",
        "buy",
        "ordered",
        "order",
        "purchased",
        "purchase",
        "got",
        "get",
        "from",
        "on",
        "at",
        "through",
        "via",
        "off",
    ]
)


GROUPS = name_groups(SERVICES)
_BY_FIRST: dict[str, list[tuple[Phrase, int]]] = {}
for _i, _group in enumerate(GROUPS):
    for _phrase in _group:
        _BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _i))
FIRST_WORDS = frozenset(
    m.group().lower() for entry in re.split(r"[|,]", SERVICES) for m in [TOKEN.search(entry)] if m
)
_RAW = [[m.group().lower() for m in TOKEN.finditer(n)] for n in re.split(r"[|,]", SERVICES)]
SINGLE_WORDS = frozenset(raw[0] for raw in _RAW if len(raw) == 1)  # a name of its own
FIRST_PAIRS = frozenset((raw[0], raw[1]) for raw in _RAW if len(raw) > 1)  # "apple pay"
for _phrases in _BY_FIRST.values():
    _phrases.sort(key=lambda p: -len(p[0]))  # the longest set phrase first ("windows pc")


def _first(raw: str) -> str:
    """A token as the first word of a service is looked up: lower case, without its
    possessive or plural ("Alexa's", "iPhones")."""
    word = raw.lower().split("'")[0]
    return word[:-1] if word.endswith("s") and word[:-1] in FIRST_WORDS else word


def _as_name(raw: str, text: str, start: int) -> bool:
    """Written with a capital inside a sentence ("an app for Windows"), not opening one."""
    before = text[:start].rstrip()
    return raw[:1].isupper() and bool(before) and before[-1] not in ".!?:\n\"'("


def missing_services(
    text: str, present: set[str] | frozenset[str], told: frozenset[str] = frozenset()
) -> list[str]:
    """Named services of ``text`` (see SERVICES) of which no way of writing is in
    ``present`` (the passages' terms); ``told``: words of clauses that only tell."""
    matches = list(TOKEN.finditer(text))
    if not any(_first(m.group()) in FIRST_WORDS for m in matches):
        return []  # the common case, without stemming every word
    keys = [phrase_terms(m.group()) for m in matches]
    flat = [k[0] if len(k) == 1 else "" for k in keys]
    out = []
    for i, key in enumerate(flat):
        for phrase, group in _BY_FIRST.get(key, ()):
            if tuple(flat[i : i + len(phrase)]) != phrase:
                continue
            raw = matches[i].group()
            bare = len(phrase) == 1 and key in EVERYDAY_NAMES
            if (bare and not _as_name(raw, text, matches[i].start())) or raw.lower() in told:
                break
            if key in MARKETPLACES and _bought(matches, i):
                break
            if not any(all(t in present for t in alias) for alias in GROUPS[group]):
                out.append(" ".join(m.group().lower() for m in matches[i : i + len(phrase)]))
            break
    return list(dict.fromkeys(out))


def _bought(matches: list[re.Match[str]], i: int) -> bool:
    """A purchase verb and its preposition before token ``i`` ("bought it on", "ordered
    from"): the place of purchase."""
    before = [m.group().lower() for m in matches[max(0, i - 3) : i]]
    return len(before) >= 2 and before[-1] in _BOUGHT and any(w in _BOUGHT for w in before[:-1])


# one group a line; English left out: the documents' own language goes without saying
LANGUAGES = """spanish|french|german|italian|portuguese|dutch|russian|chinese,mandarin,cantonese|
japanese|korean|arabic|hindi|urdu|bengali|punjabi|tamil|telugu|marathi|gujarati|turkish|greek|
polish|swedish|danish|norwegian|finnish|czech|hungarian|romanian|ukrainian|hebrew|persian,farsi|
thai|vietnamese|indonesian|malay|tagalog,filipino|swahili|welsh|irish,gaelic|latin|catalan|
afrikaans|zulu"""
_LANGUAGE = {
    name: tuple(group.split(","))
    for group in LANGUAGES.replace("\n", "").split("|")
    for name in group.split(",")
}
# a language word is the language (not a nationality: "a french press") after these...
_INTO = frozenset(["in", "into", "speak", "speaks", "speaking", "translate", "translated"])
# ...or before these, or closing the question ("the film hindi")
_OF_LANGUAGE = frozenset(
    [
        "version",
        "versions",
        "subtitles",
        "subtitle",
        "subtitled",
        "dub",
        "dubbed",
        "translation",
        "language",
        "speakers",
        "speaking",
        "spoken",
        "edition",
        "audio",
        "manual",
        "manuals",
        "support",
        "menu",
        "menus",
        "interface",
    ]
)


def missing_languages(
    text: str, present: set[str] | frozenset[str], told: frozenset[str] = frozenset()
) -> list[str]:
    """Languages ``text`` asks in or about ("is the manual in Spanish", "the film's hindi
    version") that the passages never name (any of its names: "mandarin" is "chinese")."""
    words = [m.group().lower() for m in TOKEN.finditer(text)]
    out = []
    for i, word in enumerate(words):
        names = _LANGUAGE.get(word)
        if names is None or word in told or any(stem(n) in present for n in names):
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        if (i and words[i - 1] in _INTO) or after in _OF_LANGUAGE or not after:
            out.append(word)
    return list(dict.fromkeys(out))


# dimension -> the ways a unit of it is written after a number (lower case)
DIMENSIONS = {
    "length": r"feet|foot|ft|inch(?:es)?|in|yards?|yds?|miles?|mi|meters?|metres?|m|"
    r"centimet(?:er|re)s?|cm|millimet(?:er|re)s?|mm|kilomet(?:er|re)s?|km",
    "mass": r"pounds?|lbs?|ounces?|oz|grams?|g|kilo(?:gram)?s?|kg|tons?|tonnes?",
    "volume": r"lit(?:er|re)s?|l|millilit(?:er|re)s?|ml|gallons?|gal|fl\.? ?oz|cups?",
    "power": r"watts?|w|kilowatts?|kw",
    "energy": r"kilowatt[- ]hours?|kwh|watt[- ]hours?|wh|joules?|j|calories?|kcal|btus?",
    "light": r"lumens?|lm",
    "voltage": r"volts?|v",
    "current": r"amps?|amperes?|a|milliamps?|ma",
    "charge": r"mah|milliamp[- ]hours?",
    "frequency": r"hertz|hz|khz|mhz|ghz",
    "data": r"bytes?|kb|mb|gb|tb|megabytes?|gigabytes?|terabytes?",
    "rate": r"mbps|gbps|kbps|megabits?|gigabits?",
    "loudness": r"decibels?|db",
    "temperature": r"degrees?|°|celsius|fahrenheit|°c|°f",
    "speed": r"mph|km/h|kph|kmh|knots?",
    "area": r"square (?:feet|foot|met(?:er|re)s?)|sq\.? ?(?:ft|m)|m2|acres?|hectares?",
}
# the ways a question names a unit it asks in (a symbol or a one-letter unit is no ask)
_ASKED_UNITS = {
    "length": r"feet|foot|inch(?:es)?|yards|miles|met(?:er|re)s|centimet(?:er|re)s|"
    r"millimet(?:er|re)s|kilomet(?:er|re)s",
    "mass": r"lbs|ounces|grams|kilos|kilograms|tons|tonnes",
    "volume": r"lit(?:er|re)s|millilit(?:er|re)s|gallons",
    "power": r"watts|wattage|kilowatts",
    "energy": r"kilowatt[- ]hours|kwh|joules|calories|btus",
    "light": r"lumens",
    "voltage": r"volts|voltage",
    "current": r"amps|amperes|amperage",
    "charge": r"mah",
    "frequency": r"hertz|hz|ghz|mhz",
    "data": r"megabytes|gigabytes|terabytes|gb|mb|tb",
    "rate": r"mbps|gbps|megabits",
    "loudness": r"decibels|db",
    "temperature": r"degrees|celsius|fahrenheit",
    "speed": r"mph|kph",
    "area": r"square (?:feet|met(?:er|re)s)|sq ft|acres|hectares",
}
_NUMBER = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred)"
STATED = {
    dim: re.compile(rf"{_NUMBER}\s?-?\s?(?:{units})(?![a-z])", re.I)
    for dim, units in DIMENSIONS.items()
}
_ASK_UNIT = "|".join(f"(?P<{dim}>{units})" for dim, units in _ASKED_UNITS.items())
# "how many lumens", "range in feet", "what wattage" ("in pounds" is a currency as often)
ASKED = re.compile(
    rf"\b(?:how\s+(?:many|much)|in|into|what(?:'s|\s+is)?(?:\s+the)?|which)\s+"
    rf"(?:{_ASK_UNIT})\b",
    re.I,
)


# a connection's speed asked without a unit ("what's the wifi speed", "how fast is the
# internet"): a rate in Mbps the documents must state, as "how many mbps" asks; "how fast will
# I get it" (a delivery) names no connection
_LINK = r"(?:wi-?fi|internet|broadband|connection|download|upload|network|hotspot)"
SPEED_ASKED = re.compile(
    rf"\b{_LINK}\s+speeds?\b|\bspeeds?\s+of\s+(?:the\s+|your\s+|ur\s+)?{_LINK}\b"
    rf"|\bhow\s+fast\s+(?:is|are)\s+(?:the\s+|your\s+|ur\s+)?{_LINK}\b",
    re.I,
)


def unmeasured(text: str, bodies: list[str]) -> list[str]:
    """The units ``text`` asks a quantity in (see ASKED, SPEED_ASKED) whose dimension no
    passage states a number in. One pass over the question, one per asked dimension over the
    passages."""
    out = []
    stated: dict[str, bool] = {}
    if SPEED_ASKED.search(text) and not any(STATED["rate"].search(body) for body in bodies):
        out.append("speed")
    for m in ASKED.finditer(text):
        dim = next(k for k, v in m.groupdict().items() if v)
        if dim not in stated:
            stated[dim] = any(STATED[dim].search(body) for body in bodies)
        if not stated[dim]:
            out.append(m.group(dim).lower())
    return list(dict.fromkeys(out))


# "what's your phone number", "do you have a support hotline number": asked to be told one
PHONE_ASKED = re.compile(
    r"\b(?:what(?:'s|s|\s+is|\s+are)?|which|give\s+me|send\s+me|need|get|find|have|know)\s+"
    r"(?:(?:the|your|ur|a|an|any|ya)\s+)?(?:[a-z]+\s+){0,2}?"
    r"(?:phone|telephone|tel|contact|hotline|helpline)\s+(?:number|no|nr|#)",
    re.I,
)
# a number to call as documents write one ("555-0140", "0800 123 456", "+44 20 7946 0000"),
# or the word itself (a passage saying there is no phone line answers too)
_PHONE_WORDS = frozenset(["phone", "telephone", "tel", "contact", "hotline", "helpline"])
PHONE_GIVEN = re.compile(r"\+?\d[\d ().-]{4,}\d|\b(?:tele)?phon(?:e|es|ed|ing)\b", re.I)


def unlisted_phone(text: str, bodies: list[str]) -> list[str]:
    """ "phone number" when ``text`` asks to be told one and no passage gives a number to call
    or speaks of the phone at all: a contact detail is answered by its own kind of text."""
    if PHONE_ASKED.search(text) and not any(PHONE_GIVEN.search(body) for body in bodies):
        return ["phone number"]
    return []


# after the number, a count's noun: "the label 3 WEEKS ago" counts weeks, it numbers no label
LABELS = 8  # numbered labels read per question (a message naming more is no question)
_COUNTED = frozenset(["day", "week", "month", "year", "hour", "minute", "second", "time", "night"])


# words that number the instalments of a sequence: a number after another word is as often
# a name ("world war 2" is World War II, "super bowl 51"), an age or a place ("gate 12")
INSTALMENTS = frozenset(
    [
        "season",
        "seasons",
        "episode",
        "episodes",
        "part",
        "chapter",
        "volume",
        "vol",
        "book",
        "series",
        "level",
        "stage",
        "tier",
        "round",
        "act",
        "scene",
        "phase",
        "version",
        "edition",
        "generation",
        "gen",
    ]
)


def _roman(n: int) -> str:
    """1-39 in Roman numerals ("Part II", "Episode IV"), lower case."""
    tens, units = divmod(n, 10)
    ones = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
    return "x" * tens + ones[units]


def unnumbered(text: str, bodies: list[str]) -> list[str]:
    """A numbered thing ("season 3 episode 12", "part 2") whose word the passages use but
    never with that number, in figures or words ("episode 12", "12th episode", "twelfth
    episode", "episode twelve"): they tell of other episodes. ``vetoes.unlisted_numbers``
    needs them to number the word otherwise; this needs them to name it. Only words that
    number instalments (INSTALMENTS; Roman numerals too: "Part II"). A number followed by a
    plural or a unit of time counts ("the label 3 weeks ago")."""
    out: list[str] = []
    joined = "\n".join(bodies).lower()
    asked: set[tuple[str, str]] = set()
    for m in LABELLED.finditer(text):
        word, number = m.group(1).lower(), m.group(2)
        if (word, number) in asked or len(asked) >= LABELS:
            continue  # each label once, a few per question: a passage scan each
        asked.add((word, number))
        nxt = re.match(r"\s*([a-z]+)", text[m.end() :].lower())
        counted = nxt is not None and (
            (nxt.group(1).endswith("s") and not nxt.group(1).endswith("ss"))
            or nxt.group(1) in _COUNTED
        )
        if counted or word not in INSTALMENTS or not re.search(rf"\b{word}", joined):
            continue
        n = int(number)
        forms = [number, f"{number}(?:st|nd|rd|th)"]
        if 0 < n <= len(ORDINALS):
            forms += [ORDINALS[n - 1], CARDINALS[n - 1]]
        if 0 < n < 40:
            forms.append(_roman(n))
        alt = "|".join(forms)
        near = rf"\b{word}\w*\W{{1,3}}(?:{alt})\b|\b(?:{alt})\W{{1,3}}{word}"
        if not re.search(near, joined):
            out.append(f"{word} {number}")
    return list(dict.fromkeys(out))


_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# any word that could start a reading, and the plural of a name ("iphones")
_TRIGGERS = frozenset(
    {*SINGLE_WORDS, *(w + "s" for w in SINGLE_WORDS), *(a for a, _ in FIRST_PAIRS)}
    | {*_LANGUAGE, *_PHONE_WORDS}
)
