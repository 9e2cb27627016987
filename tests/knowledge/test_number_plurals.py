"""A number in the plural is the number: "getting 429s from the api" asks about "status 429",
"the 1990s" about "1990". One digit keeps its "s" ("5s" may be five seconds)."""

from __future__ import annotations

from stanchion.knowledge.text import index_terms, stem, terms


def test_a_plural_number_stems_as_the_number() -> None:
    assert [stem(w) for w in ("429s", "1990s", "500s")] == ["429", "1990", "500"]
    assert stem("5s") == "5s" and stem("4x4s") == "4x4s"


def test_a_plural_number_meets_the_number_the_documents_write() -> None:
    asked = set(terms("why am I getting 429s from the api"))
    written = set(index_terms("The API returns HTTP status 429 with a Retry-After header."))
    assert "429" in asked & written
