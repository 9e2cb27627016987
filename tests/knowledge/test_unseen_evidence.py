"""The ``sentence_unseen`` evidence: what a question's words could name, and the words the
corpus never saw counted against the answer. Questions written for these tests (a bicycle
shop), not taken from any evaluation set."""

from __future__ import annotations

import math

import pytest

from stanchion.knowledge import answerability
from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.point import near, point, telling
from stanchion.knowledge.text import stem

WORDS = {"bike": 6, "tyre": 3, "puncture": 2, "repair": 4, "day": 8, "service": 3, "brake": 2}
VOCAB = Vocabulary(30, {stem(w): n for w, n in WORDS.items()})
PASSAGES = [
    ("Repairs", "We repair a puncture on any bike tyre within one day."),
    ("Servicing", "A full service checks the brakes and gears."),
]


@pytest.fixture(autouse=True)
def _explore(monkeypatch: pytest.MonkeyPatch) -> None:
    """The candidate is computed only for the fit (EXPLORE) or a model that uses it."""
    monkeypatch.setattr(answerability, "EXPLORE", True)


def test_the_candidate_costs_nothing_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answerability, "EXPLORE", False)
    feats = assess(parse("can you repair a bike tyre", VOCAB, Glossary({})), VOCAB, PASSAGES)
    assert "sentence_unseen" not in feats.features and "sentence" in feats.features


def _unseen(question: str) -> float:
    return assess(parse(question, VOCAB, Glossary({})), VOCAB, PASSAGES).features["sentence_unseen"]


@pytest.mark.parametrize("word", ["take", "run", "showing", "looked", "gets"])
def test_a_light_verb_names_no_point(word: str) -> None:
    assert point(word) == pytest.approx(0.25)


@pytest.mark.parametrize("word", ["time", "same", "first", "completely", "usually"])
def test_the_commonest_words_and_adverbs_weigh_little(word: str) -> None:
    assert point(word) <= 0.3


@pytest.mark.parametrize("word", ["puncture", "tyre", "warranty", "invoice", "derailleur"])
def test_a_specific_word_weighs_fully(word: str) -> None:
    assert point(word) == 1.0


def test_a_derivation_of_a_word_is_near_it_and_a_neighbour_is_not() -> None:
    assert near("inflat", frozenset({"inflation"})) and near("service", frozenset({"servic"}))
    assert not near("tire", frozenset({"tired"}))  # too short a root to tell
    assert not near("brake", frozenset({"break"}))


@pytest.mark.parametrize("word", ["tried", "pumped", "riding", "dropped"])
def test_a_verb_of_the_story_is_telling(word: str) -> None:
    assert telling(word)


@pytest.mark.parametrize("word", ["carbon", "speed", "bed", "ring", "bring", "need"])
def test_a_word_that_is_no_verb_form_is_not_telling(word: str) -> None:
    assert not telling(word)


def test_an_unseen_point_counts_against_the_answer_an_unseen_story_word_does_not() -> None:
    """ "tubeless" (a thing the shop may not do) lowers the evidence; "yesterday's ride" and
    "tried" (the customer's story) do not; everyday wording weighs little."""
    plain = _unseen("can you repair a bike tyre puncture")
    assert plain == pytest.approx(1.0)
    assert _unseen("can you repair a tubeless bike tyre puncture") < plain - 0.1
    assert _unseen("i tried but can you repair my bike tyre puncture") == pytest.approx(plain)
    assert _unseen("can you repair my 2 bike tyre punctures") == pytest.approx(plain)


def test_a_missing_everyday_word_costs_less_than_a_missing_specific_one() -> None:
    """Both words are corpus words the best sentence lacks: "day"... is there; "brake" is
    not in the repair sentence. An everyday light verb missing costs less than it."""
    light = _unseen("how long does a bike tyre puncture repair take")
    specific = _unseen("how long does a bike tyre puncture repair with brake take")
    assert light > specific


def test_the_dense_intercept_follows_the_threshold() -> None:
    """The similarity model's decisions stay where they were fitted: its intercept moves with
    THRESHOLD by the difference of the two logits."""
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    shift = logit(answerability.THRESHOLD) - logit(answerability.DENSE_AT)
    assert answerability.DENSE_WEIGHTS[0] == pytest.approx(answerability.DENSE_FITTED[0] + shift)
    assert answerability.DENSE_WEIGHTS[1:] == answerability.DENSE_FITTED[1:]
