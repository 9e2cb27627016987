"""Cache keys: a digest of everything an answer depends on.

>>> normalise("  How long do REFUNDS take?? ")
'how long do refunds take'
>>> normalise("Hi, please: how long do refunds take") == normalise("how long do refunds take?")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import orjson

WORD = re.compile(r"\w+")
# Words that change the tone of a question, never what it asks.
FILLER = frozenset({"hi", "hello", "hey", "please", "pls", "thanks", "thank", "you", "kindly"})


def normalise(question: str) -> str:
    """Case, Unicode forms, punctuation, spacing and courtesy words at either end removed;
    word order and every other word kept (so "from A to B" never matches "from B to A")."""
    words = WORD.findall(unicodedata.normalize("NFKC", question).casefold())
    while words and words[0] in FILLER:
        words.pop(0)
    while words and words[-1] in FILLER:
        words.pop()
    return " ".join(words)


def digest(parts: Any) -> str:
    raw = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(raw, digest_size=20).hexdigest()
