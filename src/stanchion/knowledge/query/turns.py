"""A message as questions, and a follow-up made standalone.

``split_parts`` cuts a message into the questions it asks: sentences, and clauses joined by
"and"/"also" before a new question word. A statement ("I ordered the hub on Monday.") is
context for the question after it, not a question of its own. ``is_followup`` tells a turn
that leans on earlier ones ("can I still send it back?", "and to Canada?"); the retriever
then carries the salient concepts of the earlier user turns into its query.

>>> split_parts("I ordered a hub monday. Can I still cancel it? also how long do refunds take")
['I ordered a hub monday. Can I still cancel it?', 'how long do refunds take']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stanchion.knowledge.query.parse import Query, frame_terms, lends

MAX_PARTS = 4
_QWORD = (
    r"how|what|whats|what's|when|where|which|who|why|can|could|do|does|did|is|are|will|would"
    r"|should|shall|may|am|was|were|have|has|any|tell|explain|show|give|list"
    # question words as they are mistyped at the start of a message ("dose my cat need...")
    r"|dose|wat|wht|whta|hw|hwo|wher|whre|wen|whn|wich|cna|wud|shud"
)
_LEADS = r"how|what|whats|when|where|which|who|why|can|could|do|does|is|are|will|would|should"
# how a customer softens the next question ("..., and roughly how long does it take")
_HEDGES = r"roughly|approximately|about|just|exactly|usually|generally|typically|normally"
SENTENCES = re.compile(r"(?<=[?!.])\s+|\n+|;\s+|(?<=\?)(?=\S)")
CLAUSES = re.compile(
    rf",?\s+(?:and|also|but)\s+(?:(?:also|then|{_HEDGES})\s+)?(?=(?:{_LEADS})\b)"
    r"|,\s+(?:so\s+|then\s+)?(?=(?:how|what|when|where|which|why)\b)"
    # "the screen went blank so what do I do": "so" before a question word opens the ask
    r"|,?\s+so\s+(?=(?:how|what|when|where|which|why|should|can|could|do)\s)",
    re.I,
)
ASK = re.compile(
    rf"\?\s*$|^\W*(?:(?:ok|okay|so|and|also|hi|hey|hello|thanks|please|pls)\W+)*(?:{_QWORD})\b"
    r"|\b(?:i need|i want|i wanna|i would like|i'?d like|i'?d love|please|pls|plz|tell me"
    r"|let me know|lemme know|lmk|help me"
    r"|wondering|wanted to ask|wants? to know|wanted to know|would like to know)\b"
    # a question word anywhere, but not one that compares ("cheaper than what I paid")
    r"|(?<!\bthan )\b(?:how|what|when|where|which|why)\b"
    # an auxiliary before a person anywhere in the clause: "And if I leave, can I get..."
    r"|\b(?:can|could|do|does|will|would|should|am|is|are|r)\s+(?:i|you|u|ya|we|they)\b",
    re.I,
)
# the courtesies of a message, not its questions: "Hi Lumen team,", "Thanks so much, Linda"
GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^,.!?\n]{0,40}[,.!\n]"
    r"|(?:i )?hope (?:you(?:'re| are)|your (?:having|doing|day|week)|this finds you)"
    r"[^.!?\n]*[.!\n])\s*",
    re.I,
)
CLOSING = re.compile(
    r"(?:[.!?]|^)\s*(?:(?:many |thanks? |thank you )?(?:thanks|thank you|cheers|best|regards"
    r"|kind regards|best regards|best wishes|sincerely)(?: (?:so|very) much| in advance"
    r"| a (?:lot|million|bunch|ton)| again| for (?:your|the|any) (?:help|time|reply|answer))*"
    r"[,.!]?\s*(?:[A-Za-z<>_0-9]+\s*){0,3}[.!]?\s*)$",
    re.I,
)
# a question however it is written: an auxiliary before its subject anywhere in the message
# ("amazon has it cheaper, will you match", "I manage flats, do you have bulk prices")
INVERTED = re.compile(
    r"\b(?:do|does|did|can|could|will|would|am|is|are|was|were|should|shall|may|must|have|has"
    r"|dose|deos|cna)"  # as they are mistyped: "my cat, dose she need..." asks
    r"\s+(?:i|you|u|ya|we|they|it|he|she|there|this|that|these|those|the|my|our|your|ur"
    r"|a|an|any|anyone|someone)\b",
    re.I,
)
# who tells a situation: "I left...", "my cart...", "we had a storm..."
NARRATOR = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|my|me|mine|we|we're|we've|our|us)\b", re.I)
PRONOUN = re.compile(
    r"\b(?:it|its|it's|they|them|their|that|this|those|these|one|ones|there)\b", re.I
)
ELLIPSIS = re.compile(r"^\W*(?:and|also|what about|how about|what if|same|then|or)\b", re.I)
# how a turn takes up the reply before it, then asks on: "thanks!", "ok but", "good to hear."
TAKES_UP = re.compile(
    r"^\W*(?:ok(?:ay)?|k|alright|right|great|cool|perfect|got it|i see|good to (?:hear|know)"
    r"|thanks?|thank you|thx|ty|done|hmm+|but|so)\b",
    re.I,
)
# a word that sets the turn against the one before: "can i pack it in my suitcase INSTEAD"
CONTINUES = re.compile(r"\b(?:instead|too|as well|either|else|otherwise|again)\b", re.I)
# Own concepts a turn may name and still lean on the earlier one, when two signs say it
# does ("ok but how long do you take to look at the item once it arrives": an opener that
# takes up the reply, and a pronoun): a turn that names this much of its own with one sign
# ("is there a fee for paper bills") is a new question.
LEANING = 4


APOLOGY = re.compile(
    r"(?:(?<=[.!?])\s+|^)(?:(?:and |also )?(?:i'?m |i am )?(?:so |very )?sorry|apologies)"
    r"(?: in advance)?"
    r" (?:for|about) (?:the|my|all the|all these|so many|these|this)?\s*(?:many |long |lengthy "
    r"|silly |basic |stupid |dumb )?(?:questions?|message|e-?mail|trouble|bother|rant|length"
    r"|inconvenience|typos?)\b[^.?!]{0,30}[.!]*",
    re.I,
)


# shorthand of chat and e-mail for words the rest of the reading knows ("cam w/o the sub")
SHORTHAND = (
    (re.compile(r"(?<!\S)w/o(?:ut)?\b", re.I), "without"),
    (re.compile(r"(?<!\S)b/c\b", re.I), "because"),
    (re.compile(r"(?<!\S)w/(?=\s|[a-z])", re.I), "with "),
    (re.compile(r"(?<=\s)[&+](?=\s)"), "and"),
)


def unabbreviate(text: str) -> str:
    """Chat shorthand spelt out: "cam w/o the sub" -> "cam without the sub".

    >>> unabbreviate("cam w/o the sub & w/wifi b/c")
    'cam without the sub and with wifi because'
    """
    if "/" not in text and "&" not in text and "+" not in text:
        return text
    for pattern, words in SHORTHAND:
        text = pattern.sub(words, text)
    return text


def strip_courtesies(text: str) -> str:
    """The message without its greeting, apologies for itself and sign-off."""
    text = APOLOGY.sub(" ", text)
    before = None
    while before != text:
        before = text
        text = GREETING.sub("", text, count=1)
    m = CLOSING.search(text)
    if m and m.start() > 0:
        text = text[: m.start() + 1]
    return text.strip() or before.strip()


# how a message announces and counts its questions, not what they ask: "two things.",
# "a few questions before I order:", "First, ...", "Secondly how..."
ANNOUNCE = re.compile(
    r"^\W*(?:i have |i've got |got )?(?:just |only )?(?:(?:a|one|two|three|four|several|some|"
    r"few|couple|couple of|quick|small|more|other)\s+)*(?:things?|questions?|queries|points?)"
    r"(?:\s+(?:before|for|about|regarding|on|please)\b[^.?!:\n]{0,40})?\s*[.:!]\s*",
    re.I,
)
ENUMERATOR = re.compile(
    rf"^\W*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|finally|lastly|next|also|plus)"
    rf"(?:\s*[,:]\s*|\s+(?=(?:{_LEADS})\b))",
    re.I,
)


ENUMERATED = re.compile(r"^\W*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|finally|lastly)\W*$", re.I)


def _unframed(piece: str) -> str:
    if ENUMERATED.match(piece):  # "First, how long...": the clause split left "First"
        return ""
    return ENUMERATOR.sub("", ANNOUNCE.sub("", piece, count=1), count=1)


# "my bulb died after a year, am i covered": a situation told, then the question asked of
# it, in one sentence; the comma before an auxiliary and its subject is where the ask opens
STORY_WORDS = 3  # a subject, a verb and what happened: fewer is a phrase of keywords
# "if I move abroad, can I keep my number": a condition of the ask, not a story told
CONDITION = re.compile(
    r"^\W*(?:(?:and|but|so)\s+)?(?:if|unless|in case|when|whenever|once)\b", re.I
)
ASKED_OF = re.compile(
    r",\s+(?:(?:so|then|and|but)\s+)?(?=(?:can|could|do|does|did|will|would|should|am|is|are)"
    r"\s+(?:i|you|u|we|they|it|my|the|this|that)\b)",
    re.I,
)


def _told_then_asked(clause: str) -> list[str]:
    """A clause cut where the story before a comma ends and its question begins, when the
    part before the comma tells something and asks nothing itself ("can I return it, do I
    pay the postage" stays one ask; so does "hub price, is it cheaper": keywords, no story).
    The story is then the question's context (see ``split_asks``): its words say what
    happened, the ask says what the documents must answer."""
    m = ASKED_OF.search(clause)
    if m is None:
        return [clause]
    story = clause[: m.start()].strip()
    if len(story.split()) < STORY_WORDS or CONDITION.match(story):
        return [clause]
    if ASK.search(story) or INVERTED.search(story):
        return [clause]
    return [story, clause[m.end() :]]


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    for sentence in SENTENCES.split(strip_courtesies(text)):
        for p in CLAUSES.split(sentence):
            if p and p.strip():
                out.extend(_unframed(c.strip()) for c in _told_then_asked(p.strip()))
    return [p for p in out if re.search(r"[A-Za-z0-9]", p)]


@dataclass(frozen=True, slots=True)
class Ask:
    """One question of a message and the statements around it (its context)."""

    ask: str
    context: str = ""

    @property
    def text(self) -> str:
        return f"{self.context} {self.ask}".strip() if self.context else self.ask


def split_asks(text: str) -> list[Ask]:
    """The questions of a message; a statement is context for the question after it (or,
    at the end of the message, for the one before)."""
    asks: list[Ask] = []
    pending: list[str] = []
    for piece in _pieces(text):
        if ASK.search(piece):
            asks.append(Ask(piece, " ".join(pending)))
            pending = []
        else:
            pending.append(piece)
    if pending and asks:
        last = asks[-1]
        asks[-1] = Ask(last.ask, " ".join([last.context, *pending]).strip())
    elif pending:
        asks.append(Ask(" ".join(pending)))
    if len(asks) > MAX_PARTS:
        rest = asks[MAX_PARTS - 1 :]
        merged = Ask(" ".join(a.ask for a in rest), " ".join(a.context for a in rest).strip())
        asks = [*asks[: MAX_PARTS - 1], merged]
    return asks or [Ask(text.strip())]


def split_parts(text: str) -> list[str]:
    """The questions of a message, each with the statements that lead up to it."""
    return [a.text for a in split_asks(text)]


def is_told(text: str) -> bool:
    """A situation the customer tells without asking anything ("I left my headphones in the
    seat pocket."): what they ask is implied, what the documents say about that situation.
    A phrase of keywords ("restocking fee for returns") tells nothing; it is a question.

    >>> is_told("My bag came back torn."), is_told("torn bag refund"), is_told("is my bag torn")
    (True, False, False)
    >>> is_told("we have a power cut"), is_told("do we have a power cut")
    (True, False)
    >>> is_told("it says i still have a book i returned"), is_told("do i still have a book")
    (True, False)
    """
    if not NARRATOR.search(text) or ASK.search(text):
        return False
    return all(
        SUBJECT.search(text, max(0, m.start() - BEFORE), m.start()) for m in INVERTED.finditer(text)
    )


# a person just before an auxiliary makes it a statement: "WE have a power cut", "I have a
# question about shipping", not "have you..." (read in the few characters before it only);
# an adverb of time or degree may stand between them: "i STILL have a book I returned",
# "we ALREADY have an account" tell, as "i have" does
SUBJECT = re.compile(
    r"\b(?:i|we|you|u|they|he|she)\s+"
    r"(?:(?:still|already|just|also|never|really|only|even|actually|definitely|always"
    r"|usually|sometimes|now)\s+)?$",
    re.I,
)
BEFORE = 24  # characters read before an auxiliary: a person and one adverb


_FACTS = re.compile(r"(?<=[.!?])\s+|\n+|[;,]\s*(?:and\s+|but\s+|so\s+)?|\s+(?:and|but|so)\s+", re.I)
_SPACE = re.compile(r"\s{2,}")


def split_facts(text: str) -> list[str]:
    """``_FACTS.split`` of ``text`` with each run of white space made one character (a line
    break when it holds one): ``\\s+(?:and|but|so)`` is tried from every character of a
    run, quadratic in a run's length (8,000 spaces took a second), and one character reads
    the same clauses."""
    text = _SPACE.sub(lambda m: "\n" if "\n" in m.group() else " ", text)
    return _FACTS.split(text)


def story_facts(text: str) -> list[str]:
    """The facts of a told situation, one a clause ("my bag came late", "I bought a coat").

    >>> story_facts("My bag came late and I bought a coat. I kept the receipt")
    ['My bag came late', 'I bought a coat.', 'I kept the receipt']
    """
    return [f.strip() for f in split_facts(text) if f and f.strip()]


def is_followup(
    text: str, query: Query, told: bool = False, said: frozenset[str] = frozenset()
) -> bool:
    """A turn that needs earlier ones: almost no concept of its own ("and for express?"), a
    sign that it leans (a pronoun, an opener that takes up the reply or elides the
    question, a word such as "instead") with few concepts of its own, two signs with a
    few more; or any turn after one that ``told`` a situation and asked nothing ("my bill
    is wrong" then "how quickly will someone get back to me"): the situation is its
    subject, as a statement before a question in one message is (``split_asks``). A
    concept the assistant's reply ``said`` (its terms) taken up again is a sign too ("how
    up to date is the map" after "... or see it on the outage map").

    >>> from stanchion.knowledge.query import Glossary, Vocabulary, parse
    >>> vocab = Vocabulary(9, {"cash": 2, "back": 3, "bill": 2, "paper": 1, "fee": 1})
    >>> def follows(text, told=False):
    ...     return is_followup(text, parse(text, vocab, Glossary({})), told)
    >>> follows("can i have it back in cash instead"), follows("is there a fee for paper bills")
    (True, False)
    >>> follows("is there a fee for paper bills", told=True)
    True
    """
    own = [c for c in query.content() if c.known]
    if len(own) <= 1 or told:
        return True
    signs = sum(
        (
            bool(PRONOUN.search(text)),
            bool(ELLIPSIS.match(text) or TAKES_UP.match(text)),
            bool(CONTINUES.search(text)),
            bool(said) and any(c.present(said) for c in own),
        )
    )
    return (len(own) <= 2 and signs >= 1) or (len(own) <= LEANING and signs >= 2)


def salient_words(query: Query, limit: int = 4) -> list[str]:
    """The raw words of the heaviest known concepts, in the order the turn wrote them; not
    what the turn asked of its subject ("how MUCH is the hub" lends "hub", not "much", even
    where a glossary makes "how much" a concept)."""
    asked = frame_terms(query.text)
    subject = [c for c in query.content() if c.known and c.key not in asked and lends(c)]
    ranked = sorted(subject, key=lambda c: -c.weight)[:limit]
    keep = {id(c) for c in ranked}
    return [c.words for c in query.concepts if id(c) in keep]


# The ask a told situation implies, read from the shape of the story, not its topic:
# waiting ("haven't heard", "still says", "4 days ago") asks how long / when; a fault or a
# danger ("is dead", "not working", "lying across the road", "counting too fast") asks what
# to do or whom to call; a plan ("flying at Easter with...", "planning to put...") asks what
# is allowed. The words that make the shape are the story's, not the point.
WAITING = re.compile(
    r"\b(?:still|yet|since|ago|(?:have|has|had)n'?t (?:heard|received|got|gotten|arrived|come)"
    r"|nothing (?:yet|since|back)|no (?:word|news|reply|answer|update)|nobody|no one|haven'?t"
    r"|waiting|waited|been \d+|(?:last|this) (?:week|night|month|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday))\b",
    re.I,
)
FAULT = re.compile(
    r"\b(?:broken|broke|dead|died|stopped|won'?t|doesn'?t|does not|isn'?t|not (?:working|on"
    r"|turning|connecting|responding)|offline|flicker\w*|fault\w*|wrong|twice|too (?:fast|slow"
    r"|high|much|hot|cold|loud)|lying|down|leak\w*|sparking|smell\w*|burn\w*|damaged|missing"
    r"|again|hate|don'?t like)\b",
    re.I,
)
PLAN = re.compile(
    r"\b(?:planning|plan to|thinking of|going to|about to|(?:i'?m|we'?re|i am|we are)"
    r" (?:flying|travel+ing|moving|buying|ordering|getting|taking|bringing))\b",
    re.I,
)
# words of a story's time and manner: when it happened says nothing the documents hold
_STORY_TIME = """monday tuesday wednesday thursday friday saturday sunday today yesterday tonight
    morning afternoon evening night week weekend weeks days day hours hour ago since still
    yet last again anything nothing nobody someone anyone everything am pm"""
STORY_TIME = frozenset(_STORY_TIME.split())


def implied(text: str) -> str:
    """The kind of answer a told situation asks for ("when", "remedy", "rule"), "" when its
    shape says none.

    >>> implied("my parcel still says processing and I paid on friday")
    'when'
    >>> implied("the kettle is dead since the storm"), implied("we're flying to Rome in May")
    ('remedy', 'rule')
    >>> implied("I like the blue one")
    ''
    """
    if PLAN.search(text):
        return "rule"
    if FAULT.search(text):
        return "remedy"
    if WAITING.search(text):
        return "when"
    return ""


# how the responder is told what a told situation implies: the wording of the question
# the story leaves unasked, which its reading of a question's kind knows ("how long")
IMPLIED_ASKS = {"when": "how long", "remedy": "what should I do", "rule": "is it allowed"}


def shape_words(text: str) -> frozenset[str]:
    """The words of ``text`` that make its shape (``implied``) or tell its time: the story's
    wording, which the answering sentence has no reason to repeat."""
    found = {
        w.lower()
        for p in (WAITING, FAULT, PLAN)
        for m in p.finditer(text)
        for w in re.findall(r"[a-z']+", m.group().lower())
    }
    return frozenset(found | STORY_TIME)
