"""Everyday English for what documents write in their own words: a customer KEEPS what a
document says is STORED or RETAINED. Documents and questions are written for these tests
(a photo lab), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

LAB = """# Prints and scans

## Ordering
Prints of your photos are posted within 2 working days. A print order needs at least 10 photos.
Photos of negatives take 5 working days to scan.

## Your files
Uploaded photos are stored for 60 days with a Darkroom Club membership.
Scans of your negatives are retained for one year after the order ships.
Without a membership, uploads are deleted once the order ships.
"""


def ask(question: str, **kwargs: object) -> str:
    return answer(question, [LAB], analyzer=Analyzer(), **kwargs).text  # type: ignore[arg-type]


def test_keeping_files_is_answered_by_the_sentence_that_stores_them() -> None:
    got = ask("how long do you keep my photos")
    assert got.startswith("Uploaded photos are stored for 60 days"), got


def test_keeping_is_answered_by_what_is_retained() -> None:
    got = ask("how long do you keep my scans")
    assert "Scans of your negatives are retained for one year" in got, got


def test_a_part_judged_unanswerable_is_answered_when_it_asks_what_is_stored() -> None:
    parts = ["how fast are prints posted", "do I need a membership to keep my photos?"]
    got = ask(" ".join(parts), parts=parts, decisions=["answer", "refuse"])
    assert "Darkroom Club membership" in got, got
    assert "I don't have information" not in got, got
