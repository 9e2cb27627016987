"""A situation told, not asked: "My umbrella broke on the first day." implies "what can I do?".

Its unseen words are the customer's things (the umbrella's "handle", the "porch"), not a
point the documents must hold: they do not veto the answer. A question with the same
unseen word still does, and so does a phrase of keywords. The texts are written for these
tests (a shop of rain gear), not taken from any evaluation set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.query import (
    Ask,
    Glossary,
    Vocabulary,
    is_told,
    parse,
    split_asks,
    story_facts,
)
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DF = {"umbrella": 3, "broke": 2, "broken": 2, "day": 5, "replac": 2, "free": 2, "return": 3}
VOCAB = Vocabulary(20, DF)
PASSAGES = [
    ("Broken umbrellas", "An umbrella that broke within 30 days is replaced free of charge."),
    ("Returns", "Return an unused umbrella within 14 days."),
]


@pytest.mark.parametrize(
    "text",
    [
        "My umbrella broke on the first day.",
        "we got the umbrella last week and the handle snapped off",
        "I left my umbrella on the bus. The receipt is in my bag.",
        "the umbrella I bought is missing a spoke",
    ],
)
def test_a_situation_the_customer_tells_is_told(text: str) -> None:
    assert is_told(text)


@pytest.mark.parametrize(
    "text",
    [
        "my umbrella broke, can I get a new one",  # an auxiliary before its subject
        "I bought an umbrella, will you replace it",
        "my umbrella broke?",  # a question mark
        "I want a new umbrella",  # a request
        "how long do umbrellas last",  # a question word
        "umbrella replacement policy",  # keywords: nobody tells anything
        "the umbrella broke",  # nobody tells it: read as the keywords of a question
        "my sister wants to know whether umbrellas fold",  # asked on someone's behalf
        "my dad would like to know if the umbrella is covered",
    ],
)
def test_a_question_or_keywords_are_not_told(text: str) -> None:
    assert not is_told(text)


def test_an_unseen_word_of_a_told_situation_does_not_veto_the_answer() -> None:
    told = parse("My umbrella canopy broke on the first day.", VOCAB, Glossary({}))
    assert "canopy" not in VOCAB and not told.concepts[1].known
    assert assess(told, VOCAB, PASSAGES).missing == ["canopy"]  # read as a question: vetoed
    told_assessment = assess(told, VOCAB, PASSAGES, told=True)
    assert told_assessment.missing == [] and told_assessment.score > 0


def test_a_told_situation_still_needs_its_named_places() -> None:
    text = "We ordered an umbrella to Australia and it broke."
    assessment = assess(parse(text, VOCAB, Glossary({})), VOCAB, PASSAGES, told=True)
    assert assessment.score == 0.0 and assessment.missing == ["australia"]


@pytest.mark.parametrize(
    ("unit", "count"),
    [
        ("i ", 50_000),
        ("do you ", 15_000),
        ("my", 50_000),
        ("?", 100_000),
        (", ", 50_000),
        (" and", 25_000),
        (" ", 8_000),  # a run of white space: the clause pattern tried from each of its characters
        ("\t\n ", 4_000),
    ],
)
def test_telling_is_read_in_linear_time(unit: str, count: int) -> None:
    def run(n: int) -> None:
        is_told(f"my umbrella {unit * n} broke")
        story_facts(f"my umbrella {unit * n} broke")

    grows_linearly(run, count)


RAIN_DOCS = {
    "late.md": "# Late parcels\n\n## Buying meanwhile\nIf your parcel is late and you buy "
    "rain gear meanwhile, we pay back up to 20 EUR with the receipt.\n\n## Tracking\nTrack "
    "a parcel from the Orders page.\n",
    "care.md": "# Umbrella care\n\n## Drying\nOpen a wet umbrella to dry at room "
    "temperature.\n\n## Storage\nStore umbrellas closed, away from heaters.\n",
    "boots.md": "# Rain boots\n\nRain boots come in sizes 36 to 46 and cost 60 EUR.\n",
}


async def test_a_story_is_answered_by_the_fact_the_documents_cover(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """Told as several facts, the story is covered by one ("bought rain gear meanwhile"),
    though no sentence of the documents holds its other facts (the Orders page) as well."""
    for name, body in RAIN_DOCS.items():
        (app_dir / "docs" / name).write_text(body)
    spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": {"backend": "local", "k": 3}}
    )
    ingest(spec, app_dir, store, cipher, app="rain", approve_as="owner")
    kn = build_knowledge(spec, app_dir, store, cipher, app="rain")
    await kn.start()
    story = (
        "I tracked my parcel on the Orders page and it came four days late, so I bought "
        "rain gear meanwhile. I kept the receipt."
    )
    whole = kn.retriever.assess(
        kn.retriever.parse(story), kn.retriever.ranked(kn.retriever.parse(story), 3), told=True
    )
    plan = kn.planner.plan_sync([story], split_asks(story), 3, [])
    assert plan.decision == "answer" and plan.score > whole.score, plan.annotations()
    assert "20 EUR" in plan.passages[0].text
    # a story the documents do not cover is not answered by a word of it
    other = "My neighbour's dog chewed my rain boots while I was away on holiday."
    assert kn.planner.plan_sync([other], split_asks(other), 3, []).decision == "refuse"
    kn.close()


def test_a_story_is_read_as_its_facts() -> None:
    assert story_facts("My parcel came late and I bought a coat. I kept the receipt") == [
        "My parcel came late",
        "I bought a coat.",
        "I kept the receipt",
    ]
    assert story_facts("the coat, the boots; the hat but not the scarf") == [
        "the coat",
        "the boots",
        "the hat",
        "not the scarf",
    ]


@pytest.mark.parametrize(
    ("text", "ask", "story"),
    [
        (
            "the zip on my raincoat broke after a week, am i covered",
            "am i covered",
            "the zip on my raincoat broke after a week",
        ),
        (
            "our courier never rings the bell, can you leave parcels at the back door",
            "can you leave parcels at the back door",
            "our courier never rings the bell",
        ),
        (
            "my poncho arrived torn so what should i do",
            "what should i do",
            "my poncho arrived torn",
        ),
        (
            "the boots pinch at the toes, so can I swap them",
            "can I swap them",
            "the boots pinch at the toes",
        ),
    ],
)
def test_a_story_then_its_question_in_one_sentence_are_told_and_asked(
    text: str, ask: str, story: str
) -> None:
    """A situation told, a comma, then an auxiliary and its subject: the ask opens there,
    and the story is its context (its words say what happened, not what is asked)."""
    assert split_asks(text) == [Ask(ask, story)]


@pytest.mark.parametrize(
    "text",
    [
        "can I return the boots, do I pay the postage",  # a question before the comma
        "boot sizes, are they european",  # keywords before the comma, no story
        "which umbrella is lightest, is it the mini",  # asks before the comma
        "I bought boots and I think they are too small",  # no question after a comma
        "if the boots pinch after a week, can I still swap them",  # a condition, not a story
    ],
)
def test_a_question_or_keywords_before_the_comma_stay_one_ask(text: str) -> None:
    assert split_asks(text) == [Ask(text)]


def test_the_story_of_a_question_counts_as_its_context() -> None:
    """Told then asked, the story's words weigh half (context) and are not the ask's own."""
    part = split_asks("the handle of my umbrella came off, will you replace it")[0]
    own, story = parse(part.ask, VOCAB, Glossary({})), parse(part.context, VOCAB, Glossary({}))
    asked = own.with_context(story)
    assert [c.words for c in asked.content()] == ["replace"]
    assert [(c.words, c.weight) for c in asked.concepts if c.how == "context"] == [
        ("umbrella", story.concepts[1].weight / 2)
    ]
