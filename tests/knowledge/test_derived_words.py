"""Derived words meet the word they are made from (issue 15): a customer asks "what's
covered" of a page on "coverage", "can I cancel" of one on "cancellations". Every word here
was chosen for these tests; the guards come from each rule's collisions over the English table."""

from __future__ import annotations

from stanchion.knowledge.text import stem, terms


def test_an_ation_noun_meets_its_verb() -> None:
    assert stem("confirmation") == stem("confirmed") == stem("confirm")
    assert stem("cancellations") == stem("cancelled") == stem("cancel")
    assert stem("reservation") == stem("reserved") == stem("reserve")
    assert stem("installation") == stem("installing")
    assert set(terms("Reservations can be changed")) >= {stem("reserve")}


def test_an_ation_noun_with_no_verb_of_its_own_stays_apart() -> None:
    """ "station", "location", "duration" and "relation" have no verb of their letters, and
    "foundation" is no "found" (nor "find")."""
    assert stem("station") != stem("st") and stem("duration") != stem("dure")
    assert stem("foundation") not in {stem("found"), stem("find"), stem("founded")}
    assert stem("decoration") != stem("decor") and stem("publication") != stem("public")


def test_an_age_noun_meets_a_long_verb() -> None:
    assert stem("coverage") == stem("covered") == stem("cover")
    assert stem("brokerage") == stem("broker") and stem("anchorage") == stem("anchored")


def test_an_age_noun_of_another_meaning_stays_apart() -> None:
    """ "package" is no "pack", "hostage" no "host", "message" no "mess", "garage" no "gar"."""
    for noun, other in (("package", "pack"), ("hostage", "host"), ("message", "mess")):
        assert stem(noun) != stem(other)
    assert stem("garage") != stem("gar") and stem("page") != stem("pa")


def test_a_plural_after_a_vowel_meets_its_singular() -> None:
    assert stem("menus") == stem("menu") and stem("gurus") == stem("guru")
    assert stem("kiwis") == stem("kiwi") and stem("APIs".lower()) == stem("api")
    assert stem("skis") == stem("ski") and stem("bureaus") == stem("bureau")


def test_a_word_ending_us_or_is_is_no_plural() -> None:
    for word in ("bonus", "status", "thus", "campus", "axis", "iris", "basis", "paris"):
        assert stem(word) == word


def test_a_long_ere_verb_meets_its_inflections() -> None:
    """ "interfere" as "interfered" and "interferes"; "sincere" is no "since"."""
    assert stem("interfere") == stem("interfered") == stem("interferes") == stem("interfering")
    assert stem("atmosphere") == stem("atmospheres")
    assert stem("sincere") != stem("since") and stem("severe") == stem("severed")
