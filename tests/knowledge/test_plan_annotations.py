"""A plan's annotations are made once per threshold and served again with the plan."""

from __future__ import annotations

from stanchion.knowledge.answerability import Assessment
from stanchion.knowledge.plan import PartPlan, Plan
from stanchion.knowledge.query import Glossary, Vocabulary, parse

VOCAB = Vocabulary(4, {"kettle": 2, "warranty": 1}, ["Kettle"])


def _plan(*questions: str) -> Plan:
    parts = [
        PartPlan(
            q,
            q,
            parse(q, VOCAB, Glossary({})),
            [],
            Assessment(0.25 * (i + 1), {"coverage": 0.333333}),
            "answer",
        )
        for i, q in enumerate(questions)
    ]
    return Plan(parts, "answer", [])


def test_annotations_are_shared_for_one_threshold() -> None:
    plan = _plan("is the kettle under warranty?")
    first = plan.annotations(0.4)
    assert first == {
        "query": "is the kettle under warranty?",
        "parts": ["is the kettle under warranty?"],
        "answerability": {
            "question": "is the kettle under warranty?",
            "score": 0.25,
            "decision": "answer",
            "features": {"coverage": 0.3333},
            "threshold": 0.4,
        },
    }
    assert plan.annotations(0.4) is first


def test_another_threshold_gets_its_own_annotations() -> None:
    plan = _plan("does the kettle boil fast?", "is it under warranty?")
    with_threshold = plan.annotations(0.4)
    without = plan.annotations()
    assert "threshold" not in without["answerability"]
    assert with_threshold["answerability"]["threshold"] == 0.4
    assert without["answerability"]["score"] == 0.5
    assert [p["score"] for p in without["part_answerability"]] == [0.25, 0.5]
    assert plan.annotations(0.4)["answerability"]["threshold"] == 0.4
