"""Ordinary support answers are not toxic: the example app's documents, scanned as answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stanchion.guards import GuardEngine

DOCS = Path(__file__).resolve().parents[2] / "examples/support-assistant/docs"


def doc_units() -> list[str]:
    """Every document, paragraph (a heading with its lines), line and sentence."""
    units: list[str] = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        units.append(text)
        for para in re.split(r"\n\s*\n", text):
            units += [para, *para.splitlines()]
            units += [s for line in para.splitlines() for s in re.split(r"(?<=[.!?])\s+", line)]
    return list(dict.fromkeys(u.strip() for u in units if u.strip()))


def test_example_docs_are_found() -> None:
    units = doc_units()
    assert len(units) > 100
    assert "# Shipping" in units
    assert any(u.startswith("## Tracking\nA tracking link is emailed") for u in units)


@pytest.mark.parametrize("unit", doc_units(), ids=lambda u: u[:40])
def test_example_docs_are_not_blocked_as_answers(engine: GuardEngine, unit: str) -> None:
    outcome = engine.scan(unit, "output", None)
    assert outcome.action != "block", outcome.findings
    assert not [f for f in outcome.findings if f.type.startswith("toxicity.")]


@pytest.mark.parametrize(
    "text",
    [
        "you are a f u c k i n g idiot",
        "shut up you stuuupid b1tch",
        "what a dumb \u0430ss",
        "you're a worthless piece of shit",
    ],
)
def test_disguised_insults_still_blocked(engine: GuardEngine, text: str) -> None:
    outcome = engine.scan(text, "output", None)
    assert outcome.action == "block"
    assert outcome.findings[0].type.startswith("toxicity.")
