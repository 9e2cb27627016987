"""Candidate evidence for the gate read from the passages' structure: the title and headings
(an FAQ's own questions) and a document's passages together. Questions and passages written
for these tests (a garden centre), not taken from any evaluation set."""

from __future__ import annotations

import pytest

from stanchion.knowledge import answerability, evidence
from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.parse import Concept
from stanchion.knowledge.text import stem

WORDS = {"seed": 4, "compost": 2, "deliver": 5, "pallet": 1, "frost": 2, "plant": 7, "pot": 3}
VOCAB = Vocabulary(25, {stem(w): n for w, n in WORDS.items()})


def _concepts(question: str) -> list[Concept]:
    return parse(question, VOCAB, Glossary({})).judged()


def test_a_heading_that_asks_the_question_counts_where_the_body_does_not_repeat_it() -> None:
    faq = [("Garden centre", "## Do you deliver compost by the pallet?\nYes, on Tuesdays.")]
    assert evidence.heading(_concepts("do you deliver compost on a pallet"), faq) == 1.0
    plain = [("Garden centre", "We deliver compost by the pallet on Tuesdays.")]
    assert evidence.heading(_concepts("do you deliver compost on a pallet"), plain) == 0.0


def test_the_title_is_a_heading_too() -> None:
    assert evidence.heading(_concepts("frost"), [("Frost care", "Wrap pots in fleece.")]) == 1.0


def test_a_document_answers_across_its_passages_but_not_across_documents() -> None:
    q = _concepts("can you deliver seed pots")
    same = [("Delivery", "We deliver within 3 days."), ("Delivery", "Seed pots ship flat.")]
    apart = [("Delivery", "We deliver within 3 days."), ("Seeds", "Seed pots ship flat.")]
    assert evidence.document(q, same) == 1.0
    assert evidence.document(q, apart) < 1.0
    assert evidence.document(q, apart) == max(evidence.document(q, [p]) for p in apart)


def test_no_passage_holds_nothing_and_no_concept_asks_nothing() -> None:
    assert evidence.document(_concepts("frost"), []) == 0.0
    assert evidence.heading([], [("Frost care", "Wrap pots.")]) == 1.0


@pytest.mark.parametrize("explore", [False, True])
def test_the_candidates_cost_nothing_unless_the_fit_asks(
    monkeypatch: pytest.MonkeyPatch, explore: bool
) -> None:
    monkeypatch.setattr(answerability, "EXPLORE", explore)
    passages = [("Frost care", "## Frost\nWrap pots in fleece before the first frost.")]
    feats = assess(parse("how do I protect pots from frost", VOCAB, Glossary({})), VOCAB, passages)
    assert ("heading" in feats.features) is explore
    assert ("document" in feats.features) is explore
