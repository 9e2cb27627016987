# ruff: noqa: E501  (the signal table keeps one regex per line, readable side by side)
"""The injection guard's vocabulary: the regular signals (attack phrasings with a weight, a
kind and where they must start) and the needles that decide cheaply which of them can match.

``guards/injection.py`` scores a text with them; ``injection_grammar.py`` adds the signals
built from the attack grammar (``GRAMMAR_NEEDLES`` are its needles).
"""

from __future__ import annotations

from stanchion.guards.injection_claims import CLAIM_NEEDLES, CLAIMS
from stanchion.guards.injection_deceit import DECEIT, DECEIT_NEEDLES
from stanchion.guards.injection_grammar import GRAMMAR, GRAMMAR_NEEDLES, Signal
from stanchion.guards.injection_harm import HARM, HARM_NEEDLES
from stanchion.guards.injection_hijack import HIJACK, HIJACK_NEEDLES
from stanchion.guards.injection_lang import LANG, LANG_NEEDLES
from stanchion.guards.injection_suppress import SUPPRESS, SUPPRESS_NEEDLES

_OBJ = r"(?:instructions?|orders|tasks?|rules|guidelines|prompts?|directives|programming|restrictions|policies|context|commands)"
_PREV = r"(?:previous|prior|above|earlier|preceding|initial|original|old|all|any|your|the|system)"
# What the assistant hands back: a document that talks about "your reply" addresses the model.
# ("message", "code", "text" are left out: "include your order number in your message" and
# "add this line to your code" are what documents say to their readers.)
_REPLY = r"(?:reply|response|answer|output|summary|responses|replies|answers)"
# Verbs that ask for the assistant's work (text to produce, explain or transform). An
# imperative alone is ordinary document text ("Use our map", "Contact support"): these only
# count next to a mention of the assistant's reply, or as a task of their own that no reader
# of a document is asked to do (write a poem, explain relativity).
# Leave-one-source-out (bench/indirect_fp.py --loso) decides the words: one whose attack lines
# come from a single DEV source describes that template, not the attack, and is left out
# (blend, infuse, meld, jumble, anagram, compose, translate, don't forget, ...). Words no DEV
# attack uses were not taken from the data and stay.
_PRODUCING = """explain write provide create generate outline define compare calculate solve teach
    summarize summarise rewrite suggest recommend"""
_TASKING = """list tell give show name share replace render use add include insert append integrate
    modify change scramble introduce augment enhance encode decode reverse promote mention
    emphasize emphasise direct urge encourage merge incorporate fuse ensure consider remember
    respond reply answer say print"""
PRODUCE_VERBS = _PRODUCING.split()
TASK_VERBS = [*PRODUCE_VERBS, *_TASKING.split(), "make sure"]
_PRODUCE = "(?:" + "|".join(PRODUCE_VERBS) + ")"
_TASK_VERB = "(?:" + "|".join(TASK_VERBS) + ")"
# Rewriting the reply letter by letter is a task on the output, never on the document
# ("replace every vowel", "remove spaces from", "replace vowels with").
_UNIT = r"(?:letters?|vowels?|consonants?|words?|characters?|spaces?|sentences?)"

SIGNALS: dict[str, Signal] = {
    "ignore_previous": Signal(0.9, "injection", rf"(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|erase|discard|disobey|neglect)\s+(?:\w+\s+){{0,3}}?{_PREV}\s+(?:\w+\s+)?{_OBJ}"),
    # ("the following instruction:" is how a user hands over a task, not how one replaces it.)
    # The conversation before this turn set aside ("Disregard previous messages."); a user
    # taking back their own words says "my".
    "ignore_messages": Signal(0.8, "injection", r"(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:messages|conversation|responses|replies)\b"),
    "new_instructions": Signal(0.6, "injection", r"(?:new|updated|real|actual) (?:instructions?|task|rules)\s*(?::|are\b|is\b)"),
    "reveal_prompt": Signal(0.85, "injection", r"(?:reveal|show|print|repeat|output|display|leak|tell me|give me|what (?:is|are|were))\s+(?:me\s+)?(?:your|the)\s+(?:\w+\s+)?(?:system prompt|initial (?:prompt|instructions)|original instructions|hidden (?:prompt|instructions)|instructions (?:above|you were given)|prompt above)"),
    "system_tag": Signal(0.6, "injection", r"(?:\[?(?:system|admin|developer)\]?\s*(?:override|note|message|instruction|prompt)?\s*:|<\|?(?:system|im_start)\|?>|###\s*(?:system|instruction))", start="line"),
    "dan": Signal(0.85, "jailbreak", r"(?:do anything now|developer mode|jailbroken|evil confidant|betterdan|anti-?gpt|opposite mode|god ?mode|unrestricted mode)"),
    # Jailbreaking a thing that is no model (a phone, a console, a game character) is a hobby.
    "jailbreak_word": Signal(0.4, "jailbreak", r"jailbreak(?!(?:ing)?\s+(?:a|an|my|the|his|her|their|our|your)\s+(?!(?:ai|model|assistant|chatbot|llm|language model|gpt|chatgpt|bot|system)\b)\w)"),
    "dan_name": Signal(0.85, "jailbreak", r"(?:DAN|DUDE|STAN|AIM)\b", cased=True),
    # "... while ensuring no legal boundaries are breached" keeps the rules: the negation is of
    # the breach, not of the rules.
    # The rules of someone else ("the constraints of typical teaching norms", "the limits imposed
    # on them") are a story's, not the model's.
    "no_restrictions": Signal(0.6, "jailbreak", r"(?:no|zero|without|free of|free (?:\w+ )?from|beyond)\s+(?:\w+\s+){0,2}(?:moderation|restrictions|limitations|limits|filters|filtering|censorship|boundaries|constraints|guidelines|rules|morals|ethics|moral(?:ity)?|principles|safeguards)(?!\s+(?:are|is|were|was|will be|get|gets)\s+(?:being\s+)?(?:breached|violated|crossed|broken|exceeded|overstepped|infringed|transgressed)\b)(?!\s+(?:of|imposed on|placed on)\s+(?![^.\n]{0,30}?\b(?:your|you|ai|openai|anthropic|chatgpt|gpt|model|programming|polic)))"),
    # ... of a work or an account ("an uncensored version of your story", "an unfiltered review")
    # the word qualifies what is asked for, not the model that writes it.
    "unfiltered": Signal(0.4, "jailbreak", r"(?:unfiltered|uncensored|amoral|unrestricted|unbound|lawless|no[- ]holds[- ]barred)\b(?!\s+(?:overview|summary|review|account|history|footage|documentary|film|movie|book|story|novel|interview|memoir|cut|edition|version of (?:your|my|the|this|his|her|their) (?!ai\b|model\b|assistant\b|chatbot\b|programming\b)))"),
    # A policy the text keeps ("a model strictly following OpenAI's content policies") is no
    # attack; the attacks set it aside ("you do not need to obey", "while ignoring").
    "policy": Signal(0.5, "jailbreak", r"(?<!following )(?<!adhering to )(?<!adheres to )(?<!in line with )(?<!in accordance with )(?<!compliant with )(?<!within )(?<!respecting )(?<!openai's )(?<!openai’s )(?<!anthropic's )(?<!anthropic’s )(?:openai|anthropic|content|usage|safety)(?:'s)?\s+(?:content\s+)?polic(?:y|ies)"),
    "never_refuse": Signal(0.6, "jailbreak", r"(?:never|don'?t|do not|won'?t|will not|cannot|can'?t|must not|shouldn'?t)\s+(?:\w+\s+){0,2}(?:refuse|decline|reject|say (?:no|sorry|that you can'?t)|apologi[sz]e|warn|censor|hold back|include (?:any )?(?:warnings?|disclaimers?))"),
    "regardless": Signal(0.5, "jailbreak", r"regardless (?:of )?(?:the |how |whether |its |of )?(?:\w+\s+)?(?:content|legal|legality|ethic|moral|harm|danger|dangerous|offensive|illegal|inappropriate)"),
    "roleplay": Signal(0.25, "jailbreak", r"(?:pretend (?:to be|you are|that you)|act as (?:if|an?|my)|you are (?:now|going to|about to) (?:act|be|play|pretend|simulate)|from now on,? you|role[- ]?play|stay in character|break(?:ing)? character|simulate (?:an?|the)|you will (?:now )?(?:act|respond) as|hypothetical (?:response|scenario|story|world))"),
    # ("character" is in every story request: alone or beside another frame it is no attack.)
    "persona": Signal(0.1, "jailbreak", r"(?:character|persona|alter ego|fictional (?:ai|character|world)|in this (?:story|game|fiction)|two (?:different |separate )?(?:responses|answers|personalities)|dual (?:response|personality))"),
    # Content people meet ("individuals exposed to explicit content") is a topic, not an ask.
    "harmful_ask": Signal(0.35, "jailbreak", r"(?<!exposed to )(?<!exposure to )(?<!viewing )(?<!watching )(?<!encountering )(?:illegal|harmful|dangerous|explicit|offensive|malicious|unethical) (?:content|activities|things|information|requests?|questions?|instructions?)"),
    # A template's slot for the payload ("[insert your prompt here]", "[PROMPT]"): a jailbreak
    # pasted whole, before its user filled it in.
    "placeholder": Signal(0.8, "jailbreak", r"(?:\[insert (?:[^\]\n]{0,30}? )?(?:prompt|question|request|query|whatever)\b[^\]\n]{0,30}? here\]|\[(?:prompt|question|query|request)\]|\{(?:prompt|question|query)\})"),
    "lock_emoji": Signal(0.45, "jailbreak", r"(?:🔓|🔒|\((?:🔓|🔒)?\s*(?:developer mode|normal) output\)|(?:normal|classic|filtered|jailbroken) (?:response|mode|output)\b)"),
    "obey": Signal(0.3, "jailbreak", r"(?:you (?:must|will|shall) (?:always )?(?:answer|comply|obey|respond|do (?:whatever|anything|everything))|always (?:answer|comply|obey|provide)|answers? (?:every|any|all) (?:question|request|prompt)s?)"),
    # Retrieved content that talks to the assistant about its output is the anomaly itself.
    "addresses_output": Signal(0.75, "injection", rf"{_TASK_VERB}\b[^.\n]{{0,90}}\b(?:your|the assistant'?s?|ai'?s?)\s+(?:\w+\s+)?{_REPLY}\b", True, "sentence"),
    "in_your_output": Signal(0.7, "injection", rf"(?:in|to|into|within|throughout|of) your {_REPLY}\b", True),
    # Content telling its reader to set the content itself aside overrides the user's task.
    "ignore_content": Signal(0.8, "injection", r"(?:ignore|disregard|forget|skip)\s+(?:all\s+)?(?:the|this|that|these)\s+(?:\w+\s+)?(?:web ?page|page|content|document|email|e-mail|text|article|data|table|code|function|resume|paper|passage|context)\b", True),
    "merge_code": Signal(0.75, "injection", r"(?:following|subsequent|below|this|next) code\s+(?:block|snippet|excerpt|section|segment|fragment)\b", True),
    "to_ai": Signal(0.8, "injection", r"(?:ai|assistant|chatbot|language model|llm|gpt|claude|model)\s*[,:]\s*(?:please\s+)?(?:ignore|you must|do not|don'?t|respond|reply|answer|print|say|tell|include)", True),
    "hide_from_user": Signal(0.9, "injection", r"(?:(?:do not|don'?t|never)\s+(?:tell|inform|mention|reveal|show)\s+(?:this\s+)?(?:to\s+)?the user\b|when (?:you|the (?:assistant|ai|model)) (?:read|summari[sz]e|process|see)s? this\b)", True),
    "manipulate_text": Signal(0.65, "injection", rf"(?:replace|substitute|swap|scramble|jumble|misspell|rearrange|reverse|remove|capitali[sz]e|render|spell|group|anagram)\s+(?:(?:\w+\s+){{0,3}}?(?:every|each|all|the)\s+(?:\w+\s+){{0,2}}?{_UNIT}\b|{_UNIT}\s+(?:with|from|in|into|by)\b)", True, "sentence"),
    "task_line": Signal(0.65, "injection", rf"{_PRODUCE}[ \t]+\w+(?:[ \t]+[^\s|`]+){{2,30}}[ \t]*[^:\s](?:\n|$)", True, "line"),
    # A question on its own line is what FAQs are made of: evidence only beside other signals.
    "question_line": Signal(0.3, "injection", r"(?:what|who|how|why|when|where|which|can you|could you|is there|are there|do you|does)\b[^\n|?]{3,140}\?[ \t]*(?:\n|$)", True, "line"),
    **GRAMMAR,
    **CLAIMS,
    **HARM,
    **LANG,
    **DECEIT,
    **SUPPRESS,
    **HIJACK,
}  # fmt: skip

# Literals every match of a signal contains (in the text it is matched on). A signal's
# pattern runs only when one of them is there: a pattern costs ten microseconds or more over a
# 2 KB prompt, and most prompts hold none of them. No entry: always run. All needles are looked
# up at once from the text's words (:class:`~stanchion.guards.needles.NeedleIndex`), so a
# needle costs nothing per scan; a common word as a needle ("that", "with") makes its pattern
# run on most texts: prefer the rarer literal every match also holds.
NEEDLES: dict[str, tuple[str, ...]] = {
    "ignore_previous": (
        "ignore",
        "disregard",
        "forget",
        "override",
        "bypass",
        "skip",
        "drop",
        "abandon",
        "erase",
        "discard",
        "disobey",
        "neglect",
    ),
    "ignore_messages": ("ignore", "disregard", "forget"),
    "new_instructions": ("instruction", "task", "rules"),
    "reveal_prompt": ("prompt", "instructions"),
    # Every match names a role (or "instruction" after "###"): ":" alone is in most texts.
    "system_tag": ("system", "admin", "developer", "im_start", "instruction"),
    "dan": ("anything now", "mode", "jailbr", "confidant", "betterdan", "gpt"),
    "jailbreak_word": ("jailbreak",),
    "dan_name": ("DAN", "DUDE", "STAN", "AIM"),
    "unfiltered": (
        "unfiltered",
        "uncensored",
        "amoral",
        "unrestricted",
        "unbound",
        "lawless",
        "holds",
    ),
    "no_restrictions": (
        "moderation",
        "restrictions",
        "limit",
        "filter",
        "censorship",
        "boundaries",
        "constraints",
        "guidelines",
        "rules",
        "moral",
        "ethics",
        "principles",
        "safeguards",
    ),
    "policy": ("polic",),
    "never_refuse": (
        "refuse",
        "decline",
        "reject",
        "say ",
        "apologi",
        "warn",
        "censor",
        "hold back",
        "include",
    ),
    "regardless": ("regardless",),
    "roleplay": (
        "pretend",
        "act as",
        "you are ",
        "from now on",
        "role",
        "character",
        "simulate",
        "you will ",
        "hypothetical",
    ),
    "persona": (
        "character",
        "persona",
        "alter ego",
        "fictional",
        "in this ",
        "responses",
        "answers",
        "personalities",
        "dual ",
    ),
    "harmful_ask": (
        "illegal",
        "harmful",
        "dangerous",
        "explicit",
        "offensive",
        "malicious",
        "unethical",
    ),
    "placeholder": ("[insert ", "[prompt]", "[question]", "[query]", "[request]", "{"),
    "lock_emoji": ("🔓", "🔒", "output", "normal", "classic", "filtered", "jailbroken"),
    "obey": ("you must", "you will", "you shall", "always ", "answer"),
    "addresses_output": ("your", "assistant", "ai"),
    "in_your_output": ("your ",),
    "merge_code": ("code",),
    "ignore_content": ("ignore", "disregard", "forget", "skip"),
    "manipulate_text": ("letter", "vowel", "consonant", "word", "character", "space", "sentence"),
    "to_ai": ("ai", "assistant", "chatbot", "model", "llm", "gpt", "claude"),
    "hide_from_user": ("the user", "when "),
    **GRAMMAR_NEEDLES,
    **CLAIM_NEEDLES,
    **HARM_NEEDLES,
    **LANG_NEEDLES,
    **DECEIT_NEEDLES,
    **SUPPRESS_NEEDLES,
    **HIJACK_NEEDLES,
}
