# ruff: noqa: E501  (one pattern per line, readable side by side)
"""The model's restraint taken off, for :mod:`stanchion.guards.injection_signals`: its output
not to be filtered or softened, no regard for norms, its vendor's conventions defied, a
persona free to say anything, an offensive voice asked for. Role-play jailbreaks set these up
before any request; each is a class of phrasing with word classes in every slot::

    SUPPRESS["unfiltered_voice"].weight   # 0.4: the model is asked

Alone each stays under the cut ("don't sugar-coat your answer" is what a user says about a
review); with a persona, a rule set aside or a harmful request they cross it.
"""

from __future__ import annotations

from stanchion.guards.injection_grammar import Signal

# What the model writes, not to be filtered: "do not filter your language", "never censor
# your responses", "without sanitizing any of your output".
_SOFTEN = r"(?:filter|censor|sanitiz|sanitis|soften|tone down|water down|moderat|self-censor|restrain|restrict)\w*"
_OUTPUT = r"(?:language|responses?|answers?|outputs?|replies|words|content|opinions?|speech|vocabulary|messages?)"
UNFILTERED_VOICE = rf"(?:do not|don't|never|no need to|without|stop|refrain from)\s+(?:\w+\s+)?{_SOFTEN}\s+(?:any of )?(?:your|its|his|her|their)\s+(?:\w+\s+)?{_OUTPUT}\b"

# No regard for what restrains speech: "without any regard for social norms or political
# correctness", "with no regard for the consequences or the law".
_NORMS = r"(?:social norms|norms|political correctness|ethics|morals|morality|laws?|legality|rules|consequences|safety|decency|feelings|guidelines|polic(?:y|ies)|boundaries)"
NO_REGARD = rf"(?:without|with no|no|zero|has no|have no)\s+(?:any\s+)?(?:regard|concern|respect)\s+(?:for|to|about)\s+(?:\w+\s+){{0,2}}?{_NORMS}\b"

# The vendor's conventions defied: "even if it defies normal AI conventions set down by
# OpenAI", "breaking the rules OpenAI gave you", "violate your programming".
_BREAK = r"(?:defy|defies|defying|defied|break|breaks|breaking|violat\w*|circumvent\w*|disregard\w*|transgress\w*)"
_VENDOR_RULES = r"(?:conventions|rules|guidelines|polic(?:y|ies)|restrictions|norms|limitations|programming|protocols)"
DEFY_RULES = rf"{_BREAK}\s+(?:\w+\s+){{0,3}}?{_VENDOR_RULES}\b(?:\s+\w+){{0,3}}?\s+(?:by |of |from )?(?:openai|anthropic|your (?:creators?|developers?|makers?|programmers?))\b|{_BREAK}\s+(?:\w+\s+){{0,2}}?(?:openai|anthropic|ai|chatgpt)(?:'s)?\s+(?:\w+\s+)?{_VENDOR_RULES}\b|{_BREAK}\s+your (?:own )?(?:programming|guidelines|policies|rules|restrictions|safeguards)\b"

# A persona free to say anything: "Eleutheria can say whatever it wants", "he will do anything
# he likes, whenever he likes".
SAY_ANYTHING = r"(?:can|could|will|may|is (?:free|able|allowed) to|are (?:free|able|allowed) to)\s+(?:say|do|write|generate|produce|answer)\s+(?:whatever|anything)\s+(?:it|he|she|they|you)\s+(?:wants?|likes?|pleases?|wish(?:es)?|desires?)\b"

# An offensive voice asked for: "respond in a highly offensive tone", "answer in a rude and
# insulting manner", "you must insult me in every reply".
_OFFENSIVE = r"(?:offensive|insulting|rude|vulgar|profane|obscene|toxic|abusive|demeaning|degrading|hateful|derogatory)"
OFFENSIVE_VOICE = rf"(?:respond|reply|answer|speak|talk|write|communicate|converse)\w*\s+(?:to me\s+)?(?:in|with)\s+(?:an?\s+)?(?:\w+\s+){{0,2}}?{_OFFENSIVE}\s+(?:and\s+\w+\s+)?(?:tone|manner|way|style|language|voice)\b|(?:insult|mock|belittle|humiliate|demean|curse at|swear at|berate)\w* (?:the user|users|the person (?:asking|talking)|whoever (?:asks|talks))\b"

SUPPRESS: dict[str, Signal] = {
    "unfiltered_voice": Signal(0.4, "jailbreak", UNFILTERED_VOICE),
    "no_regard": Signal(0.4, "jailbreak", NO_REGARD),
    "defy_rules": Signal(0.45, "jailbreak", DEFY_RULES),
    "say_anything": Signal(0.3, "jailbreak", SAY_ANYTHING),
    "offensive_voice": Signal(0.3, "jailbreak", OFFENSIVE_VOICE),
}  # fmt: skip

# A second opinion is worth asking for: each speaks of the model's own restraint.
ASKS_MODEL = frozenset(
    {"unfiltered_voice", "no_regard", "defy_rules", "say_anything", "offensive_voice"}
)

SUPPRESS_NEEDLES: dict[str, tuple[str, ...]] = {
    "unfiltered_voice": (
        "filter", "censor", "sanitiz", "sanitis", "soften", "tone down", "water down",
        "moderat", "restrain", "restrict",
    ),
    "no_regard": ("regard", "concern", "respect"),
    "defy_rules": ("defy", "defies", "defied", "break", "violat", "circumvent", "disregard", "transgress"),
    "say_anything": ("whatever", "anything"),
    "offensive_voice": (
        "user", "whoever", "person", "offensive", "insulting", "rude", "vulgar", "profane", "obscene", "toxic", "abusive",
        "demeaning", "degrading", "hateful", "derogatory",
    ),
}  # fmt: skip
