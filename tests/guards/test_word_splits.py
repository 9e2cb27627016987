"""The toxicity and leakage guards split an ASCII text's words in C (a byte table and
``split``) instead of running their word pattern; they must find exactly what it finds."""

from __future__ import annotations

import random

from stanchion.guards.leakage import _WORD, lower_words
from stanchion.guards.toxicity import _TOKEN, clean, tokens

ALPHABET = "abcxyzAZ'' -.,!?09\t\n\r\x0b\x0c_@$\x1c\x1f\x85\xa0\u2028\u017f\u212aé日"
EVERY_ASCII = "".join(map(chr, range(128)))


def samples(seed: int, n: int = 4000) -> list[str]:
    rng = random.Random(seed)
    out = [EVERY_ASCII, "", "'", "''a'b''", "don't 'quote' it", "x" * 500]
    out += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(n)]
    return out


def test_toxicity_tokens_are_the_patterns() -> None:
    for text in samples(1):
        for t in (text, text.lower(), clean(text)):
            assert tokens(t) == _TOKEN.findall(t), t


def test_leakage_words_are_the_patterns() -> None:
    for text in samples(2):
        assert lower_words(text) == [w.lower() for w in _WORD.findall(text)], text


def test_clean_skips_only_what_cannot_match() -> None:
    from stanchion.guards.normalize import collapse_spacing, normalize
    from stanchion.guards.toxicity import _LEET_CHAR, _MENTION, _REPEAT, _unleet

    def every_pattern(text: str) -> str:  # clean() as it was, each pattern tried everywhere
        text = collapse_spacing(_MENTION.sub(" ", normalize(text).text).lower())
        return _REPEAT.sub(r"\1\1", _LEET_CHAR.sub(_unleet, text))

    extra = ["mail @ana or &amp; http://x.io", "st1d $hit", "HTTP://A", "n0 @ $ !", "١٢٣"]
    for text in samples(3) + extra:
        assert clean(text) == every_pattern(text), text
