"""A number in the plural is the number: "getting 429s from the api" asks about "status 429",
"the 1990s" about "1990". One digit keeps its "s" ("5s" may be five seconds). And a span
written in a smaller unit is the larger unit it makes ("in any 24 hours": a day)."""

from __future__ import annotations

from stanchion.knowledge.text import index_terms, stem, terms


def test_a_plural_number_stems_as_the_number() -> None:
    assert [stem(w) for w in ("429s", "1990s", "500s")] == ["429", "1990", "500"]
    assert stem("5s") == "5s" and stem("4x4s") == "4x4s"


def test_a_plural_number_meets_the_number_the_documents_write() -> None:
    asked = set(terms("why am I getting 429s from the api"))
    written = set(index_terms("The API returns HTTP status 429 with a Retry-After header."))
    assert "429" in asked & written


def test_a_span_in_a_smaller_unit_is_the_larger_unit_it_makes() -> None:
    from stanchion.knowledge.text import implied

    assert "day" in implied("You can top up no more than £250 in any 24 hours.")
    assert "week" in implied("Returns are accepted within 7 days of delivery.")
    assert "year" in implied("A 12 months contract, or 365 days of cover.")
    assert "day" not in implied("The battery lasts 124 hours or 1.24 hours in eco mode.")
