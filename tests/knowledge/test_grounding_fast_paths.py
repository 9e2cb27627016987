"""The grounding check's fast paths give what the plain computations they replace give: the
claim split without a look-behind or an alternation, the possessive word pattern, the
per-word readings, the term->windows index, a single claim's answer figures and the model's
score (a claim's and an answer's, without the lists)."""

import math
import random
import re

from stanchion.knowledge.grounding import CLAIM_END, split_claims
from stanchion.knowledge.sources import (
    Source,
    all_stems,
    content_terms,
    denies,
    has_negation,
    opposites,
    reading,
    swapped,
)
from stanchion.knowledge.support import (
    CONTRADICTIONS,
    EVIDENCE,
    NEUTRAL,
    WEIGHTS,
    aggregate,
    answer_score,
    claim_features,
    claim_score,
    support,
)
from stanchion.knowledge.text import STOPWORDS, WORD, normalize_word, stem, words

LOOK_BEHIND = re.compile(r"(?<=[.!?;])\s+|\n+")
ALTERNATION = re.compile(r"[.!?;]\s+|\n+")
BACKTRACKING_WORD = re.compile(r"[A-Za-z0-9]+(?:[.,'][A-Za-z0-9]+)*")


def reference_split(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in LOOK_BEHIND.finditer(text):
        if text[pos : m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


def test_split_claims_matches_the_look_behind_split_on_random_text() -> None:
    rng = random.Random(12)
    alphabet = ["a", "b", " ", ".", "!", "?", ";", "\n", "\t", "\r", "\u00a0", "x.y", "3.5"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert split_claims(text) == reference_split(text), repr(text)


def test_split_claims_on_written_cases() -> None:
    text = "Refunds take 5 days.  Cards too!\n\nNo fees; none at all?\nEnd"
    assert split_claims(text) == reference_split(text)
    assert [text[s:e] for s, e in split_claims(text)] == [
        "Refunds take 5 days.",
        "Cards too!",
        "No fees;",
        "none at all?",
        "End",
    ]


def test_reading_is_the_word_analysis_it_caches() -> None:
    for raw in ["Refunds", "don't", "1,000", "the", "Five", "NOT", "isn't", "x", "Wi"]:
        w = normalize_word(raw)
        norm, stemmed, term, negates, opposite = reading(raw)
        assert (norm, stemmed, opposite) == (w, stem(w), opposites(stem(w)))
        assert (term is None) == (w in STOPWORDS)
        assert negates == has_negation(raw)
    claim = "Refunds don't take five days, not only cards."
    tokens = words(claim)
    assert [t for t, _, _ in content_terms(claim)] == [
        t for t, _, _ in content_terms(claim, tokens)
    ]
    assert "5" in {t for t, _, _ in content_terms(claim)}
    assert all_stems(claim) == {stem(normalize_word(w)) for w, _, _ in tokens}
    assert denies(tokens)  # "don't" denies even beside "not only"
    assert not denies(words("Not only cards but cash."))


def test_opposites_make_the_same_swaps_as_the_rules() -> None:
    within = {"agre", "reliabl", "high", "open"}
    assert swapped("disagre", within) and "agre" in opposites("disagre")
    assert swapped("unreliabl", within)
    assert not swapped("agre", within)  # present itself
    assert not swapped("imp", {"p"})  # the base left by a prefix must be 4 letters or more
    assert swapped("low", within)  # an antonym


def test_window_index_lists_each_terms_windows_in_order() -> None:
    source = Source.of(["Cards refund in 5 days. Cash refunds are instant.", "Cards are free."])
    for term, found in source.where.items():
        assert found == [i for i, w in enumerate(source.windows) if term in w.terms]
    assert set(source.where) == set().union(*(w.terms for w in source.windows))


def generic_aggregate(per_claim: list[list[float]], sentences: int) -> list[float]:
    claims = [f for f in per_claim if f[-1] > 0] or [list(NEUTRAL)]
    cols = list(zip(*claims, strict=True))
    return (
        [sum(c) / len(c) for c in cols[:EVIDENCE]]
        + [min(c) for c in cols[:EVIDENCE]]
        + [max(cols[i]) for i in CONTRADICTIONS]
        + [math.log1p(sentences), math.log(len(claims))]
    )


def test_one_claims_figures_and_score_are_the_generic_ones() -> None:
    source = Source.of(["Card refunds take 5 to 7 business days. PayPal takes 2 days."])
    for claim in ["Card refunds take 9 days.", "So there it is.", "PayPal takes 2 days."]:
        feats, _ = claim_features(claim, source)
        got = aggregate([feats], source)
        assert got == generic_aggregate([feats], source.sentences)
        z = WEIGHTS[0] + sum(w * f for w, f in zip(WEIGHTS[1:], got, strict=True))
        assert support(got) == 1.0 / (1.0 + math.exp(-z))
    odd = [-0.0, 0.5, 0.25, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    assert str(aggregate([odd], source)[0]) == str(generic_aggregate([odd], source.sentences)[0])


def test_claim_end_matches_the_alternation_it_replaces() -> None:
    rng = random.Random(7)
    alphabet = ["a", " ", ".", "!", "?", ";", "\n", "\n\n", "\t", "\r", "\u00a0", "\u2028", ". "]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        got = [m.span() for m in CLAIM_END.finditer(text)]
        assert got == [m.span() for m in ALTERNATION.finditer(text)], repr(text)


def test_possessive_word_pattern_matches_the_backtracking_one() -> None:
    rng = random.Random(8)
    alphabet = ["a", "Z", "9", ".", ",", "'", " ", "-", "\u00e9", "ab", "1,000", "U.S.", "..", ",'"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        got = [m.span() for m in WORD.finditer(text)]
        assert got == [m.span() for m in BACKTRACKING_WORD.finditer(text)], repr(text)


def test_claim_and_answer_scores_are_support_of_the_aggregate() -> None:
    source = Source.of(["Card refunds take 5 to 7 business days. PayPal takes 2 days."])
    claims = [
        "Card refunds take 9 days.",
        "So there it is.",
        "PayPal takes 2 days.",
        "Refunds don't take long on Monday.",
    ]
    per = [claim_features(c, source)[0] for c in claims]
    odd = [-0.0, 0.5, 0.25, -0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    for feats in [*per, odd, list(NEUTRAL)]:
        assert repr(claim_score(feats, source)) == repr(support(aggregate([feats], source)))
    for group in ([per[0], per[2]], per, [per[1]], [per[1], per[1]], [odd, per[3]], []):
        want = support(aggregate(group, source))
        assert repr(answer_score(group, source)) == repr(want)
