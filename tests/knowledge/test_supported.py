"""What a compatibility question names and a count no sentence gives
(``knowledge.supported``), read by ``named_kinds`` for ``answerability.assess``.

The garden-irrigation company and its questions are written for these tests, not taken
from any evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.named_kinds import named_kinds
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.supported import uncounted, unsupported
from stanchion.knowledge.text import index_terms

GARDEN = [
    ("The Raindial controller", "The Raindial controller runs most 24 V sprinkler valves."),
    ("Zones", "One controller waters up to 8 zones. Each zone can have its own schedule."),
    ("Sensors", "A rain sensor pauses watering after rain. Sensors are sold separately."),
    ("Hoses", "Hoses wear out in the sun. Store hoses in the shade over winter."),
    ("Wi-Fi", "The controller needs Wi-Fi 2.4 GHz and works with the Raindial app."),
]
DF = Counter(t for title, text in GARDEN for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(len(GARDEN), dict(DF))
PRESENT = frozenset(t for title, text in GARDEN for t in index_terms(f"{title} {text}"))


def _score(text: str) -> float:
    return assess(parse(text, VOCAB, Glossary({})), VOCAB, GARDEN).score


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("will the controller work with a drip irrigation kit", ["drip", "irrigation", "kit"]),
        ("is it compatible with my well pump", ["pump"]),  # "well" is everyday wording
        ("does it integrate with a Homestead alarm panel", ["homestead", "alarm", "panel"]),
        ("does the controller work with my valves", []),  # the passages name valves
        ("will it work with the raindial app", []),
        ("does it work with 5ghz wifi", []),  # a value: the passages answer with 2.4 GHz
        ("does it work with my phone", []),  # an everyday thing: left to the evidence
        ("can it water 10 zones with one controller", []),  # no compatibility asked
    ],
)
def test_what_a_compatibility_question_names_must_be_named(question: str, named: list[str]) -> None:
    assert unsupported(question, PRESENT) == named


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("how many hoses are there in a pack", "how many hoses"),  # hoses, never a number
        ("how many zones can one controller water", None),  # "up to 8 zones"
        ("how many sensors does it need", "how many sensors"),  # "sold separately": no count
        ("how many gnomes are included", None),  # no sentence names gnomes: a paraphrase?
        ("how much is the controller", None),  # no count asked
        ("how hany hoses are there in a pack", "how many hoses"),  # "many" mistyped
        ("how mant sensors does it need", "how many sensors"),
        ("how hany zones can one controller water", None),  # mistyped, and counted
        ("how mary sensors does it need", None),  # a word of its own, not a slip of "many"
        ("how much sensors does it need", None),  # two letters off: no count asked
    ],
)
def test_a_count_no_sentence_gives_vetoes(question: str, counted: str | None) -> None:
    assert uncounted(question, GARDEN) == ([counted] if counted else [])


def test_a_heading_or_title_naming_the_thing_counts_no_sentence() -> None:
    passages = [("Hoses", "# Hoses\n\nOur hoses are 15 m long.")]
    assert uncounted("how many hoses come in a box", passages) == []
    assert uncounted("how many hoses come in a box", [("Hoses", "# Hoses\n\nHoses roll up.")])
    assert uncounted("how many hoses come in a box", [("Hoses", "# Hoses\n\nRoll them up.")]) == []


def test_the_gate_declines_both_and_answers_their_neighbours() -> None:
    assert _score("will the controller work with a drip irrigation kit") == 0.0
    assert _score("how many hoses are there in a pack") == 0.0
    assert _score("does the controller work with 24 v sprinkler valves") > 0.0
    assert _score("how many zones can one controller water") > 0.0


def test_a_told_situation_names_the_customers_own_things() -> None:
    told = "The controller stopped working with my pool pump again."
    assert named_kinds(told, GARDEN, PRESENT) == ["pool", "pump"]
    assert named_kinds(told, GARDEN, PRESENT, told=True) == []


@pytest.mark.parametrize("filler", [" ", " work with", " how many", " hoses", "-"])
def test_supported_is_read_in_linear_time(filler: str) -> None:
    def run(size: int) -> object:
        text = "how many hoses" + filler * size + " will it work with a pump"
        return unsupported(text, PRESENT), uncounted(text, GARDEN)

    grows_linearly(run, 20_000)
