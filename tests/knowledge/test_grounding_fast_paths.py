"""The grounding check's fast paths give what the plain computations they replace give: the
claim split without a look-behind, the per-word readings, the term->windows index, a single
claim's answer figures and the model's score."""

import math
import random
import re

from stanchion.knowledge.grounding import split_claims
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
    claim_features,
    support,
)
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem, words

LOOK_BEHIND = re.compile(r"(?<=[.!?;])\s+|\n+")


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
