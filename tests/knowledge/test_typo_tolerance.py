"""Typos mended against the corpus vocabulary as the likeliest slips are (issue 15): a
doubled letter written once, a typo of the question's frame word. Every example is invented
for these tests: an observatory's help pages."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.query.parse import Concept
from stanchion.knowledge.text import terms

# the modules, not the functions the package exports under their names
parse_module = importlib.import_module("stanchion.knowledge.query.parse")
vocabulary_module = importlib.import_module("stanchion.knowledge.query.vocabulary")

PAGES = [
    ("Telescope nights", "Members may book the big telescope for up to 3 nights a month."),
    ("Telescope nights", "How many nights you may book depends on your membership."),
    ("Star counts", "Volunteers count meteors on clear nights and count satellites too."),
    ("Star counts", "The meteor count is published each morning."),
    ("Star counts", "A count of variable stars is kept by the members."),
    ("Your account", "Your account shows the nights you have booked."),
    ("Observing log", "Every session is logged in the observing log for 2 years."),
    ("Observing log", "The log keeps your notes on each object you observed."),
    ("Dome access", "The dome opens at dusk and closes at 2 am."),
]


def _vocab() -> Vocabulary:
    df: Counter[str] = Counter()
    for title, text in PAGES:
        df.update(set(terms(f"{title} {text}")))
    return Vocabulary(len(PAGES), df, [t for t, _ in PAGES])


VOCAB = _vocab()
GLOSSARY = Glossary({}, False)  # the words as typed, no built-in groups


def _concept(text: str, typed: str) -> Concept:
    return next(c for c in parse(text, VOCAB, GLOSSARY).concepts if c.words == typed)


def test_a_doubled_letter_written_once_is_the_likelier_typo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "acount" is one edit from "count" (the a dropped) and from "account" (a c written
    once); the corpus writes "count" more often, but a doubled letter written once is the
    commoner slip."""
    assert VOCAB.df["count"] > VOCAB.df["account"]
    assert _concept("what nights does my acount show", "acount").alts == (("account",),)
    monkeypatch.setattr(vocabulary_module, "DOUBLED", False)
    assert _concept("what nights does my acount show", "acount").alts == (("count",),)


def test_a_short_typo_with_a_doubled_letter_written_once_is_its_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "loged" stems to "loge", too short to correct, and reads in English as "log" + "ed",
    so it is never mended as a rare word would be: it is "logged", the corpus's "log"."""
    found = _concept("how long is my session loged", "loged")
    assert found.known and found.how == "spelling" and found.alts == (("log",),)
    monkeypatch.setattr(parse_module, "REDOUBLE", False)
    assert not _concept("how long is my session loged", "loged").known


def test_an_english_word_is_not_redoubled_into_a_corpus_word() -> None:
    """A word of its own the corpus lacks ("hoping", one letter from the corpus's "hopping")
    is a near miss's unseen word, not a typo: it stays unknown."""
    vocab = Vocabulary(len(PAGES) + 1, {**VOCAB.df, "hop": 1})
    assert vocab.redouble("hoping") == "hop"  # what the rule would make of it
    query = parse("can i go hoping between the domes", vocab, GLOSSARY)
    assert not next(c for c in query.concepts if c.words == "hoping").known


def test_a_typo_of_the_frame_word_is_the_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """ "how meny nights" asks as "how many nights" does: "many" is how it is asked, not
    what, though the corpus mends the typo into its own "many"."""
    typed = _concept("how meny nights can i book the telescope", "meny")
    assert typed.how == "spelling" and typed.alts == (("many",),) and typed.frame
    clean = "how many nights can i book the telescope"
    passages = PAGES[:1]
    score = assess(parse(clean, VOCAB, GLOSSARY), VOCAB, passages).score
    typo = "how meny nights can i book the telescope"
    assert assess(parse(typo, VOCAB, GLOSSARY), VOCAB, passages).score == score
    monkeypatch.setattr(parse_module, "TYPED_FRAME", False)
    assert not _concept(typo, "meny").frame
    assert assess(parse(typo, VOCAB, GLOSSARY), VOCAB, passages).score < score


def test_a_unit_abbreviated_apart_from_its_number_is_the_unit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "a 2 yr membership" reads as "2yr" does: the corpus writes "years"."""
    found = _concept("is there a 2 yr membership for the log", "yr")
    assert found.known and found.alts == (("year",),)
    monkeypatch.setattr(parse_module, "UNIT_APART", False)
    assert not _concept("is there a 2 yr membership for the log", "yr").known
