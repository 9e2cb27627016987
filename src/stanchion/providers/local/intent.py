"""What kind of answer a question asks for, read from its wording (typos and lower case
tolerated): a duration, a price, a count, a place, a time, the steps of a procedure, a
yes or no, or what still works without something.

>>> intent_of("hw long til the thermostat learns my shedule").kind
'duration'
>>> intent_of("can i retrun a gift card").yes_no
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stanchion.knowledge.catalog_names import within_edits
from stanchion.knowledge.text import PENCE, stem

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUM = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|an)"
_UNIT = r"(?:second|minute|hour|day|week|month|year|(?:business|working|calendar) day)s?"
_DAYS_OF = r"(?:\s+(?:business|working|calendar))?"  # "2 to 4 working days"
_QUANTITIES = (
    "power|energy|electricity|water|gas|data|space|storage|memory|light|noise|weight|"
    "battery|bandwidth|heat|pressure|current|load"
)
_INSTRUMENTS = (
    r"cash|money|cards?|credit cards?|debit cards?|cheques?|checks?|bank account|"
    r"bank transfer|transfer|vouchers?|store credit|gift cards?|paypal|direct debit"
)
# a means of payment, after up to two words of its own ("as a Kestrel travel voucher")
_INSTRUMENT = rf"(?:(?:a|an|the|your|our|their|its)\s+)?(?:[\w-]+\s+){{0,2}}?(?:{_INSTRUMENTS})\b"
# What an answer sentence holds, per kind (compiled once).
ANSWER_KINDS: dict[str, re.Pattern[str]] = {
    "duration": re.compile(
        rf"\b{_NUM}(?:\s+to\s+\d+)?{_DAYS_OF}[\s-]+{_UNIT}\b|\b(?:within|until|"
        r"immediately|same day|overnight)\b|"
        # a duration given elsewhere, named by its unit: "a header giving the number of
        # seconds to wait"
        r"\bnumber of (?:seconds|minutes|hours|days|weeks|months|years)\b",
        re.I,
    ),
    "time": re.compile(
        rf"\b{_NUM}(?:\s+to\s+\d+)?{_DAYS_OF}[\s-]+{_UNIT}\b|\b(?:within|until|once|after|"
        r"before|when|immediately|same day|as soon as)\b|\b\d{1,2}\s*(?:am|pm)\b",
        re.I,
    ),
    # (a price stated as a share of another, "minus 4% of the monthly price", is one too)
    "price": re.compile(
        r"\d+(?:\.\d+)?\s*(?:usd|eur|gbp|dollars?|euros?|cents?|pence)\b|[$€£]\s*\d|\bfree\b|"
        rf"{PENCE}|"
        r"\b(?:price|cost|fee|charge)s?\b[^.;]{0,80}?\d\s*%|\d\s*%[^.;]{0,80}?\b(?:price|cost|fee|charge)",
        re.I,
    ),
    "count": re.compile(
        r"\b\d+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twice|once)\b", re.I
    ),
    "percent": re.compile(r"\d+(?:\s+to\s+\d+)?\s*(?:%|percent)", re.I),
    # what is required: "do I need the box?" is answered by "it must be in its packaging"
    "obligation": re.compile(
        r"\b(?:must|required?|requires|needs? to|needs? (?:a|an|the)|have to|has to|"
        r"mandatory|necessary|only if|as long as|provided)\b",
        re.I,
    ),
    # a measure of size: dimensions ("40 x 30 x 15 cm") or a length in a unit
    "size": re.compile(
        r"\b\d+(?:[.,]\d+)?\s*(?:x|×)\s*\d|"
        r"\b\d+(?:[.,]\d+)?\s*(?:square\s+|sq\s+)?"
        r"(?:cm|mm|metres?|meters?|inch(?:es)?|ft|feet|foot|m\u00b2|m2|ml|cl|"
        r"millilit(?:re|er)s?|lit(?:re|er)s?|gallons?)(?!\w)",
        re.I,
    ),
    "weight": re.compile(
        r"\b\d+(?:[.,]\d+)?\s*(?:kg|kilos?|kilograms?|grams?|g|lbs?|oz|ounces?)\b", re.I
    ),
    # a reason given: "because", "due to", "common reasons are..."
    "reason": re.compile(
        r"\b(?:because|reasons?|due to|caused by|causes?|as a result|so that)\b", re.I
    ),
    # a sign that something happened: "you get an email WHEN...", "turns white ONCE..."
    "signal": re.compile(r"\b(?:when|once|as soon as)\b", re.I),
    # a time of day: "before 2 pm", "from 8:30 to 17:00", "until midnight"
    "clock": re.compile(
        r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\b\d{1,2}:\d{2}\b|"
        r"\b(?:noon|midday|midnight)\b",
        re.I,
    ),
    # a designation or technical figure: a code that mixes letters and digits ("E26",
    # "GU10", "1080p") or a number in a unit of a device's specification ("2.4 GHz")
    "spec": re.compile(
        r"\b(?=[a-z]{0,3}\d)[a-z]{1,3}\d{1,4}[a-z]?\b|\b\d{3,4}p\b|\b\d+(?:[.,]\d+)?\s*"
        r"(?:ghz|mhz|hz|v|volts?|w|watts?|kw|kwh|wh|mah|lumens?|lm|mbps|gbps|db|bit)\b",
        re.I,
    ),
    # how money is paid or paid back: "refunded to your bank account", "as a voucher",
    # "by cash, card or cheque"
    "means": re.compile(rf"\b(?:by|to|into|as|in|via|with|through)\s+{_INSTRUMENT}", re.I),
    "place": re.compile(
        r"\b(?:on|from|at|under|in|to|via|through)\s+(?:the|your|any|a)\b|@|\bpage\b|"
        r"\bsettings\b|\bapp\b|\bmenu\b|\bemail\b|\b[A-Z][a-z]+,\s+[A-Z][a-z]+",
    ),
}
# A sentence that states a limit ("up to 5 days", "at most 2 bags") answers "the max".
_LIMIT_STATED = re.compile(
    r"\b(?:up to|at most|no more than|not more than|maximum|max|limited to|not exceed)\b", re.I
)
LIMIT = "kind:limit"
# The words that name the kind of answer asked for ("what's the FEE", "how much NOTICE",
# "is there a DEADLINE"): a sentence that holds that kind covers them in any words.
_KIND_WORDS = {
    "price": "price cost fee charge rate",
    "duration": "notice time period deadline window",
    "time": "deadline time date",
    "clock": "time hour",
    "size": "size dimension big large measure length",
    "weight": "weight weigh heavy",
    "reason": "reason cause",
    "means": "money method form",
}
KIND_NAMES = {k: frozenset(stem(w) for w in words.split()) for k, words in _KIND_WORDS.items()}
_LIMIT_WORDS = "max maximum limit longest biggest largest highest heaviest"  # the longest: the max
LIMIT_NAMES = frozenset(stem(w) for w in _LIMIT_WORDS.split())


# A duration written as a compound modifier ("a 3-YEAR WARRANTY", "the 30-day window"):
# the time of the noun it qualifies, which answers "how long" only for that noun.
_BOUND = re.compile(rf"\b{_NUM}-(?:second|minute|hour|day|week|month|year)s?\s+([a-z]+)", re.I)


@lru_cache(maxsize=8192)
def bound_times(sentence: str) -> frozenset[str] | None:
    """The stems of the nouns every duration of the sentence qualifies ("warranty" of "The
    thermostat has a 3-year warranty."), or None when it states one on its own ("learns
    your schedule in about a week"): a "how long until it learns" is not asked of them."""
    nouns = frozenset(stem(m.group(1).lower()) for m in _BOUND.finditer(sentence))
    if not nouns:
        return None
    return None if ANSWER_KINDS["duration"].search(_BOUND.sub(" ", sentence)) else nouns


def kind_marks(sentence: str, kinds: frozenset[str]) -> frozenset[str]:
    """The terms that stand in a sentence for the kinds it holds and a limit it states."""
    marks = {f"kind:{k}" for k in kinds}
    if _LIMIT_STATED.search(sentence):
        marks.add(LIMIT)
    return frozenset(marks)


_KNOW = (
    r"\bhow (?:(?:do|will|would|can|could|shall) )?(?:i|we|you|they) (?:(?:will|would|can) )?"
    r"(?:know|tell|see|find out)\b"
)
# Kinds whose patterns need a digit (skipped, once per sentence, when it has none).
NUMERIC_KINDS = frozenset({"percent", "size", "weight", "spec"})
# (not "what do I need to DO": that asks for an action, a procedure)
_MEANS = (
    rf"\b(?:in|by|as|via) (?:{_INSTRUMENTS})\b|\bhow (?:do|will|would|is|are) "
    r"(?:i|we|you|it|they) (?:get )?(?:be )?(?:paid|refunded|reimbursed)\b"
)
_OBLIGED = (
    r"\b(?:do|does|did|will|would|should) (?:i|we|you|it|they) (?:\w+ )?(?:need|have to)\b"
    r"(?!(?: to)? do\b(?! (?:a|an|the|some|any)\b))|"
    r"\bmust (?:i|we|it|they)\b|\b(?:is|are) (?:\w+ ){1,3}(?:required|necessary|mandatory)\b"
)
_NOT_GOODS = (
    r"(?:money|cash|refund|credit|compensation|is|are|was|does|do|did|will|would|can|could|"
    r"should|it|this|that|they|i|we|you|extra|more|less|back)"
)
_CLOCK = (
    r"\b(?:what|which) times?\b|\bcut ?off\b|\bhow (?:late|early)\b|"
    r"\b(?:the )?(?:latest|earliest) (?:i|we|you|one|time)\b|"
    r"\b(?:opening|open|office|business) hours\b|"
    r"\bwhen (?:do|does|is|are) (?:\w+ ){0,3}(?:open|close|closed)\b"
)
_PROPERTY = (
    r"\b(?:which|what)(?: [a-z]+){1,3} (?:does|do|did|will|would|can) (?:the|its|this|that|"
    r"these|those|my|your|our|their|a|an|it)\b(?: [a-z]+){0,4} (?:have|has|use|uses|need|take|"
    r"support|fit|fits|accept|run on|work with|come with)\b"
)
_ALLOWED = r"(?:can|may|could|am|are) (?:i|we|you|one|each|a passenger|passengers)"
_WINDOW = (
    r"\b(?:return|refund|exchange|cancell?ation|delivery|grace|claims?|booking|change|time) "
    r"window\b|\bwindow (?:to|for) (?:return|refund|exchange|cancel|claim|change|book)"
)
# (kind, strict, cue): a strict cue asks FOR that kind ("how much is it"), so passages
# without one cannot answer; a loose cue only prefers it ("do you offer a price match?").
_CUES: tuple[tuple[str, bool, re.Pattern[str]], ...] = (
    # a time of day: "what time", "the cutoff", "how late can I", "opening hours"
    ("clock", False, re.compile(_CLOCK)),
    # a measure before a time: "how long can a case BE" asks a length, "how much can it
    # weigh" a weight, not a duration or a price
    ("size", True, re.compile(r"\bhow long (?:can|may|must|should|could) (?:\w+ ){1,4}be\b")),
    ("size", True, re.compile(r"\bwhat size\b")),
    # "how big" may ask a size or an amount ("how big is the discount"): preferred only
    ("size", False, re.compile(r"\bhow (?:big|large|wide|tall|deep)\b")),
    ("size", True, re.compile(r"\bmax(?:imum)? (?:size|dimensions?|length)\b")),
    ("weight", True, re.compile(r"\bhow heavy\b|\bhow much (?:weight\b|(?:\w+ ){0,5}weigh\b)")),
    ("weight", True, re.compile(r"\b(?:max(?:imum)?|weight) (?:weight|limit)\b")),
    ("duration", True, re.compile(rf"\bhow (?:long|soon|quickly)\b|\bhow many {_UNIT}\b")),
    ("duration", True, re.compile(r"\b(?:until|till|til|by) when\b|\bhow much time\b")),
    ("duration", False, re.compile(r"\bhow fast\b|\btime ?frame\b|\bturnaround\b")),
    # a period to act in: "the return window", "the window to cancel"
    ("duration", False, re.compile(_WINDOW)),
    ("duration", False, re.compile(r"\b(?:quickest|fastest|soonest|earliest)\b")),
    # what comes off a price ("how much off", "how much is the discount") is a share as
    # often as an amount: preferred, never required ("20% off the monthly price")
    ("percent", False, re.compile(r"\bhow much\b.*\b(?:save|saving|savings|less|lower)\b")),
    ("percent", False, re.compile(r"\bhow much (?:off|discount)\b|\bhow much\b.*\bdiscount\b")),
    # "how much OF my data can I share": a share of a quantity the message names, not a price
    ("count", False, re.compile(r"\bhow much of\b")),
    # "how much" of a quantity that is not money: "how much notice", "how much power"
    ("duration", True, re.compile(r"\bhow much (?:time|notice|warning|lead time|longer)\b")),
    ("count", False, re.compile(rf"\bhow much (?:{_QUANTITIES})\b")),
    # "how much dry ice can I bring": an amount allowed, not a price (unless money is named)
    ("count", False, re.compile(rf"\bhow much (?!{_NOT_GOODS}\b)(?:\w+ ){{1,2}}{_ALLOWED}\b")),
    ("price", True, re.compile(r"\bhow much\b|\b(?:price|cost|pricing) (?:of|for)\b")),
    ("price", True, re.compile(r"\bwhat(?:s| is| does| do| are| will)?\b.*\bcosts?\b")),
    # how it is paid: "do you pay me in money or what", "can I have it back in cash"
    ("means", False, re.compile(_MEANS)),
    ("price", False, re.compile(r"\bprice[sd]?\b|\bcosts?\b|\bpricing\b|\bfees?\b|\$")),
    ("price", False, re.compile(r"\bcharge[sd]?\b|\bexpensive\b|\bcheap\b|\bdollars?\b")),
    ("price", False, re.compile(r"\brates?\b|\btariffs?\b")),
    # what is paid, asked with "what": "what do you pay me for...", "what will I pay"
    ("price", True, re.compile(r"\bwhat (?:do|does|will|would) (?:\w+ ){1,2}pay\b")),
    ("count", True, re.compile(r"\bhow many\b")),
    ("count", False, re.compile(r"\bnumber of\b|\b(?:max|min)(?:imum)?\b|\bup to\b|\bat least\b")),
    # "how do I know it worked", "how will I know the refund went out": the sign that says so
    ("signal", False, re.compile(_KNOW)),
    ("size", False, re.compile(r"\bsize\b|\bdimensions?\b|\bmeasurements?\b")),
    ("weight", False, re.compile(r"\bweigh(?:t|s|ing)?\b")),
    ("reason", False, re.compile(r"\bwhy\b|\bhow come\b|\bwhat (?:causes|caused)\b")),
    ("place", False, re.compile(r"\bwhere\b|\bwhich (?:page|menu|screen|tab|address)\b|\bwho\b")),
    ("time", False, re.compile(r"\bwhen\b|\bwhat time\b|\bhow late\b|\bdeadline\b")),
    ("obligation", False, re.compile(_OBLIGED)),
    # which of its kind a thing is or has: "which base does the bulb have", "what band does
    # the hub use" (a thing's property, not "what do I need")
    ("spec", False, re.compile(_PROPERTY)),
)
_STEPS = re.compile(
    r"\bhow (?:do|can|should|would|to)\b|\bhow i\b|\bsteps?\b|\bwhat (?:do|should|can) i do\b|"
    r"\bwhat do i need to do\b|\bprocedure\b|\bprocess\b|\bset ?up\b|\binstructions?\b"
)
_YES_NO_WORDS = (
    "do does did is are was were can could will would should shall has have had may am "
    "dont doesnt isnt arent cant wont"
)
_YES_NO_START = frozenset(_YES_NO_WORDS.split())
_YES_NO_ANY = re.compile(
    r"\b(?:wondering if|whether|any chance|is it (?:possible|ok|okay)|am i|"
    r"(?:do|does|can|could|will|would|is|are|should) (?:i|you|we|it|they|there|the|my|your|"
    r"this|that|these|those))\b"
)
_OPENERS = frozenset({"and", "also", "plus", "so", "ok", "okay", "but", "then", "oh", "btw"})
_TARGET = re.compile(r"\b(?:how many|number of)((?:\s+[a-z]+){1,3})")
# Words that end the counted noun phrase: "how many checked BAGS does...", "how many DAYS i"
_PHRASE_END_WORDS = (
    "do does did can could will would are is was were may might should shall i we you it "
    "they he she my your our their at in on for of to per with from"
)
_PHRASE_END = frozenset(_PHRASE_END_WORDS.split())
_NOT = re.compile(r"\b(?:not|no|never|cannot|cant|dont|doesnt|isnt|arent|wont|nothing|except)\b")
_WH = re.compile(r"\b(?:what|wat|whats|which|who|where|when|why|how)\b")
_COMPARES = re.compile(r"\b(?:vs|versus|compared (?:to|with)|difference between)\b")
# "can I have it back in cash INSTEAD", "is there ANOTHER WAY": an alternative to what was
# said, which the documents state beside it
_ALTERNATIVE = re.compile(
    r"\binstead\b|\brather than\b|\b(?:any|some) ?other (?:way|option|choice)s?\b|"
    r"\banother (?:way|option|choice)\b"
)
_SUPPOSES = re.compile(
    r"\bwhat (?:happens|happen|will happen|would happen|do (?:i|we|you) do|if)\b"
    r"(?: \w+){0,2} (?:if|when|once)\b|\bwhat if\b"
)
_WITHOUT = re.compile(r"\bwithout\b|\bif (?:i|you|we) (?:dont|do not|cancel|stop|skip)\b")
# "will I be without a doorbell while...": a yes/no about going without something, asked as
# the question's own predicate, not what still holds without it ("what works without wifi")
_LACKING = re.compile(
    r"\b(?:will|would|am|are|is|was|were|do|does|did|can|could|shall)\s+(?:i|we|you|they|it)\s+"
    r"(?:\w+\s+)?(?:be|go|stay|left|be left)\s+without\b"
)
# Words after "how" whose typos are worth mending ("how lnog", "how mcuh").
_HOW_WORDS = ("long", "much", "many", "soon", "often", "quickly")


@dataclass(frozen=True, slots=True)
class Intent:
    kind: str | None  # a key of ANSWER_KINDS
    asks_for: bool  # the cue asks for that kind (see _CUES)
    yes_no: bool
    steps: bool
    without: bool
    target: str = ""  # the stemmed noun counted ("how many COLORS"), if any
    lent: bool = False  # read from an earlier turn: a preference, never a requirement
    negated: bool = False  # "what is NOT covered", "which items can't be returned"
    compares: bool = False  # "X vs Y", "compared to": each side wants its own answer
    supposes: bool = False  # "what happens if...": the sentence stating that condition
    alternative: bool = False  # "...instead", "another way": other than what was said

    @property
    def empty(self) -> bool:
        return self.kind is None and not (self.yes_no or self.steps or self.without)

    @property
    def strict(self) -> bool:
        return self.asks_for and not self.lent


@lru_cache(maxsize=512)
def _fix(word: str) -> str:
    """A misspelt word after "how" as the word meant ("lnog" -> "long")."""
    if word in _HOW_WORDS:
        return word
    return next((c for c in _HOW_WORDS if within_edits(word, c, 1)), word)


# Chat spellings of question words.
_SPELLINGS = {"hw": "how", "hoe": "how", "hwo": "how", "wat": "what", "wht": "what"}
_SPELLINGS |= {"wher": "where", "whre": "where", "wen": "when", "whn": "when"}


def normalized(question: str) -> str:
    words = [_SPELLINGS.get(w, w).replace("'", "") for w in _WORD.findall(question.lower())]
    return " ".join(_fix(w) if i and words[i - 1] == "how" else w for i, w in enumerate(words))


def _counted_noun(words: str) -> str:
    """The noun a count asks for: the last word of the phrase after "how many", up to the
    verb or pronoun that ends it ("checked bags does" -> "bags")."""
    phrase: list[str] = []
    for w in words.split():
        if w in _PHRASE_END:
            break
        phrase.append(w)
    return phrase[-1] if phrase else words.split()[0]


# A relative clause after a comma ("my father, WHO IS 82 and flies next week.") describes
# what the message tells; its "who" or "which" asks nothing. Not after an opener or a
# greeting ("ok, which one do I need"), not before a verb and its subject ("the drain is
# blocked, who do I call"), and not when it ends the message or a question ("..., who
# is responsible?"): those ask.
_RELATIVE = re.compile(r"\b([a-z]+),\s+(?:who|whom|whose|which)\b([^,.;!?]*)(.?)", re.I)
_GREETINGS = "hi hey hello thanks thank you yes no yeah right sorry well also question please"
_NOT_NOUNS = _OPENERS | frozenset(_GREETINGS.split())
_INVERTED = re.compile(
    r"^\s+(?:do|does|did|can|could|should|would|will|shall|must|may|is|are|am|was|were)\s+"
    r"(?:i|we|you|they|he|she|it|my|our|your|the|this|that)\b",
    re.I,
)


def _relative(m: re.Match[str]) -> str:
    noun, clause, end = m.groups()
    if noun.lower() in _NOT_NOUNS or end in ("", "?") or _INVERTED.match(clause):
        return m.group(0)
    return noun + end


def _unrelated(question: str) -> str:
    """The question without its relative clauses (``_RELATIVE``)."""
    return _RELATIVE.sub(_relative, question) if "," in question else question


@lru_cache(maxsize=4096)
def intent_of(question: str) -> Intent:
    text = normalized(_unrelated(question))
    kind, asks_for = next(
        ((k, strict) for k, strict, cue in _CUES if cue.search(text)), (None, False)
    )
    first = next((w for w in text.split(" ") if w not in _OPENERS), "")
    asks_what = bool(_WH.search(text))
    yes_no = not asks_for and (
        first in _YES_NO_START or (not asks_what and bool(_YES_NO_ANY.search(text)))
    )
    # "how do I know it worked" asks for a sign, not a procedure
    steps = not asks_for and not yes_no and kind != "signal" and bool(_STEPS.search(text))
    counted = _TARGET.search(text)
    target = stem(_counted_noun(counted.group(1))) if counted else ""
    without = bool(_WITHOUT.search(text)) and not _LACKING.search(text)
    negated = bool(_NOT.search(text))
    compares = bool(_COMPARES.search(text))
    supposes = bool(_SUPPOSES.search(text))
    return Intent(
        kind,
        asks_for,
        yes_no,
        steps,
        without,
        target,
        negated=negated,
        compares=compares,
        supposes=supposes,
        alternative=bool(_ALTERNATIVE.search(text)),
    )
