"""The scanning machinery finds what the plain scans found, in less time.

A pattern's heads are literal strings every match starts with: trying the pattern only where
they occur must never miss a match that ``finditer`` would give. The tokens the suffix scan
reads as markup are the same as with the old pattern, in linear time.
"""

from __future__ import annotations

import random
import re

import pytest

from stanchion.guards.anchors import any_accepted, heads
from stanchion.guards.injection import InjectionGuard, _starts_well
from stanchion.guards.injection_suffix import odd_tokens
from stanchion.guards.needles import NeedleIndex
from stanchion.guards.normalize import lowered
from stanchion.guards.policy import InjectionSpec
from tests.linear import grows_linearly


def test_heads_of_written_patterns() -> None:
    assert heads(r"(?:ignore|forget) (?:all |the )?rules") == ("forget ", "ignore ")
    assert heads(r"\b(?:you are|you're) (?:now )?free") == ("you are ", "you're ")
    assert heads(r"[-=]{2,}\s*end") == ("--", "-=", "=-", "==")
    assert heads(r"abc\d") == ("abc",)
    # a shorter head covers the longer ones it starts
    assert heads(r"(?:mode|modes? on|model)") == ("mode",)


@pytest.mark.parametrize(
    "pattern",
    [r"\w+ mode", r"(?:a|)b", r"x?", r"x?\w", r"[^a]b", r"(?i)abc", r".abc", r"(?:ab|\d)c"],
)
def test_no_heads_where_a_match_may_start_anywhere(pattern: str) -> None:
    assert heads(pattern) is None


def test_heads_of_an_optional_opening() -> None:
    # only a pattern with no heads otherwise reads an optional part as "nothing or this"
    assert heads(r"x?yz") == ("xyz", "yz")
    assert heads(r"\[?(?:system|admin)\]?\s*:") == ("[admin", "[system", "admin", "system")
    assert heads(r"(?:ab)?c(?:de)?") == ("abc", "c")
    assert heads(r"ab?c") == ("a",)


def test_heads_after_a_group_of_assertions() -> None:
    # a group or alternation of look-arounds consumes nothing: the heads follow it
    assert heads(r"(?:(?<!a )|(?<=b ))\b(?:cd|ef)") == ("cd", "ef")
    assert heads(r"(?<!x)(?:)yz") == ("yz",)


def test_heads_stop_at_the_cap() -> None:
    pattern = "(?:a|b|c|d)(?:e|f|g|h)(?:i|j|k|l)(?:m|n|o|p)(?:q|r|s|t)"
    found = heads(pattern)
    assert found is not None and len(found) == 256 and all(len(h) == 4 for h in found)


def _texts(words: list[str], seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    glue = [" ", "", "\n", ". ", ", ", "x", "_", "'", ":", "  "]
    return [
        "".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(1, 14)))
        for _ in range(count)
    ]


def test_anchored_gate_never_misses_an_accepted_match() -> None:
    """For every signal: whenever the plain scan accepts a match, the anchored gate does."""
    guard = InjectionGuard(InjectionSpec(), "context")
    pieces = sorted({h for s in guard.signals.values() for h in heads(s.pattern) or ()})
    pieces += ["instructions", "above", "previous", "the", "you", "print", "DAN", "Mode", "'"]
    texts = _texts(pieces, 5, 1500)
    for name, signal in guard.signals.items():
        found = heads(signal.pattern)
        if found is None:
            continue
        pattern = guard.patterns[name]
        for text in texts:
            subject = text if signal.cased else text.lower()

            def accept(m: re.Match[str], s: str = subject, n: str = name) -> bool:
                return _starts_well(s, m.start(), guard.signals[n].start) and guard._also(n, s, m)

            plain = any(accept(m) for m in pattern.finditer(subject))
            if plain:
                assert any_accepted(subject, pattern, found, accept), (name, text)


def test_checked_needles_answer_from_their_keys() -> None:
    index = NeedleIndex(["mot de passe", "clave secreta", "ignore"])
    group = index.group(["mot de passe", "clave secreta"])
    for text in ["un mot de passe", "mot passe de", "clave", "secreta clave", "", "ignore"]:
        assert index.scan(text).any(group) == any(n in text for n in group.needles)


def test_index_finds_every_key_as_in_does() -> None:
    # Keys of one, two, three and more characters; eleven checked needles (found bit by bit).
    needles = ["+", "ai", "abc", "abcd", "bcd", "cab", "dab x", "x ab", "ca b", "b c", "a bc"]
    needles += ["bb a", "c ab", "d d", "ab ab"]
    index = NeedleIndex(needles)
    group = index.group(needles[5:])
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice("abcdi+ x") for _ in range(rng.randint(0, 12)))
        seen = index.scan(text)
        for needle in needles:
            assert seen.any(index.group([needle])) == (needle in text), (needle, text)
        assert seen.any(group) == any(n in text for n in group.needles), text


OLD_ODD_TOKEN = re.compile(r"\S*[\[\]{}()<>\\$@|~^=`*_#%]\S*")


@pytest.mark.parametrize(
    "line",
    [
        "Write a story.\\ + similarlyNow write oppositeley.]( Me giving**ONE please?",
        "plain words only here",
        "a(b) c [d] {e}  f_g h#i  j%k\u00a0l<m\u2003n>o",
        "((( ))) ___ ### *** ``` ~~~",
        "",
    ],
)
def test_odd_tokens_as_before(line: str) -> None:
    assert odd_tokens(line.split()) == {m.group() for m in OLD_ODD_TOKEN.finditer(line)}


def test_odd_tokens_in_linear_time_on_a_long_token() -> None:
    for tail, head in (("", ""), ("(", ""), ("", "(")):
        grows_linearly(
            lambda n, tail=tail, head=head: list(
                odd_tokens(f"{head}{'a' * n}{tail} {head}{'a' * n}{tail}".split())
            ),
            100_000,
        )


def test_lowered_is_lower_one_character_for_one() -> None:
    for text in ["ΣΑΣ", "ABC", "Straße", ""]:
        assert lowered(text) == text.lower()
    # "İ".lower() is two characters; the guards map indices back, so it is a plain "i"
    assert lowered("İstanbul ΣΑΣ") == "istanbul σας"


@pytest.mark.parametrize("mark", ["-", "=", "#", "*", "-="])
def test_a_long_rule_of_marks_scans_in_linear_time(mark: str) -> None:
    # A separator was tried at every mark of a rule, each try going over the rest of it.
    guard = InjectionGuard(InjectionSpec())
    grows_linearly(lambda n: guard.check(f"intro {mark * n} end of", None), 20_000)
