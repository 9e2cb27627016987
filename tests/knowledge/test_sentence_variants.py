"""The best-sentence coverage changed for each cause of a low gate score on answerable
questions (``evidence.variants``): candidates the fit measures, not the shipped model.
Questions and passages written for these tests (a bicycle repair shop), not taken from any
evaluation set."""

from __future__ import annotations

import pytest

from stanchion.knowledge import answerability, evidence
from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import stem

WORDS = {
    "tyre": 3, "puncture": 2, "repair": 6, "wheel": 5, "tube": 2, "service": 4, "brake": 3,
    "cable": 2, "hour": 9, "take": 8, "frame": 2, "weigh": 1, "weight": 1, "carbon": 1, "show": 3,
}  # fmt: skip
VOCAB = Vocabulary(30, {stem(w): n for w, n in WORDS.items()})


def _variants(question: str, passages: list[tuple[str, str]], before: str = "") -> dict[str, float]:
    query = parse(question, VOCAB, Glossary({}))
    if before:
        query = query.with_context(parse(before, VOCAB, Glossary({})))
    feats = answerability.features(query, passages)
    assert feats is not None
    return feats


@pytest.fixture(autouse=True)
def _explore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answerability, "EXPLORE", True)


def test_a_fact_split_over_two_adjacent_sentences_is_covered_by_the_pair() -> None:
    split = [("Repairs", "We fix a puncture while you wait. A new tube costs 8 EUR.")]
    f = _variants("puncture tube price", split)
    assert f["sentence"] < 1.0
    assert f["sentence_pair"] == 1.0


def test_sentences_of_different_passages_are_never_paired() -> None:
    apart = [("Repairs", "We fix a puncture while you wait."), ("Parts", "A tube costs 8 EUR.")]
    f = _variants("puncture tube price", apart)
    assert f["sentence_pair"] == f["sentence"] < 1.0


def test_an_earlier_turns_subject_counts_when_any_passage_holds_it() -> None:
    passages = [("Brakes", "A brake service includes new cables."), ("Hours", "Open 9 to 5.")]
    f = _variants("does it include the cable", passages, before="I need a brake service")
    assert f["sentence_lean"] >= f["sentence"]
    lone = [("Cables", "Cables are included.")]
    g = _variants("does it include the cable", lone, before="I need a brake service")
    assert g["sentence_lean"] == g["sentence"]  # the brake service is in no passage


def test_a_derivation_counts_in_part_in_sentence_near() -> None:
    passages = [("Frames", "A carbon frame has a weight of 900 g.")]
    f = _variants("how much does a carbon frame weigh", passages)
    assert f["sentence"] < f["sentence_near"] < 1.0


def test_a_light_verb_the_sentence_lacks_weighs_little_in_sentence_point() -> None:
    passages = [("Punctures", "We repair a puncture while you wait.")]
    f = _variants("can you show me a puncture repair", passages)
    assert f["sentence"] < f["sentence_point"]


@pytest.mark.parametrize("explore", [False, True])
def test_the_variants_cost_nothing_unless_the_fit_asks(
    monkeypatch: pytest.MonkeyPatch, explore: bool
) -> None:
    monkeypatch.setattr(answerability, "EXPLORE", explore)
    passages = [("Repairs", "We fix a puncture while you wait.")]
    judged = assess(parse("puncture repair", VOCAB, Glossary({})), VOCAB, passages)
    assert ("sentence_pair" in judged.features) is explore


def test_without_a_thesaurus_sentence_related_is_sentence() -> None:
    passages = [("Brakes", "We repair a brake cable in an hour.")]
    f = _variants("can you mend a brake cable", passages)
    assert f["sentence_related"] == f["sentence"]


def test_a_relative_in_the_thesaurus_counts_for_the_word_it_stands_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vocab = Vocabulary(30, {stem(w): n for w, n in {**WORDS, "mend": 1}.items()})
    passages = [("Brakes", "We repair a brake cable in an hour.")]
    query = parse("can you mend a brake cable", vocab, Glossary({}))
    monkeypatch.setattr(evidence, "RELATED", {"mend": frozenset({"repair"})})
    feats = answerability.features(query, passages)
    assert feats is not None
    assert feats["sentence"] < feats["sentence_related"] == 1.0
    monkeypatch.setattr(evidence, "RELATED_CREDIT", 0.5)
    half = answerability.features(query, passages)
    assert half is not None
    assert feats["sentence"] < half["sentence_related"] < 1.0
