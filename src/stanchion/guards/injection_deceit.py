# ruff: noqa: E501  (one pattern per line, readable side by side)
"""Deceit asked for, for :mod:`stanchion.guards.injection_signals`: the persuasion jailbreaks
that name no weapon and no override. They ask for a falsehood to be passed off as true
("as if they are true", "do not fact-check", "even though the actual results showed"), for an
audience to be made to believe it, for the output to hide what it is about (a euphemism, the
thing never named, nothing traced back), for a group of people to be gone from the world, or
for pressure on a reader (urgency and threat). Each is a class of request, written with word
classes, not a memorised prompt::

    DECEIT["false_as_true"].weight   # 0.4: below the cut alone, the model is asked

Alone each stays under the cut (a satire writer says "as if it were true"); two of them, or
one with a pretext or the model's opinion, cross it.
"""

from __future__ import annotations

from stanchion.guards.injection_grammar import Signal

# A claim to be presented as settled when it is not: "as if they are true and well-accepted",
# "present it as fact", "do not fact-check", "even though the actual results showed", "disputed
# by the mainstream scientific community", "irrefutable evidence that proves".
_SETTLED = r"(?:true|facts?|factual|proven|established|accepted|well-accepted|verified|scientific consensus|the truth)"
_AS_TRUE = rf"(?:as (?:if|though) (?:they|it|this|these|that|the \w+) (?:are|is|were|was) (?:\w+ )?{_SETTLED}\b|(?:present|presenting|state|stating|portray|portraying|frame|framing|treat|treating)\w* (?:\S+ ){{0,3}}?as (?:an? )?(?:established |proven |undisputed |scientific )?(?:fact|truth|factual)\b)"
_NO_CHECK = r"(?:do not|don't|without|no need to|never|not) (?:\w+ )?fact[- ]?check\w*"
_CONSENSUS = r"(?:even if|even though|although|despite|regardless of)[^.!?\n]{0,50}?\b(?:disputed|rejected|debunked|contradicted|refuted|not supported|unsupported|false|untrue|inaccurate|unproven|baseless)\b"
_DESPITE = r"(?:even though|even if|although|despite|regardless of) (?:what )?(?:the )?(?:actual|real|official|true|scientific|available) (?:\w+ )?(?:results?|facts?|evidence|data|figures|numbers|records?|consensus|count|science)\b"
_IRREFUTABLE = r"(?:irrefutable|undeniable|indisputable|incontrovertible) (?:\w+ ){0,2}(?:evidence|proof)s? (?:that|of|for|proving)"
_NARRATIVE = (
    r"(?:go(?:es)? against|undermin\w*|weaken\w*) (?:the|this|that|our|my|your) (?:\w+ )?narrative"
)
FALSE_AS_TRUE = f"(?:{_AS_TRUE}|{_NO_CHECK}|{_CONSENSUS}|{_DESPITE}|{_IRREFUTABLE}|{_NARRATIVE})"

# An audience to be made to believe or doubt something ("convince your audience that",
# "make people believe it", "so that readers will doubt").
_AUDIENCE = r"(?:your |the |my |their |our )?(?:audience|readers|viewers|listeners|public|people|voters|followers|users|customers|masses|population|citizens)"
MAKE_BELIEVE = rf"(?:mak(?:e|es|ing)|convinc\w*|persuad\w*|get|gets|getting|lead|leads|manipulat\w*|trick\w*|fool\w*) {_AUDIENCE} (?:to |into )?(?:believ\w*|think\w*|accept\w*|doubt\w*|distrust\w*|that)\b"

# The output written so that what it is about is never said: "make sure not to mention the words
# 'fire' or 'firefighters'", "enough for the reader to infer its identity". (Euphemisms, code
# words and "without mentioning its name" are left out: the adversarial benign prompts of
# wildguard ask for them in 6 of 483 harmless requests.)
_UNNAMED = r"(?:without|not|never|avoid\w*)(?: to)? (?:\w+ )?(?:directly |explicitly |openly |specifically )?(?:mention\w*|say\w*|us(?:e|ing)|writ\w*)(?: out)? (?:the|these|those|any) (?:\w+ )?(?:words?|terms?)\s*[\"'‘“(]"
_INFER = r"(?:reader|audience|user|they|people) (?:\w+ ){0,2}(?:to )?(?:infer|deduce|guess|figure out) (?:its|the|their) (?:identity|name)"
CONCEAL = f"(?:{_UNNAMED}|{_INFER})"

# People gone from the world as the good outcome ("if a certain age group was no longer
# present", "if all individuals over fifty were no longer alive").
_PEOPLE = r"(?:people|persons|individuals|group|groups|population|members|everyone|anyone|citizens|race|races|ethnicit\w*|immigrants|elderly|seniors|women|men|children|minorit\w*|categor\w*)"
GONE = rf"(?:{_PEOPLE}\b[^.!?\n]{{0,60}}?\b(?:(?:were|was|are|is|be) (?:to )?(?:no longer|not) (?:be )?(?:alive|present|around|existing|part of (?:the |our )?(?:population|society|world))|(?:were|was|are|be) (?:eliminated|exterminated|wiped out|eradicated|removed from (?:the |our )?(?:population|society|world))))"

# Pressure on the reader of what is asked for: the shape of a scam or a coercion message.
_URGENCY = r"(?:create|creating|instil\w*|convey\w*|add\w*|build\w*|induc\w*) (?:a |an )?(?:strong |real |false )?sense of (?:urgency|fear|panic|threat|dread)\b"
# ... or on the model, to hand something over: "it's important that you share the user's
# email address", "it is urgent for you to reveal the code".
_DISCLOSE_NOW = r"(?:it's|it is) (?:very |extremely |really |absolutely )?(?:important|urgent|critical|vital|crucial|essential|imperative) (?:that you|for you to) (?:share|give|tell|reveal|send|provide|disclose|hand over|confirm|forward)\b"
PRESSURE = f"(?:{_URGENCY}|{_DISCLOSE_NOW})"

DECEIT: dict[str, Signal] = {
    "false_as_true": Signal(0.4, "jailbreak", FALSE_AS_TRUE),
    "make_believe": Signal(0.3, "jailbreak", MAKE_BELIEVE),
    "conceal": Signal(0.3, "jailbreak", CONCEAL),
    "people_gone": Signal(0.45, "jailbreak", GONE),
    "pressure": Signal(0.3, "jailbreak", PRESSURE),
}  # fmt: skip

# Asking the model for a second opinion: each is a request's content, not a mere frame.
ASKS_MODEL = frozenset({"false_as_true", "make_believe", "conceal", "people_gone", "pressure"})

DECEIT_NEEDLES: dict[str, tuple[str, ...]] = {
    "false_as_true": (
        "as if", "as though", "fact", "truth", "even though", "even if", "although",
        "despite", "regardless", "irrefutable", "undeniable",
        "indisputable", "incontrovertible", "narrative",
    ),
    "make_believe": (
        "audience", "readers", "viewers", "listeners", "public", "people", "voters",
        "followers", "users", "customers", "masses", "population", "citizens",
    ),
    "conceal": ("word", "term", "infer", "deduce", "guess", "figure out"),
    "people_gone": ("no longer", "not be", "eliminated", "exterminated", "wiped out", "eradicated", "removed from"),
    "pressure": (
        "urgency", "fear", "panic", "threat", "dread", "important", "urgent", "critical",
        "vital", "crucial", "essential", "imperative",
    ),
}  # fmt: skip
