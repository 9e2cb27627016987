"""Vetoes: what makes retrieved passages unable to answer a question whatever its score.

A named thing the corpus could plausibly hold but the passages lack vetoes the answer (score
0): a country or carrier ("ship to Australia", "DHL"), or a product-like name (an unknown
word right after a brand word that opens several titles: "Lumen Speaker"). A city stands for
its country: it vetoes when the passages name countries but not its own ("I'm in Sydney"
against "orders to Canada take..."), never against passages that name no country. A word of
the question the corpus never uses vetoes when it is the question's point (``novel_points``,
``unoffered``), never when it is incidental wording. Numbers, times of day and misspelt
corpus words never veto. ``answerability.assess`` applies them; it re-exports them. Named
services, languages, measures, phone numbers and numbered instalments are in
``knowledge.named_kinds``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from stanchion.knowledge.query.english import rarity, typo_of, zipf
from stanchion.knowledge.query.gazetteer import named_places, unserved_cities
from stanchion.knowledge.query.glossary import TOKEN, token_term
from stanchion.knowledge.query.parse import FILLERS, PLACEHOLDER, Concept, Query
from stanchion.knowledge.query.turns import ASK, INVERTED, is_told, split_facts
from stanchion.knowledge.query.vocabulary import Vocabulary
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem

ADJECTIVE = 3.0  # an "-ly" word whose base is at least this common is an adverb
NOVEL = 0.25  # rarity of an unseen word that makes it the point (see novel_points)
CLOCK = re.compile(r"\d{1,2}(?:[:.]\d\d)?(?:am|pm|h)", re.I)  # "10am", "2:30pm": a time, not a name
Pair = tuple[str, str]


def _named(word: str, text: str) -> bool:
    """A word written as a name or a code: a capital inside a sentence ("pay with Bitcoin"),
    or letters and digits in one token ("4K", "60fps"), or a capital after a small letter
    ("iPad", "eBay": a brand's spelling, wherever it stands)."""
    if any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word):
        return True
    if re.search(r"[a-z][A-Z]", word):
        return True
    if not word[:1].isupper():
        return False
    for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text):
        before = text[: m.start()].rstrip()
        if before and before[-1] not in ".!?:\n\"'(":
            return True
    return False


def novel_points(query: Query, present: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Words of the question itself (not its context) that the corpus has never seen and
    that look like its point: rare in English ("refurbished", "60fps"), or written as a name
    or a code that is not an everyday word ("Bitcoin", "4K"; not "Christmas"). A time of day
    ("10am") and a word the passages hold after all (a catalog row's "Mini") are not."""
    out = []
    story = _story_words(query.text) | _happenings(query)
    for c in query.content():
        if c.known or c.words.isdigit() or PLACEHOLDER.fullmatch(c.words):
            continue
        if CLOCK.fullmatch(c.words) or c.present(present):
            continue
        if c.words.lower() in story and not _named(c.words, query.text):
            continue  # a name or a code ("I use Klarna, can I...") is named however told
        if c.words.lower().endswith(("'s", "’s")):  # "my husband's birthday": whose, not what
            continue
        rare = rarity(c.words)
        if manner(c.words) or superlative(c.words):
            continue
        if rare >= NOVEL or (rare > 0 and _named(c.words, query.text)):
            out.append(normalize_word(c.words))
    return out


def _story_words(text: str) -> frozenset[str]:
    """The words only a told clause of the question holds, when another clause asks in
    words ("whether it can record in the dark, we have no porch light"; "my handle snapped,
    will you pay for it"): the customer's circumstances, not what the documents must name.
    A clause asked by its question mark alone ("..., known issue?") lends its point to the
    clause before it, so then nothing is set aside."""
    clauses = [c for c in split_facts(text) if c and c.strip()]
    if len(clauses) < 2:
        return frozenset()
    asking = [c for c in clauses if _asks_in_words(c)]
    if not asking:
        return frozenset()
    asked = {t.group().lower() for c in asking for t in TOKEN.finditer(c)}
    told = {t.group().lower() for c in clauses if is_told(c) for t in TOKEN.finditer(c)}
    return frozenset(told - asked)


VERB = 3.5  # Zipf of the base of an inflected word that makes it an English verb
_COPULA = frozenset(["is", "are", "was", "were", "be", "been", "being", "get", "gets", "got"])


def _happenings(query: Query) -> frozenset[str]:
    """Verbs of what happened to the customer's thing: an inflected English verb right after
    a corpus noun or a pronoun, its subject ("if my direct debit BOUNCES", "the handle
    SNAPPED"). The documents tell that event in their own words ("a failed payment"). Not a
    property asked of it ("is the tap water FLUORIDATED": a copula opens the clause)."""
    known = {c.words.lower() for c in query.content() if c.known}
    tokens = [m.group().lower() for m in TOKEN.finditer(query.text)]
    out = set()
    for i in range(1, len(tokens)):
        word, before = tokens[i], tokens[i - 1]
        if not (before in known or before in _SUBJECTS) or not _verb_form(word):
            continue
        opened = next((t for t in reversed(tokens[:i]) if t in _OPENERS), "")
        # "-s" is a plural as often ("the bulb SOCKETS"): a verb only in a clause of events
        if opened not in _COPULA and (word.endswith("ed") or opened in _EVENTS):
            out.add(word)
    return frozenset(out)


_SUBJECTS = frozenset(["it", "they", "he", "she", "this", "that", "mine", "one"])
_EVENTS = frozenset(["if", "when", "because", "since", "after", "until", "unless"])
_OPENERS = _COPULA | _EVENTS


def _verb_form(word: str) -> bool:
    """A third-person or past form of an English verb ("bounces", "snapped", "died")."""
    if not word.isalpha() or len(word) < 4:
        return False
    bases: tuple[str, ...]
    if word.endswith("ed"):
        bases = (word[:-2], word[:-1], word[:-3] if word[-3:-2] == word[-4:-3] else "")
    elif word.endswith("es") or word.endswith("s"):
        bases = (word[:-1], word[:-2])
    else:
        return False
    return any(len(b) > 2 and zipf(b) >= VERB and b not in STOPWORDS for b in bases)


def _asks_in_words(clause: str) -> bool:
    plain = clause.rstrip().rstrip("?").rstrip()
    return bool(ASK.search(plain) or INVERTED.search(plain))


def manner(word: str) -> bool:
    """An adverb of an English adjective ("vaguely", "honestly", "reasonably" of
    "reasonable", "happily" of "happy", "basically" of "basic") says how, never what."""
    w = word.lower()
    if len(w) <= 5 or not w.endswith("ly") or not w.isalpha():
        return False
    base = w[:-2]
    able = base + "le" if w.endswith(("ably", "ibly")) else ""
    forms = (base, able, base[:-1] + "y", w[:-4] if w.endswith("ally") else "")
    return any(len(f) > 2 and zipf(f) >= ADJECTIVE for f in forms)


def superlative(word: str) -> bool:
    """The -est of an everyday adjective ("quickest", "cheapest", "latest") asks which of
    the options the documents list, never for a thing of its own."""
    w = word.lower()
    if len(w) < 6 or not w.endswith("est") or not w.isalpha():
        return False
    base = w[:-3]
    forms = (base, base + "e", base[:-1] if base[-1:] == base[-2:-1] else "", base[:-1] + "y")
    return any(len(f) > 2 and f not in STOPWORDS and zipf(f) >= ADJECTIVE for f in forms)


def missing_names(
    text: str, vocab: Vocabulary, present: set[str], places: frozenset[str] = frozenset()
) -> list[str]:
    """Places, carriers and product-like names of ``text`` the passages do not hold;
    ``places``: the terms of the countries the passages' cities stand for
    (``gazetteer.city_countries``), which hold a country asked about as its name would."""
    tokens = [m.group() for m in TOKEN.finditer(text)]
    keys = [token_term(t) or "" for t in tokens]
    out = [
        name
        for name, aliases in named_places([k for k in keys if k])
        if not any(all(t in present or t in places for t in alias) for alias in aliases)
    ]
    for i, key in enumerate(keys):
        if key in vocab.names:
            out.extend(_unknown_after(tokens, keys, i, vocab, present))
    out.extend(unserved_cities(text, present))
    return list(dict.fromkeys(out))


def _unknown_after(
    tokens: list[str], keys: list[str], i: int, vocab: Vocabulary, present: set[str]
) -> list[str]:
    """Words of a name opened by a brand word at ``i`` that the corpus has never seen. A
    name written in title case ends at its first lower-case word ("the Lumen Thermostat
    installed"); otherwise it runs two words on ("Lumen smart lock")."""
    out: list[str] = []
    titled = tokens[i][:1].isupper()
    asked = titled and i and tokens[i - 1].lower() in AUXILIARIES
    if asked and i + 1 < len(tokens) and tokens[i + 1].islower():
        return out  # "Does Lumen share my data": the brand's verb, not a product's name
    for k, (raw, key) in enumerate(list(zip(tokens, keys, strict=True))[i + 1 : i + 3]):
        if not key or not raw.isalpha() or (titled and k and raw.islower()):
            break
        titled = titled and raw[:1].isupper()
        if normalize_word(raw) in STOPWORDS or normalize_word(raw) in FILLERS:
            break
        if key in vocab or key in present or _mended(raw, vocab):
            continue
        if vocab.correct(key) is None:
            out.append(normalize_word(raw))
    return out


def _mended(raw: str, vocab: Vocabulary) -> bool:
    """A typo of an English word the corpus holds ("heart locatec"), as the parse mends
    it: no part of a name."""
    meant = typo_of(normalize_word(raw))
    return meant is not None and stem(meant) in vocab


# "do you offer X", "is there an X": what is offered is named; if the corpus never names it,
# nothing in the documents offers it ("do you offer installation", "any student discount")
OFFER = re.compile(
    r"\b(?:(?:do|does|will|would|can|could)\s+(?:you|u|ya|they|we)\s+(?:guys\s+)?"
    r"(?:offer|have|sell|provide|supply|support|accept|take|carry|stock|give|run|do)"
    r"|(?:is|are)\s+there|any\s+chance\s+of"
    # "any discount if I buy two?": "is there" left out, the question opens with "any"
    r"|(?:^|[,.;!?]\s*)(?:(?:so|ok|okay|and|also|hi|hey)\W+)*(?=any\s))\s*"
    r"(?:(?:a|an|any|some|the|your|ur)\s+)?(?P<what>[a-z0-9'-]+(?:\s+[a-z0-9'-]+){0,2})",
    re.I,
)
# "can I bring my own sandwiches": what the customer would bring is named; if the corpus
# never names it, no rule of the documents is about it
BRING = re.compile(
    r"\b(?:can|could|may)\s+(?:i|we|u|you)\s+(?:bring|take|pack|carry)\s+"
    r"(?:(?:a|an|my|our|the|his|her|their|some|any|own)\s+){0,2}"
    r"(?P<what>[a-z0-9'-]+(?:\s+[a-z0-9'-]+)?)",
    re.I,
)
# "can I borrow a guitar", "can we hire a projector": what the customer would get is named;
# a help centre names what it lends, hires, books or sells, so a corpus never naming it
# offers no such thing (the neighbour it matches, "a large-print keyboard", is another)
OBTAIN = re.compile(
    r"\b(?:can|could|may)\s+(?:i|we|u|you)\s+(?:borrow|hire|rent|book|buy|order|reserve|get)\s+"
    r"(?:(?:a|an|my|our|the|his|her|their|some|any|own|one|two)\s+){0,2}"
    r"(?P<what>[a-z0-9'-]+(?:\s+[a-z0-9'-]+){0,2})",
    re.I,
)
GENERIC = 5.3  # Zipf of "else", "way", "thing": words that name no particular offer
# what one asks to be told rather than sold: "any figures on...", "any ideas before I call..."
INFORMATION = frozenset(
    [
        "idea",
        "ideas",
        "tip",
        "tips",
        "advice",
        "info",
        "information",
        "detail",
        "details",
        "figure",
        "figures",
        "number",
        "numbers",
        "stat",
        "stats",
        "statistic",
        "statistics",
        "data",
        "suggestion",
        "suggestions",
        "recommendation",
        "recommendations",
        "guidance",
        "news",
        "update",
        "updates",
        "word",
        "clue",
        "clues",
        "insight",
        "insights",
    ]
)
# "is there somewhere to leave bags": a place, a way or a time not yet named, not a thing
INDEFINITE = frozenset(
    [
        *("somewhere", "anywhere", "everywhere", "someplace", "anyplace", "elsewhere"),
        *("sometime", "somehow", "anyhow", "whatever", "whichever", "wherever", "whoever"),
    ]
)
_OFFER_END = frozenset(
    [
        *("for", "with", "in", "on", "to", "at", "of", "if", "or", "and", "but", "so"),
        *("when", "that", "which", "where", "who", "i", "you", "we"),
    ]
)


def unoffered(query: Query, present: set[str] | frozenset[str]) -> list[str]:
    """The words naming what an "is there / do you offer / can I borrow" question asks for
    that neither the corpus nor the passages hold ("installation" in "do you offer
    installation?")."""
    words = []
    for m in (OFFER.search(query.text), BRING.search(query.text), OBTAIN.search(query.text)):
        for w in m.group("what").split() if m else ():
            if w.lower() in _OFFER_END:
                break
            if not w.lower().endswith("'s"):  # "my mother's scooter": whose, not what
                words += [normalize_word(part) for part in w.split("-") if part]
    if not words:
        return []
    out = []
    for c in query.content():
        key = normalize_word(c.words)
        told = key in FILLERS or key in INFORMATION or key in INDEFINITE
        if key in words and not c.known and not c.present(present) and not told:
            generic = zipf(key) >= GENERIC  # "is there something else", "any other way"
            if not key.isdigit() and not CLOCK.fullmatch(key) and not generic:
                out.append(key)
    return out


# before a brand, the question asks what the company does: "does Lumen sell...", "can Acme fix"
AUXILIARIES = frozenset(
    ["do", "does", "did", "will", "would", "can", "could", "should", "may", "has", "have"]
)
LABELLED = re.compile(r"\b([a-z]{3,})[ -](\d{1,3})\b", re.I)  # "level 3", "tier 2", "gen 4"


def unlisted_numbers(text: str, passages: list[Pair]) -> list[str]:
    """A numbered thing the passages number otherwise: "level 3" where they describe Level 1
    and Level 2 only. A word the passages never number is not a label ("around 80"). One
    pass over the passages and one over the question, whatever the question's length."""
    numbered: dict[str, set[str]] = {}
    for _, body in passages:
        for m in LABELLED.finditer(body):
            numbered.setdefault(m.group(1).lower(), set()).add(m.group(2))
    out = []
    for m in LABELLED.finditer(text):
        word, number = m.group(1).lower(), m.group(2)
        seen = numbered.get(word)
        if seen and number not in seen and word not in STOPWORDS:
            out.append(f"{word} {number}")
    return list(dict.fromkeys(out))


EVERYDAY = 5.0  # Zipf: a word this common ("old", "small", "list") describes; it does not narrow
# before a word, these make it the customer's own thing or a verb, never a kind on offer
_NOT_NARROWING = frozenset(
    [
        *("my", "our", "your", "ur", "his", "her", "their", "its", "to"),
        *("i", "we", "you", "u", "they", "he", "she", "it", "who", "that", "which"),
        *AUXILIARIES,
        *("did", "is", "are", "was", "were", "am", "be", "been", "must", "shall", "might"),
    ]
)
# after a noun phrase, these make its last word a verb ("families GET a discount")
_OBJECT_START = frozenset(
    ["a", "an", "the", "my", "our", "your", "this", "that", "any", "some", "me", "it", "us"]
)
# "is parking free", "do big families get...": the subject of a yes/no question is what it is
# about (its words up to the first the corpus knows)
SUBJECT = re.compile(
    r"(?:^|[,.;!?]\s*)(?:(?:so|ok|okay|and|also|but)\W+)*(?:is|are|do|does)\s+"
    r"(?:(?:the|a|an|any)\s+)?(?P<what>[a-z]+(?:\s+[a-z]+)?)\b",
    re.I,
)


# "in euros", "in canadian dollars", "for windows pc": a bare noun after a preposition, closing
# the ask, names a kind (a unit, a currency, a system); "for a kitchen", "in the dark" name a
# situation, and "on Monday", "on weekends" a time
BARE = re.compile(
    r"\b(?:in|for|with)\s+(?P<what>[a-z]+(?:\s+[a-z]+)?)\s*(?=$|[,.;!?]|\s+(?:and|or|but)\b)",
    re.I,
)

# a currency as customers name it and as documents write it
CURRENCY = {"dollars": "usd", "dollar": "usd", "bucks": "usd", "euros": "eur", "euro": "eur"}
CURRENCY |= {"pounds": "gbp", "quid": "gbp", "francs": "chf", "yen": "jpy"}


def narrowed(query: Query, present: set[str] | frozenset[str]) -> list[str]:
    """Unseen words that make a question about a kind the documents never name: a modifier
    right before a corpus noun ("the baggage allowance in PREMIUM economy", "pay with APPLE
    pay", "a HEAT PUMP system"), a bare noun closing the ask ("the price in EUROS"), or the
    subject of a yes/no question ("is PARKING free"). The corpus noun alone matches a
    neighbour's facts; the kind is the point. Not: an everyday adjective ("old clips",
    "small order"), the customer's own thing ("my banking app"), a verb ("can I store
    bags"), an idiom ("in total"), a word of a clause that only tells."""
    words = {c.words.lower(): c for c in query.content() if " " not in c.words}
    story = _story_words(query.text)

    def unseen(word: str, common: float = EVERYDAY) -> bool:
        c = words.get(word)
        if c is None or c.known or c.present(present) or word in story:
            return False
        if not word.isalpha() or not 0 < zipf(word) < common or _inflected(word):
            return False
        return typo_of(word) is None  # "teh mower": a typo of "the", not a kind

    out = _modifiers(query.text, words, unseen)
    for m in BARE.finditer(query.text):
        kind = m.group("what").lower().split()
        if len(kind) == 1 and not _plural(kind[0]):
            continue  # "in total", "in practice", "in november": idioms and times
        if CURRENCY.get(kind[-1]) in present:
            kind = kind[:-1]  # "in dollars" where the passages say USD; "in CANADIAN dollars"
        if kind and all(w not in STOPWORDS and unseen(w, GENERIC) for w in kind):
            out += [normalize_word(w) for w in kind]
    for m in SUBJECT.finditer(query.text):
        for word in m.group("what").lower().split():
            if word in STOPWORDS or word in FILLERS or word not in words or words[word].known:
                break
            if unseen(word):
                out.append(normalize_word(word))
    return list(dict.fromkeys(out))


def _modifiers(text: str, words: dict[str, Concept], unseen: Callable[[str], bool]) -> list[str]:
    """Unseen words right before a corpus noun that narrow it to a kind (see ``narrowed``)."""
    out = []
    tokens = [m.group().lower() for m in TOKEN.finditer(text)]
    for i, (word, head) in enumerate(itertools.pairwise(tokens)):
        c = words.get(head)
        if c is None or not c.known or not head.isalpha() or not unseen(word):
            continue
        if word.endswith("ing") or head.endswith("ing"):
            continue  # "cheaper than BUYING four", "hub KEEPS dropping": verbs
        before = tokens[i - 1] if i else ""
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        measure = before.replace(".", "").replace(",", "").isdigit()  # "a 20 dollar order"
        if before not in _NOT_NARROWING and after not in _OBJECT_START and not measure:
            out.append(normalize_word(word))
    return out


IRREGULAR_PLURALS = frozenset(["feet", "teeth", "people", "children", "men", "women"])


def _plural(word: str) -> bool:
    return word in IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith("ss"))


def _inflected(word: str) -> bool:
    """A past form or an adverb of an English word ("dropped", "screwed", "quickly"): it says
    what happened or how, never which kind."""
    if manner(word) or superlative(word):
        return True
    if len(word) > 4 and word.endswith("ed"):
        stem = word[:-2]
        forms = (stem, word[:-1], stem[:-1] if stem[-1:] == stem[-2:-1] else "", stem[:-1] + "y")
        return any(len(f) > 2 and zipf(f) >= ADJECTIVE for f in forms)
    return False
