"""A passage's record is made once and shared; copies made with ``replace`` get their own."""

from __future__ import annotations

from dataclasses import replace

from stanchion.knowledge.base import Passage


def _passage(score: float = 0.123456) -> Passage:
    return Passage("returns", 3, "Returns", "Window", 10, 80, "Send it back in 30 days.", score)


def test_record_is_made_once_and_shared() -> None:
    p = _passage()
    first = p.to_record()
    assert first == {
        "doc_id": "returns",
        "version": 3,
        "title": "Returns",
        "section": "Window",
        "start": 10,
        "end": 80,
        "score": 0.1235,
        "source": "",
    }
    assert p.to_record() is first


def test_cached_record_does_not_change_equality_or_hash() -> None:
    a, b = _passage(), _passage()
    a.to_record()
    assert a == b and hash(a) == hash(b)
    assert "_record" not in repr(a)


def test_replace_makes_a_fresh_record() -> None:
    p = _passage()
    p.to_record()
    moved = replace(p, score=0.9, text="redacted")
    assert moved.to_record()["score"] == 0.9
    assert p.to_record()["score"] == 0.1235
