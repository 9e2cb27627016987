"""The cited spans of a passage: what the answer's text before its ``[n]`` draws on."""

from __future__ import annotations

from stanchion.ui.citations import segments

PASSAGE = "## Refunds\nRefunds take 5 to 7 business days. Gift cards never expire."


def test_the_sentence_the_answer_cites_is_marked_and_the_pieces_join_back() -> None:
    pieces = segments(PASSAGE, "Refunds arrive within 5 to 7 business days. [1]", 1)
    assert "".join(p for p, _ in pieces) == PASSAGE
    assert [p.strip() for p, marked in pieces if marked] == ["Refunds take 5 to 7 business days."]


def test_only_text_citing_this_passage_counts() -> None:
    answer = "Gift cards never expire [2]. Refunds take 5 to 7 business days [1][3]."
    assert [p for p, m in segments(PASSAGE, answer, 2) if m] == [" Gift cards never expire."]
    assert [p for p, m in segments(PASSAGE, answer, 3) if m] == [
        "Refunds take 5 to 7 business days."
    ]
    assert not any(m for _, m in segments(PASSAGE, "Gift cards never expire.", 1))
