"""Words of a question that say how it asks, not what about (read before the gate weighs it).

The gate weighs each concept by its IDF in the corpus, and the answering sentence states
the fact, not the way the customer put the question. Three kinds of such words, each a rule
of English grammar rather than of one app's vocabulary (the parse, and so retrieval, is
unchanged; ``answer_wording`` makes them frame for the gate only):

- a noun naming the kind of answer wanted, before what it is of ("what is the MEANING of
  ayes", "the DIFFERENCE between a and b", "the REASON for the delay"), an imperative verb
  of asking opening a clause ("DESCRIBE the parts of", "EXPLAIN how") and the verb of a
  "how much" question ("how much does it COST to bring a bike"): the sentence that answers
  gives the meaning, the difference, the reason, the amount, in its own words, as the
  parse already reads "what does it MEAN" and "how long does it TAKE";
- a particle or a set phrase built of the commonest words: "send it BACK" (not "my back"),
  "at the same TIME", "on TIME", "this TIME", "up to DATE", "out of DATE", "how many
  TIMES" (how often: the answer is the count), "as WELL" (also), the numeral "1" as an
  article ("charged twice for 1 order"): how, when, which direction or how many, never the
  thing asked about;
- (in ``wording.light_wording``) "use" as a verb ("can I still USE the thermostat"): its
  meaning is its object's, as a light verb's is.

A word read as wording stays a concept when it is the only known one left (then it is all
the question names), and a word the corpus never saw is never made frame (the vetoes may
need it).

>>> from stanchion.knowledge.query import Glossary, Vocabulary, parse
>>> vocab = Vocabulary(20, {"mean": 3, "aye": 1, "mail": 4, "back": 4, "refund": 2})
>>> q = answer_wording(parse("what is the meaning of ayes", vocab, Glossary({})))
>>> [(c.words, c.frame) for c in q.concepts]
[('meaning', True), ('ayes', False)]
>>> q = answer_wording(parse("if i mail it back when is the refund", vocab, Glossary({})))
>>> [(c.words, c.frame) for c in q.concepts]
[('mail', False), ('back', True), ('refund', False)]
>>> [c.frame for c in answer_wording(parse("my back hurts, refund?", vocab, Glossary({}))).concepts]
[False, False, False]
"""

from __future__ import annotations

from dataclasses import replace

from stanchion.knowledge.query.english import typo_of
from stanchion.knowledge.query.glossary import TOKEN
from stanchion.knowledge.query.parse import Concept, Query
from stanchion.knowledge.stopwords import STOPWORDS

# Nouns that name the kind of answer wanted, not its subject: "the X of / between / for /
# behind ...". (Price, size, "type", "kind" and "example" are left out: documents name them
# as such, "there are three types of plan", "for example".)
KINDS = frozenset(
    [
        *("meaning", "meanings", "purpose", "purposes", "difference", "differences"),
        *("reason", "reasons", "definition", "significance", "importance", "role", "roles"),
        *("function", "functions", "origin", "origins", "cause", "causes", "effect", "effects"),
    ]
)
KIND_AFTER = frozenset(["of", "between", "for", "behind", "why"])
# The verb of a "how much" question ("how much does it COST to bring a bike"): the answer
# states the amount, as "how long does it TAKE" is answered by the period (query.parse FRAME).
AMOUNT = frozenset(["cost", "costs", "charge", "charges"])
# Imperative verbs of asking that open a clause: "describe the parts of a transistor".
ASKING = frozenset(["describe", "explain", "define", "list", "name", "summarize", "summarise"])
CLAUSE_OPEN = frozenset(["please", "pls", "plz", "can", "could", "you", "u", "and", "also", "so"])
# "back" as a noun follows a determiner or an adjective ("my back", "the back of the unit",
# "lower back"); after a verb or a pronoun it is a particle ("send it back", "pay me back").
NOUN_BEFORE = frozenset(
    [
        *("a", "an", "the", "my", "your", "ur", "his", "her", "its", "our", "their", "this"),
        *("that", "lower", "upper", "bad", "sore", "at", "on", "from", "in", "to"),
    ]
)
# "time" in an adverbial set phrase: "at the same time", "at a time", "on time", "in time",
# "this / next / last / every / first / any / some time"
TIME_BEFORE = frozenset(
    ["same", "a", "on", "in", "this", "next", "last", "every", "first", "any", "some", "one"]
)


def _typed(c: Concept) -> str:
    return c.words.lower()


def _is(word: str, kinds: frozenset[str]) -> bool:
    return word in kinds or typo_of(word) in kinds


def _positions(tokens: list[str], word: str) -> list[int]:
    return [i for i, t in enumerate(tokens) if t == word]


def _kind_noun(word: str, tokens: list[str]) -> bool:
    """A noun of the answer's kind before what it is of ("the meaning OF")."""
    if not _is(word, KINDS):
        return False
    return any(
        i + 1 < len(tokens) and tokens[i + 1] in KIND_AFTER for i in _positions(tokens, word)
    )


def _asking_verb(word: str, tokens: list[str]) -> bool:
    """An imperative verb of asking opening the message or a clause ("describe the ...")."""
    if not _is(word, ASKING):
        return False
    return any(all(t in CLAUSE_OPEN for t in tokens[:i]) for i in _positions(tokens, word))


def _amount_verb(word: str, tokens: list[str]) -> bool:
    """ "cost" as the verb of a "how much" question: "how much does it cost", "how much do
    you charge" (not "the cost of", a noun the answer may name)."""
    if word not in AMOUNT:
        return False
    asked = [j for j in range(len(tokens) - 1) if tokens[j : j + 2] == ["how", "much"]]
    return any(
        asked and asked[0] < i - 1 and tokens[i - 1] not in NOUN_BEFORE
        for i in _positions(tokens, word)
    )


def _particle(word: str, tokens: list[str]) -> bool:
    """ "back" after a verb or a pronoun; "time" in an adverbial set phrase."""
    at = _positions(tokens, word)
    if word == "back":  # "back up" is a verb of its own
        return bool(at) and all(
            i > 0 and tokens[i - 1] not in NOUN_BEFORE and _ends(tokens, i, "up") for i in at
        )
    if word == "date":  # "up to date", "out of date": current, not a day of the calendar
        return bool(at) and all(
            tokens[max(0, i - 2) : i] in (["up", "to"], ["out", "of"]) for i in at
        )
    if word == "times":  # "how many times can I renew": a count of occurrences, its number
        return bool(at) and all(tokens[max(0, i - 2) : i] == ["how", "many"] for i in at)
    if word == "1":  # "for 1 order": an article, as "one" (a stop word) is
        return bool(at) and all(i + 1 < len(tokens) and tokens[i + 1].isalpha() for i in at)
    if word == "well":  # "as well" (as): also, never the well being asked about
        return bool(at) and all(i > 0 and tokens[i - 1] == "as" for i in at)
    if word == "time":  # "time limit", "time zone": a kind of limit, the point
        return bool(at) and all(
            i > 0 and tokens[i - 1] in TIME_BEFORE and _ends(tokens, i) for i in at
        )
    return False


def _ends(tokens: list[str], i: int, unless: str = "") -> bool:
    """Whether the word at ``i`` ends its phrase: the message ends or a grammar word follows."""
    return i + 1 == len(tokens) or (tokens[i + 1] in STOPWORDS and tokens[i + 1] != unless)


def wording_of(c: Concept, tokens: list[str]) -> bool:
    """Whether a known single-word concept of the question is how it asks, not what about."""
    if not c.known or c.frame or c.how not in ("word", "spelling") or " " in c.words:
        return False
    w = _typed(c)
    if _kind_noun(w, tokens) or _asking_verb(w, tokens) or _amount_verb(w, tokens):
        return True
    return _particle(w, tokens)


def answer_wording(query: Query) -> Query:
    """``query`` with its words of asking (see the module) made frame, when a known concept
    of its own remains the point."""
    tokens = [m.group().lower() for m in TOKEN.finditer(query.text)]
    asked = {c for c in query.content() if wording_of(c, tokens)}
    if not asked:
        return query
    if not any(c.known and c not in asked for c in query.content()):
        return query  # the asking word is all the question names
    concepts = tuple(replace(c, frame=True) if c in asked else c for c in query.concepts)
    return Query(query.text, concepts)
