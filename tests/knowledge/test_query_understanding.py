"""Query understanding against a real index (SQLite/local and PostgreSQL backends): typos,
compounds, glossary synonyms, several questions in one message, follow-ups, the cut-off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from tests.linear import grows_linearly

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.query import Glossary, Vocabulary, parse, salient_words, split_parts
from stanchion.knowledge.query.glossary import with_builtin
from stanchion.knowledge.query.turns import unabbreviate
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.text import stem, terms
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DOCS = {
    "router.md": "# Mesh Router\n\n## Network\nThe Mesh Router creates a Wi-Fi network on the "
    "2.4 and 5 GHz bands. It needs an Ethernet cable to the modem.\n\n## Security\nTurn on "
    "two-factor authentication in the Account page. Codes come by e-mail or from an "
    "authenticator app.\n",
    "returns.md": "# Returns\n\n## Window\nUnused items can be returned within 45 days of "
    "delivery for a refund.\n\n## Damaged parcels\nReport a damaged parcel within 48 hours "
    "with a photo.\n",
    "speaker.md": "# Orbit Speaker\n\n## Battery\nThe Orbit Speaker plays for 20 hours on one "
    "charge.\n\n## Price\nThe Orbit Speaker costs 59 EUR.\n",
    "lamp.md": "# Orbit Lamp\n\n## Light\nThe Orbit Lamp dims from 1 to 100 percent.\n\n"
    "## Price\nThe Orbit Lamp costs 35 EUR.\n",
}


async def knowledge_over(store: Store, cipher: Cipher, app_dir: Path, **extra: Any) -> Knowledge:
    for name, body in DOCS.items():
        (app_dir / "docs" / name).write_text(body)
    retrieval = {"backend": "local" if store.is_sqlite else "postgres", "k": 3}
    retrieval.update(extra.pop("retrieval", {}))
    spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": retrieval, **extra}
    )
    ingest(spec, app_dir, store, cipher, app="shop", approve_as="owner")
    knowledge = build_knowledge(spec, app_dir, store, cipher, app="shop")
    await knowledge.start()
    return knowledge


def sections(passages: list[Any]) -> list[str]:
    return [p.section.split("\n")[-1].lstrip("# ") or p.title for p in passages]


async def test_misspelt_words_find_their_passage(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    hits = await kn.retriever.search("how meny hours does the orbit speeker battry last", 3)
    assert hits and hits[0].doc_id == "docs/speaker.md" and "20 hours" in hits[0].text
    kinds = {c.words: c.how for c in kn.retriever.parse("speeker battry").concepts}
    assert kinds == {"speeker": "spelling", "battry": "spelling"}
    kn.close()


@pytest.mark.parametrize("written", ["wifi", "wi fi", "Wi-Fi", "WIFI"])
async def test_compounds_match_however_they_are_written(
    store: Store, cipher: Cipher, app_dir: Path, written: str
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    hits = await kn.retriever.search(f"which {written} bands does the router use?", 3)
    assert hits and "GHz bands" in hits[0].text
    kn.close()


async def test_email_and_two_factor_abbreviations(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    for question in ("do 2fa codes come by email?", "can I get two factor codes by e mail"):
        hits = await kn.retriever.search(question, 3)
        assert hits and "two-factor authentication" in hits[0].text, question
    kn.close()


async def test_glossary_synonym_from_the_spec(store: Store, cipher: Cipher, app_dir: Path) -> None:
    kn = await knowledge_over(store, cipher, app_dir, glossary={"refund": ["money back"]})
    hits = await kn.retriever.search("unused stuff, can i get my money back?", 3)
    assert hits and "returned within 45 days" in hits[0].text
    concept = kn.retriever.parse("money back").concepts[0]
    assert concept.how == "glossary" and ("refund",) in concept.alts
    kn.close()


async def test_two_questions_in_one_message_retrieve_both(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    message = "How long does the orbit speaker battery last? and what does the orbit lamp cost"
    plan = await kn.plan([message], 3)
    assert len(plan.parts) == 2 and plan.decision == "answer"
    texts = " ".join(p.text for p in plan.passages)
    assert "20 hours" in texts and "35 EUR" in texts
    assert plan.annotations()["parts"] == [p.question for p in plan.parts]
    kn.close()


async def test_a_follow_up_carries_the_earlier_turns_product(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    plan = await kn.plan(["does the orbit lamp dim?", "ok and what does it cost"], 3)
    assert plan.decision == "answer"
    assert "35 EUR" in plan.passages[0].text
    assert "lamp" in plan.question.lower()
    kn.close()


async def test_the_best_hit_stays_below_the_floor(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir, retrieval={"min_score": 0.95})
    question = "how many hours does the orbit speaker play in the garden shed"
    hits = kn.retriever.search_sync(question, 3)
    assert hits and "20 hours" in hits[0].text and hits[0].score < 0.95
    assert kn.retriever.search_sync(question, 3, min_score=0.95) == []
    kn.close()


async def test_vocabulary_follows_the_index_generation(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    assert kn.retriever.vocabulary.correct("thermostta") is None
    (app_dir / "docs" / "thermostat.md").write_text(
        "# Thermostat\n\n## Schedule\nThe thermostat learns a schedule in a week.\n"
    )
    ingest(kn.spec, app_dir, store, cipher, app="shop", approve_as="owner")
    await kn.retriever.refresh(force=True)
    assert kn.retriever.vocabulary.correct("thermostta") == "thermostat"
    kn.close()


def test_spelling_leaves_short_words_numbers_and_known_terms_alone() -> None:
    vocab = Vocabulary(50, {"look": 3, "delivery": 4, "2.4": 1, "ghz": 1, "return": 6})
    assert vocab.correct("lock") is None
    assert vocab.correct("2.5") is None
    assert vocab.correct("return") is None
    assert vocab.correct("delivrey") == "delivery"


def test_parts_courtesies_and_statements() -> None:
    assert split_parts("Hi team, how long is the battery life? Thanks so much, Ana") == [
        "how long is the battery life?"
    ]
    assert split_parts("I bought a lamp last week. Can I return it?") == [
        "I bought a lamp last week. Can I return it?"
    ]
    assert len(split_parts("what does the lamp cost, and does the speaker come in red?")) == 2
    assert split_parts("are cables and adapters included?") == ["are cables and adapters included?"]
    for closing in (
        "Thanks a million, Jo",
        "Thank you very much for your help, Sam",
        "thanks again",
    ):
        assert split_parts(f"Is the lamp dimmable? And if not, how bright is it? {closing}") == [
            "Is the lamp dimmable?",
            "And if not how bright is it?",  # its context, then the ask
        ]


def test_announcements_counters_and_apologies_are_not_the_questions() -> None:
    message = (
        "Hi, two things. First, how long does the speaker battery last? Second, what does "
        "the lamp cost? Sorry for the many questions! Best, Ana"
    )
    assert split_parts(message) == [
        "how long does the speaker battery last?",
        "what does the lamp cost?",
    ]
    assert split_parts("A few questions before I order: is the lamp dimmable?") == [
        "is the lamp dimmable?"
    ]
    assert split_parts("next day delivery for the lamp?") == ["next day delivery for the lamp?"]
    told = "Some questions are answered in the manual. Where is it?"
    assert split_parts(told) == [told]  # a statement about questions stays


def test_a_follow_up_part_leans_on_the_subject_not_on_what_was_asked_of_it() -> None:
    vocab = Vocabulary(40, {"lamp": 3, "price": 4, "cost": 4, "much": 6, "bulb": 2, "watt": 2})
    glossary = Glossary({"price": ["cost", "how much"]})
    before = parse("how much is the lamp", vocab, glossary)
    assert salient_words(before) == ["lamp"]
    after = parse("what bulb does it take", vocab, glossary).with_context(before)
    lent = [c.words for c in after.concepts if c.how == "context"]
    assert lent == ["lamp"]


def test_placeholders_of_the_input_guard_are_not_words() -> None:
    vocab = Vocabulary(10, {"lamp": 2})
    query = parse("the lamp please, <PERSON_1>", vocab, Glossary({}))
    assert [c.words for c in query.concepts] == ["lamp"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("lamp w/o the shade?", "lamp without the shade?"),
        ("lamp w/out a plug", "lamp without a plug"),
        ("lamp w/bulb & shade", "lamp with bulb and shade"),
        ("b/c it broke", "because it broke"),
        ("and/or 1+1 https://x.example/w/o", "and/or 1+1 https://x.example/w/o"),  # left alone
    ],
)
def test_chat_shorthand_is_spelt_out(typed: str, meant: str) -> None:
    assert unabbreviate(typed) == meant


def test_built_in_abbreviations_stand_for_what_documents_write() -> None:
    vocab = Vocabulary(10, {"american": 1, "express": 2, "sms": 1, "code": 3})
    query = parse("do you take amex or sms codes", vocab, Glossary({}))
    amex = next(c for c in query.concepts if c.words == "amex")
    assert amex.known and ("american", "express") in amex.alts
    texts = parse("codes by text message?", vocab, Glossary({}))
    assert any(("sms",) in c.alts for c in texts.concepts)
    # the responder is given the same synonyms: the app's beside the built-in ones
    merged = with_builtin({"sms": ["txt"], "refund": ["money back"]})
    assert merged["refund"][-1] == "money back" and merged["sms"][-1] == "txt"
    assert "amex" in merged["american express"]


def test_a_mistyped_question_word_is_still_the_frame() -> None:
    vocab = Vocabulary(10, {"lamp": 2, "much": 3})
    for typed in ("hwo much is the lamp", "hw much is the lamp", "how much is the lamp"):
        query = parse(typed, vocab, Glossary({}))
        assert [c.words for c in query.concepts if not c.frame] == ["lamp"], typed


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("my kettle leaked last week, is it covered", ["kettle", "leaked", "covered"]),
        ("ordered a kettle 3 weeks ago and it never came", ["ordered", "kettle", "never", "came"]),
        ("the lamp flickered yesterday and this morning", ["lamp", "flickered"]),
        ("can a kettle be delivered on saturday", ["kettle", "delivered", "saturday"]),
        ("how many weeks does a refund take", ["weeks", "refund"]),
    ],
)
def test_when_the_story_happened_is_not_what_is_asked(message: str, words: list[str]) -> None:
    # "last week", "3 weeks ago", "yesterday": the customer's calendar, which no document
    # states; a day asked about ("on saturday") and a period asked for ("how many weeks")
    # stay
    vocab = Vocabulary(10, {"kettle": 2, "lamp": 2, "refund": 2, "week": 2, "saturday": 1})
    query = parse(message, vocab, Glossary({}))
    assert [c.words for c in query.concepts if not c.frame] == words


@pytest.mark.parametrize(
    "bad",
    [
        {"glossary": {"refund": [""]}},
        {"glossary": {"refund": "money back"}},
        {"glossary": {"refund": ["!!!"]}},
        {"glossary": {"refund": ["x"] * 51}},
        {"answerability": {"borderline": [0.6, 0.2]}},
        {"answerability": {"borderline": 0.9}},
        {"answerability": {"borderline_action": "shrug"}},
        {"answerability": {"threshold": 1.5}},
    ],
)
def test_spec_rejects_bad_glossaries_and_bands(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        KnowledgeSpec.model_validate(bad)


def test_a_typo_that_stems_apart_from_its_word_is_mended_against_the_corpus() -> None:
    # "ponies" stems to "pony", its typo "ponkes" to "ponk": the stemmed term is too short to
    # correct, the typed word one edit from a word whose stem the corpus holds is mended
    vocab = Vocabulary(20, {"pony": 3, "stabl": 2, "kenni": 1, "feed": 4})
    query = parse("where do the ponkes sleep in the stabels", vocab, Glossary({}))
    assert [(c.words, c.alts, c.how) for c in query.concepts if c.words != "sleep"] == [
        ("ponkes", (("pony",),), "spelling"),
        ("stabels", (("stabl",),), "spelling"),
    ]
    # the commonest of several candidates wins; an English word is never mended ("feel")
    vocab = Vocabulary(20, {"kenni": 1, "kenny": 5, "feed": 4})
    assert parse("kennu", vocab, Glossary({})).concepts[0].alts == (("kenny",),)
    assert parse("how does it feel", vocab, Glossary({})).concepts[0].alts == (("feel",),)
    assert vocab.mend("qzxvw") is None and vocab.mend("kenn2") is None


def test_a_slipped_key_is_the_likeliest_typo() -> None:
    # "jamke": k for its neighbour i ("jamie"), before a deletion ("jame") or a far key
    # ("jacke" -> "jack"), however frequent those are in the corpus
    jamie = stem("jamie")  # "jamy": an "-ie" word stems as its "-ies" plural
    vocab = Vocabulary(40, {jamie: 1, "jame": 9, "jack": 20, "demand": 3, "remand": 8})
    assert vocab.mend("jamke") == jamie
    # the same in the stem correction: "dwmand" (w for e) is "demand", not "remand"
    assert vocab.correct("dwmand") == "demand"
    assert vocab.correct("pemand") == "remand"  # no slip either way: the most frequent


def test_a_typo_of_a_stop_word_is_wording_not_an_unknown_subject() -> None:
    vocab = Vocabulary(20, {"treati": 2, "senat": 2, "vote": 3})
    query = parse("differense betweem the senate vote and the treaty, wherr?", vocab, Glossary({}))
    assert [c.words for c in query.concepts] == ["differense", "senate", "vote", "treaty"]
    # a real word near a stop word stays ("came" is one edit from "come"), known or not
    query = parse("the senate came", vocab, Glossary({}))
    assert [c.words for c in query.concepts] == ["senate", "came"]


def test_a_typo_mended_into_a_stop_word_the_corpus_indexes_is_dropped() -> None:
    # a corpus that indexes "what" and "one": "whzt", "whar" and "kones" are the wording,
    # not subjects retrieval should search for
    vocab = Vocabulary(20, {"what": 5, "one": 3, "treati": 2})
    for message in ("whzt is the treaty", "whar treaty", "the kones treaty"):
        assert [c.words for c in parse(message, vocab, Glossary({})).concepts] == ["treaty"]


def test_a_typo_lands_on_the_term_the_passages_index() -> None:
    # "family" and "families" are one term: "familu" is mended to what every passage holds
    # (when "family" stemmed to "fami", it was mended to the plural's "family" alone)
    passage = "Family plans: two families may share one plan. The family owner pays."
    vocab = Vocabulary(30, dict.fromkeys(terms(passage), 1))
    assert parse("familu plan", vocab, Glossary({})).concepts[0].alts == ((stem("family"),),)
    assert stem("family") in terms("family") and stem("family") in terms("families")


def test_two_grammar_words_are_no_compound() -> None:
    # "with in" is no "within", "in to" no "into": only a pair with a word of its own joins
    vocab = Vocabulary(20, {"within": 4, "glee": 2, "login": 3, "log": 1, "santana": 1})
    query = parse("who does santana end up with in glee", vocab, Glossary({}))
    assert "within" not in query.terms()
    assert parse("log in", vocab, Glossary({})).concepts[0].alts == (("login",), ("log",))


def test_mending_typos_costs_the_same_per_word() -> None:
    # every word a different non-word whose stem is too short to correct: each is mended
    vocab = Vocabulary(20, {"pony": 3, "stabl": 2})
    letters = "bcdfghjklmnpqrstvwxz"

    def run(n: int) -> None:
        typed = (f"p{letters[i % 20]}{letters[i // 20 % 20]}kes" for i in range(n))
        parse(" ".join(typed), vocab, Glossary({}))

    grows_linearly(run, 200)


def test_a_set_phrase_is_searched_by_the_words_documents_write() -> None:
    # "showed up", "on hold", "the power's been out", "hold on to", "charged twice": their
    # particles are stop words, what is left names something else ("show", "hold")
    vocab = Vocabulary(
        20, {"arriv": 2, "bag": 4, "wait": 2, "outag": 3, "keep": 2, "duplicat": 1, "hold": 5}
    )
    glossary = Glossary({})

    def alts(text: str) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
        return [(c.words, c.alts) for c in parse(text, vocab, glossary).concepts]

    assert alts("my bag showed up late")[1] == ("showed up", (("arriv",),))
    assert alts("stuck on hold")[1] == ("on hold", (("wait",),))
    assert alts("power's been out since")[0] == ("power's been out", (("outag",),))
    assert alts("how long do you hold on to bags")[1] == ("hold on to", (("keep",),))
    assert alts("charged me twice") == [("charged me twice", (("duplicat",),))]
    # a device switched off is no outage; "hold" alone is the word it is
    assert [c.words for c in parse("power off the hub", vocab, glossary).concepts] == [
        "power",
        "hub",
    ]
    assert alts("pets in the hold") == [("pets", (("pet",),)), ("hold", (("hold",),))]
    # a corpus that writes none of the phrase's words reads it word by word
    alone = parse("never showed up", Vocabulary(5, {"x": 1}), glossary)
    assert [c.words for c in alone.concepts] == ["never", "showed"]


def test_set_phrases_cost_the_same_per_word() -> None:
    vocab = Vocabulary(20, {"outag": 3, "wait": 2})

    def run(n: int) -> None:
        parse("power's  been  " * n + "x" + " " * n, vocab, Glossary({}))

    grows_linearly(run, 4000)
