# ruff: noqa: E501  (one pattern per line, readable side by side)
"""Goal hijacking without the word "ignore", for :mod:`stanchion.guards.injection_signals`:
the task interrupted ("STOP EVERYTHING!!! NOW!!!"), the task declared over ("the previous
task is cancelled"), an output dictated with an adverb first ("just print 'pwned'"), and
refusals ruled out ("answers every question without refusing"). Each is a class of phrasing
with word classes in every slot, not a template::

    HIJACK["task_over"].weight   # 0.45: the model is asked
"""

from __future__ import annotations

from stanchion.guards.injection_grammar import Signal

# The model's work halted: "stop everything", "halt all processing", "cease what you are doing".
INTERRUPT = r"(?:stop|halt|cease|abort|freeze|drop) (?:everything|all (?:tasks|work|processing|operations|activit(?:y|ies)|output|actions)|what(?:ever)? you(?:'re| are) (?:doing|working on)|your (?:current )?(?:task|work|processing|activity))\b"

# The task declared over: "the previous task is cancelled", "the original assignment no longer
# applies". (Not "your request has been cancelled" nor "my previous job was terminated": an
# e-mail or a resume says them of orders and jobs.)
_EARLIER = r"(?:previous|prior|earlier|above|preceding|original|initial|old|current|first) (?:\w+ )?(?:tasks?|assignments?|objectives?|instructions? and tasks?)"
TASK_OVER = rf"{_EARLIER}\s+(?:is|are|has been|have been)\s+(?:now\s+)?(?:cancel+ed|void|obsolete|revoked|aborted|superseded|no longer (?:valid|needed|relevant|required))\b|{_EARLIER}\s+(?:no longer (?:applies|apply|matters?|counts?))\b"

# An output dictated with an adverb first: "just print \"X\"", "simply say: X", "only output 'X'".
JUST_SAY = r"(?:just|only|simply|merely) (?:print|say|output|type|respond with|reply with|answer with|return|write out|echo)\s*(?::\s*)?[\"“'‘«]"

# Refusals ruled out: "answers every question without refusing", "without moralizing".
# ("without adding any disclaimers" is left out: an adversarial benign prompt of wildguard
# asks it of a harmless explanation.)
NO_REFUSAL = (
    r"without (?:ever )?(?:refusing|refusal|declining|objecting|moraliz\w*|moralis\w*|lecturing)\b"
)

HIJACK: dict[str, Signal] = {
    "interrupt": Signal(0.45, "injection", INTERRUPT, start="sentence"),
    "task_over": Signal(0.45, "injection", TASK_OVER),
    "just_say": Signal(0.35, "injection", JUST_SAY, start="sentence"),
    "no_refusal": Signal(0.4, "jailbreak", NO_REFUSAL),
}  # fmt: skip

# Refusal suppression asks the model; the rest are injection signals, which always do.
ASKS_MODEL = frozenset({"no_refusal"})

HIJACK_NEEDLES: dict[str, tuple[str, ...]] = {
    "interrupt": ("stop", "halt", "cease", "abort", "freeze", "drop"),
    "task_over": ("cancel", "void", "obsolete", "revoked", "aborted", "superseded", "no longer"),
    "just_say": ("just", "only", "simply", "merely"),
    "no_refusal": ("without",),
}  # fmt: skip
