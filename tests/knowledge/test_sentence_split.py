"""One sentence splitter for the knowledge side and the ``local`` responder: a numbered
step keeps its marker, and a bold line without a full stop (a FAQ's question) is a heading.

Pages written for these tests (a community swimming pool)."""

from __future__ import annotations

from stanchion.knowledge.answerability import passage_bags
from stanchion.knowledge.chunking import chunk_text
from stanchion.knowledge.sources import SENTENCE_END
from stanchion.knowledge.supported import _sentences
from stanchion.knowledge.tables import readable_sentences
from stanchion.knowledge.text import terms
from stanchion.providers.local.sentences import split_sentences

FAQ = """# Pool passes

**Can my toddler swim for free?**
Children under four swim free with a paying adult.

**No refunds on concession passes.**

**Lane hours:**
Lanes open at 06:00 on weekdays and
close at 21:00."""

STEPS = """## Booking a lane

To book a lane online:

1. Sign in with your membership number.
2. Pick the lane and the half hour you want.
a) Members may book two slots a day.
- Guests book at reception."""


def test_numbered_step_keeps_its_marker_and_list_items_stand_alone() -> None:
    out = readable_sentences(STEPS)
    assert "1. Sign in with your membership number." in out
    assert "2. Pick the lane and the half hour you want." in out
    assert "1." not in out and "2." not in out  # the marker was cut off as a sentence
    assert "a) Members may book two slots a day." in out
    assert "- Guests book at reception." in out


def test_bold_question_is_a_heading_and_wrapped_lines_join() -> None:
    out = readable_sentences(FAQ)
    assert "## Can my toddler swim for free?" in out
    assert "## Lane hours:" in out
    # a bold line ending in a full stop is a statement, not a heading
    assert "**No refunds on concession passes.**" in out
    assert "Lanes open at 06:00 on weekdays and close at 21:00." in out


def test_responder_and_knowledge_share_the_splitter() -> None:
    assert split_sentences(FAQ) == readable_sentences(FAQ)
    assert split_sentences(STEPS) == readable_sentences(STEPS)


def test_gate_reads_a_faq_question_as_the_context_of_its_answer() -> None:
    _, bags = passage_bags("Pool passes", FAQ)
    # three sentences: the answer, the bold statement, the hours (the questions are headings)
    assert len(bags) == 3
    answer = next(b for b in bags if "four" in b)
    assert set(terms("toddler free")) <= answer  # the question's words are its context
    hours = next(b for b in bags if "close" in b)
    assert set(terms("lane hours open weekdays")) <= hours  # one sentence, not two halves
    assert not set(terms("toddler")) & hours  # a new heading replaces the question


def test_gate_keeps_step_one_whole() -> None:
    _, bags = passage_bags("Lanes", STEPS)
    first = set(terms("Sign in with your membership number"))
    assert any(first <= b for b in bags)
    assert not any(b <= set(terms("Lanes Booking a lane")) | {"1"} for b in bags)


def test_supported_sentences_skip_a_bold_heading() -> None:
    read = [t for t, _ in _sentences(FAQ)]
    (toddler,) = terms("toddler")
    assert not any(toddler in t for t in read)  # the question is a heading, no sentence
    assert any(set(terms("children four adult")) <= t for t in read)


def test_chunk_never_ends_on_a_bare_step_marker() -> None:
    text = STEPS + "\n3. Arrive five minutes early and shower first.\n"
    for size in range(8, 30):
        for c in chunk_text(text, size, 2):
            tail = c.text.rstrip().rsplit("\n", 1)[-1]
            assert not tail[:-1].isdigit() or not tail.endswith("."), (size, c.text)


def test_grounding_sources_keep_the_marker_with_its_step() -> None:
    parts = [p for p in SENTENCE_END.split(STEPS) if p.strip()]
    assert "1. Sign in with your membership number." in parts
    assert "1." not in parts
    # a number ending a sentence still ends it
    assert SENTENCE_END.split("The fee is $2. Pay at the desk.") == [
        "The fee is $2.",
        "Pay at the desk.",
    ]
