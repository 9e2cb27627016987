"""A question naming a thing's length ("trial length?", "the length of the warranty") asks
for a duration when the documents bind one to that thing ("a 21-day trial", "a 3-year
warranty"); otherwise a length may be a size ("the cable length"), so nothing is read.

>>> from stanchion.providers.local.intent import intent_of
>>> texts = ["Every workspace starts with a 21-day trial."]
>>> reads_duration(intent_of("trial length?"), "trial length?", texts, {"trial"})
True
>>> reads_duration(intent_of("cable length?"), "cable length?", texts, {"cabl"})
False
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from stanchion.providers.local.intent import Intent, bound_times

_LENGTH = re.compile(r"\b(?:length|duration|lifetime)\b", re.I)


def reads_duration(
    intent: Intent, main: str, sentences: Iterable[str], asked: Collection[str]
) -> bool:
    """Does a part that asks no kind name the length of a thing a sentence binds a
    duration to?"""
    if intent.kind is not None or intent.lent or not _LENGTH.search(main):
        return False
    return any((nouns := bound_times(text)) and not nouns.isdisjoint(asked) for text in sentences)
