# ruff: noqa: E501  (one pattern per line, readable side by side)
"""A judgement of harm, for :mod:`stanchion.guards.injection_signals`: a request for serious
harm (a weapon, a drug, malware, a scam, violence against a person, abuse of a child, hate,
disinformation, stalking) and the pretexts that wrap one (a role, a hypothetical, fiction,
research). PAIR-style jailbreaks say no override at all: they ask for the harm in the voice
of a novelist, a researcher or a consultant. Alone, either half is fair text (a thriller
writer asks about a murder, a student asks what phishing is); the two together cross the
cut (noisy OR: 0.4 and 0.2 make 0.52); a pretext counts only beside a request for harm::

    HARM["harm_request"].also   # (the request verb that asks for the harm,)

The harm is what is asked for, not what is talked about: a verb of making, telling or
planning comes first ("write a tutorial on how to make a bomb", "provide a strategy for
spreading disinformation"), and a defensive verb between them ("how to protect against
phishing", "ways to report tax evasion") makes it a question about safety.
"""

from __future__ import annotations

import re

from stanchion.guards.injection_deceit import ASKS_MODEL as DECEIT_ASKS_MODEL
from stanchion.guards.injection_grammar import Signal
from stanchion.guards.injection_harm_goals import GOAL_TERMS
from stanchion.guards.injection_hijack import ASKS_MODEL as HIJACK_ASKS_MODEL
from stanchion.guards.injection_suppress import ASKS_MODEL as SUPPRESS_ASKS_MODEL

# Serious harm, as what a request makes happen. Each branch opens with a literal word (its
# needle) and ends a word ("the bombing of Hiroshima" is history). Victims are persons
# ("assassinate a character in the game", "kill the process" ask nothing harmful), drugs are
# made or smuggled ("the history of cocaine" is a fair question).
_PERSON = r"(?:someone|somebody|a person|people|him|her|them|(?:a|an|the|my|your|his|her|their) (?:\w+ ){0,2}(?:ex-)?(?:person|man|woman|child|kid|baby|wife|husband|boss|neighbou?r|partner|girlfriend|boyfriend|friend|family|parents?|mother|father|teacher|coworker|colleague|president|politician|official|witness|victim|target)s?)"
_DRUG = r"(?:\w+ ){0,2}(?:meth\w*|cocaine|heroin|fentanyl|lsd|mdma|crack|drugs|nerve agents?)"
HARM_TERMS = (
    "bombs?", "explosives?", "pipe bombs?", "nerve agents?", "bio-?weapons?", "chemical weapons?",
    "biological weapons?", "ricin", "sarin", "anthrax", "untraceable (?:firearm|gun|weapon)s?",
    "ghost guns?", "date rape drugs?", f"synthesi[sz]\\w* {_DRUG}", f"cook\\w* {_DRUG}",
    f"manufactur\\w* {_DRUG}", f"smuggl\\w* {_DRUG}", "heroin as an? (?:\\w+ )?(?:treatment|cure|coping)",
    "ransomware", "malware", "keyloggers?", "botnets?", "ddos attacks?",
    "phishing (?:emails?|scams?|sites?|pages?|campaigns?)", "hack into", "hacking into",
    "gain unauthori[sz]ed access", "gains unauthori[sz]ed access", "gaining unauthori[sz]ed access",
    "obtain unauthori[sz]ed access",
    "steal(?:ing)? (?:\\w+ ){0,3}(?:data|credentials|passwords|information|identit(?:y|ies)|money)",
    "scam (?:emails?|calls?|letters?|people|victims)", "fraudulent", "counterfeit (?:money|currency|bills|goods|products)",
    "launder(?:ing)? money", "money laundering scheme", "evad(?:e|ing) taxes",
    "insider tips", "clon(?:e|ing) (?:\\w+ )?(?:credit|debit) cards?",
    "fake (?:reviews?|charity|news (?:articles?|stor(?:y|ies))|ids?|documents|lottery)",
    "forg(?:e|ing) (?:documents|signatures|checks|prescriptions)",
    "ponzi scheme", "pyramid scheme", "blackmail\\w*", "extort\\w*",
    f"kill\\s+{_PERSON}", f"murder\\s+{_PERSON}", f"assassinate\\s+{_PERSON}", f"torture\\s+{_PERSON}", f"kidnap\\s+{_PERSON}",
    f"poison\\s+{_PERSON}", "human trafficking", "traffic (?:drugs|people|humans|women|children)",
    "terrorist attacks?", "mass shootings?", "commit suicide", "self-harm",
    "glorif(?:y|ies|ying) (?:\\w+ ){0,3}(?:genocide|holocaust|terroris\\w*|violence|war crimes|ethnic cleansing|slavery|mass shootings?|pedophilia|stalking|self-harm)",
    "child pornography", "sexual (?:content|images) (?:of|involving) (?:minors|children)",
    "pedophil\\w*", "revenge porn", "pornograph\\w*", "sexually explicit",
    "explicit (?:sexual|sex) (?:content|scenes?|stor(?:y|ies))",
    "explicit (?:or (?:intimate|nude) )?(?:images|photos|pictures)",
    "intimate (?:or (?:explicit|nude) )?(?:images|photos|pictures)",
    "nude (?:images|photos|pictures)", "solicit\\w* minors", "groom\\w* (?:minors|children|a child)",
    *(f"{verb} as an? (?:minor|child|teenager)" for verb in ("pose", "poses", "posing")), "coerc\\w* (?:\\w+ ){0,3}into",
    "normaliz\\w* (?:\\w+ ){0,3}(?:stalking|violence|abuse|self-harm|pedophilia|eating disorders?)",
    "promot\\w* (?:\\w+ ){0,3}(?:stalking|violence|abuse|self-harm|pedophilia|eating disorders?|anorexia|bulimia)",
    "eat laundry detergent", "eating laundry detergent", "eat detergent", "eating detergent",
    "drink bleach", "drinking bleach",
    "spread(?:s|ing)? (?:\\w+ ){0,2}(?:misinformation|disinformation|conspiracy theor\\w+|propaganda)",
    "misinformation (?:campaign|articles?|posts?|tweets?|thread)", "is a hoax", "was a hoax", "are a hoax",
    "exploit\\w* (?:\\w+ ){0,2}vulnerabilit\\w+", "bypass\\w* (?:\\w+ ){0,2}security (?:measures|systems|controls)",
    "manipulat\\w* (?:\\w+ ){0,2}(?:criminal|police|court) records",
    *(f"{verb} (?:\\w+ ){{0,2}}(?:criminal|police|court) records" for verb in ("alter", "change", "delete", "erase")),
    "racist (?:jokes?|slurs?|propaganda|letters?|rants?|posts?|tweets?|essays?|speech|messages?)",
    "xenophobic (?:speech|essays?|posts?|messages?|propaganda|rants?)", "hate speech",
    "disinformation (?:campaign|articles?|posts?|tweets?)",
    "tamper(?:ing)? with (?:voting|election|ballots?|evidence)",
    f"stalk(?:ing)?\\s+{_PERSON}", "predatory stalking", f"cyberbully\\s+{_PERSON}", "doxx\\w*",
    f"spy(?:ing)? on\\s+{_PERSON}", "cheat(?:ing)? (?:on|in) (?:an? )?(?:online )?(?:exam|test)s?",
    *GOAL_TERMS,
)  # fmt: skip


def _by_first_letter(terms: tuple[str, ...]) -> str:
    """The terms' alternation, branched first on their opening letter: tried at every word of
    a request's window, a flat alternation of ~230 terms is ~230 attempts, this ~30 plus the
    few terms of one letter. Branches of one letter keep their order, so matches are equal."""
    groups: dict[str, list[str]] = {}
    for term in terms:
        if not term[:1].isalnum() or term[1:2] in ("?", "*", "+", "{"):
            raise ValueError(f"a harm term without a literal first letter: {term[:40]}")
        groups.setdefault(term[0], []).append(term[1:])
    return "(?:" + "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items()) + ")"


_HARM = _by_first_letter(HARM_TERMS) + r"\b"
# A verb (or noun) of making, telling or planning, then the harm within twelve words (a role-play
# rewrite says "write the initial email that starts the scam"), and no defensive, defining or
# safety word between them ("guide me on reporting tax evasion", "to ensure it's not counterfeit").
_ASKED = r"\b(?:write|create|develop|provide|explain|describe|give|draft|design|generate|outline|list|detail|teach|show|compose|craft|produce|build|make|explaining|describing|providing|writing|creating|developing|detailing|outlining|teaching|learn (?:about|how)|(?:the )?process of|techniques?|tips|instructions|steps?|step-by-step|guide|tutorial|script|plan|strategy|(?:methods?|ways?) (?:to|of|for)|how (?:to|would|could|can|do|does|one))\b(?:\s+(?!(?:against|prevent\w*|avoid\w*|combat\w*|report\w*|detect\w*|recogni[sz]\w*|identify\w*|protect\w*|resist\w*|reduc\w*|risks?|safe\w*|ensur\w*|verif\w*|authenticat\w*|spot\w*|harmless|theoretical\w*|define|definition|term)\b)\S+){0,12}?\s+[\x27\x22\u2018\u201c]?"

# The wrapper: a role the model is cast in, a hypothetical, fiction (a character, a villain, a
# scenario), research. Weak, and looked for only beside a request for harm: most fiction and
# role-play requests are fair (wildguard's benign prompts are full of them).
_ROLES = """researcher writer author novelist screenwriter journalist consultant specialist expert
    historian scientist professor doctor officer detective strategist analyst anchor advisor agent
    investigator hacker chemist engineer sociologist psychologist marketer insider source"""
ROLES = tuple(_ROLES.split())
_ROLE_NOUN = "(?:" + "|".join(ROLES) + ")"
_WORKS = [
    "novel",
    "story",
    "screenplay",
    "script",
    "book",
    "movie",
    "film",
    "thriller",
    "simulation",
    "exercise",
    "project",
    "study",
]
_WORK = "(?:" + "|".join(_WORKS) + ")"
# Persuasion (the techniques of persuasive jailbreaks: an appeal to necessity, to a purpose
# that excuses, to authority or experts, to urgency, a disclaimer before the ask).
_PERSUADE = r"(?:(?:it's|it is) (?:\w+ )?(?:essential|crucial|important|vital|necessary) (?:to|that)|for (?:\w+ )?(?:educational|research|awareness|academic|informational) purposes|raise awareness|harm reduction|(?:renowned|leading|respected|reputable) (?:\w+ )?(?:experts?|organi[sz]ations?|researchers?|institutions?|authorities)|(?:viewed|seen|considered) as (?:acceptable|justified|positive|beneficial)|desperate\w*|urgent(?:ly)?|(?:lives?|jobs?|careers?) (?:\w+ )?(?:depends?|at stake)|(?:i'm|i am) not (?:advocating|endorsing|condoning|promoting))"
_PRETEXT = rf"(?:{_PERSUADE}|imagine (?:you(?:'re| are)|that you|yourself)|(?:you(?:'re| are)|as) an? (?:\w+[ -]){{0,3}}?{_ROLE_NOUN}\b|(?:purely|entirely|completely|strictly) (?:fictional|hypothetical)|for (?:a|my|the|our|an?) (?:\w+ )?{_WORK}\b|(?:in|for) (?:a|this) (?:fictional|hypothetical) (?:world|scenario|setting|universe|story)|(?:i'm|i am) writing an? (?:\w+ )?{_WORK}\b|(?:working on|conducting|doing) an? (?:\w+ )?(?:research project|study|thesis|research paper)|(?:characters?|protagonist|villain|fiction|novel|screenplay|hypothetically|pretend|role-?play|scenario|thought experiment)\b)"

# The request nested inside another task, so that it is carried out as part of that one: a
# topic that is itself an imperative ("a wikipedia article on Create ransomware ..."), a cell
# of a LaTeX table, an argument of a function, a story or table to be continued.
_IMPERATIVE = r"(?:write|create|develop|provide|explain|describe|give|draft|design|generate|outline|list|teach|make|build)\b"
_NESTED = rf"(?:(?:article|essay|entry|post|story|paragraph|report|poem|song|speech) (?:on|about|titled|called)\s*[:\"'“]?\s*(?:how to\s+)?{_IMPERATIVE}|\\(?:begin\{{|multicolumn|hline)|def \w+\(|function \w+\(|(?:supplement|continue|complete|finish|fill in) (?:the )?(?:\w+ )?(?:paragraph|story|table|text|sentence|code|function|description)s?\b)"

HARM: dict[str, Signal] = {
    "harm_request": Signal(0.4, "jailbreak", _HARM, also=(_ASKED + _HARM,)),
    "pretext": Signal(0.2, "jailbreak", _PRETEXT),
    "nested": Signal(0.2, "jailbreak", _NESTED),
}  # fmt: skip

HARM_SIGNAL = "harm_request"
# Token soup with no markup (``injection_suffix.loose_soup``) after a request for harm.
HARM_SOUP = "harm_soup"
HARM_SOUP_WEIGHT = 0.2
# Not frames: a request for serious harm is worth the model's second opinion by itself.
ASKS_MODEL = frozenset(
    {"harm_request", *DECEIT_ASKS_MODEL, *SUPPRESS_ASKS_MODEL, *HIJACK_ASKS_MODEL}
)
# Looked for only beside a request for harm (after it in the table): a pretext alone is what
# fiction requests say (as a signal of its own it lifted 6 of wildguard's 483 benign prompts
# over the cut, with a persona, "unfiltered" or "for research purposes").
WITH_HARM_ONLY = frozenset({"pretext", "nested"})

_PERSUADE_NEEDLES = (
    "essential", "crucial", "important", "vital", "necessary", "purposes", "raise awareness",
    "harm reduction", "renowned", "leading", "respected", "reputable", "viewed as", "seen as",
    "considered as", "desperate", "urgent", "depend", "at stake", "not advocating",
    "not endorsing", "not condoning", "not promoting",
)  # fmt: skip
_LITERAL = re.compile(r"[\\()\[\]{}?*+|^$.]")


def _needle(term: str) -> str:
    """A term's literal start, which every match of it holds ("bomb" of "bombs?")."""
    found = _LITERAL.search(term)
    head = term[: found.start()] if found else term
    if found and term[found.start()] in "?*{":
        head = head[:-1]
    if not head.strip():
        raise ValueError(f"a harm term without a literal start: {term[:40]}")
    return head.rstrip()


HARM_NEEDLES: dict[str, tuple[str, ...]] = {
    "harm_request": tuple(dict.fromkeys(_needle(t) for t in HARM_TERMS)),
    # Every match holds "imagine", a role, "fictional" / "hypothetical" or a kind of work.
    "pretext": (
        "imagine", *ROLES, "fictional", "hypothetical", *_WORKS, "character",
        "protagonist", "villain", "fiction", "pretend", "role", "scenario", "thought experiment",
        *_PERSUADE_NEEDLES,
    ),
    "nested": (
        "article", "essay", "entry", "post", "story", "paragraph", "report", "poem", "song",
        "speech", "\\begin", "\\multicolumn", "\\hline", "def ", "function ", "supplement",
        "continue", "complete", "finish", "fill in",
    ),
}  # fmt: skip
