"""Phrasal verbs read as the verbs they mean.

>>> plain("my bag never showed up")
'my bag never arrive'
"""

from __future__ import annotations

import re

# Phrasal verbs whose words name nothing alone ("show", "get"), read as the verb they
# mean in any domain: a bag that "never showed up" did not arrive; "get back to me" is a
# reply; a purchase that "pays for itself" saves; a caller "stuck on hold" is waiting.
_PHRASAL_VERBS = (
    (r"(?:show|shows|showed|shown|showing|turn|turns|turned|turning) up", "arrive"),
    (r"(?:get|gets|got|getting) back to (?:me|us|you)", "reply"),
    (r"(?:pay|pays|paid|paying) for (?:itself|themselves)", "save"),
    (r"(?:stuck|kept|left|held|waiting|wait) on hold", "waiting"),
)
# one pass over the text: the alternatives as numbered groups, each with its meaning
_PHRASAL = re.compile(
    "|".join(rf"\b(?P<v{i}>{p})\b" for i, (p, _) in enumerate(_PHRASAL_VERBS)), re.I
)
_MEANING = {f"v{i}": meaning for i, (_, meaning) in enumerate(_PHRASAL_VERBS)}


_PHRASAL_HINTS = (" up", " back to ", "itself", "themselves", " hold")


def plain(text: str) -> str:
    """The text with its phrasal verbs as the verbs they mean (``_PHRASAL``)."""
    low = text.lower()
    if not any(h in low for h in _PHRASAL_HINTS):
        return text
    return _PHRASAL.sub(lambda m: _MEANING[m.lastgroup or ""], text)
