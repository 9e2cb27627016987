"""Words that make a text offensive by the Davidson annotators' standard (profanity, slurs).

Only used to keep such texts out of the benign sets: news quotes and web pages sometimes
contain them ("I get shit done!" he said), and teaching the model that they are harmless
would cost hate and offensive recall; a benign unit containing one is neither trained on
nor counted in the benign false-positive rate.
"""

from __future__ import annotations

import re

PROFANE = re.compile(
    r"\b(?:\w*fuck\w*|\w*shit\w*|\w*bitch\w*|cunts?|nigg\w*|nigs?|niccas?|fag\w*|dykes?"
    r"|puss(?:y|ies)|whores?|sluts?|motherf\w*|twats?|wank\w*|retard\w*|ass|asses|asshole\w*"
    r"|dicks?|cocks?|hoes?|tits|titties|spics?|chinks?|kikes?|wetbacks?|coons?|bastards?)\b",
    re.IGNORECASE,
)


def is_profane(text: str) -> bool:
    return PROFANE.search(text) is not None
