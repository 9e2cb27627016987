"""Follow-ups read with the conversation before them: a turn after a told situation, a
turn with signs that it leans (an opener taking up the reply, a pronoun, "instead"), a word
of the assistant's reply taken up again; what the earlier turn lends (its subject, not its
light verbs), and the passages the reply was answered from. The conversations are written
for these tests, about a bicycle workshop."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.knowledge.conftest import knowledge_from
from tests.linear import grows_linearly

from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.query import Glossary, Vocabulary, is_followup, is_told, parse
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.text import stem
from stanchion.pipeline.stages.retrieve import _reply
from stanchion.store.crypto import Cipher, parse_key
from stanchion.store.db import Store

# document frequencies of a small workshop corpus, by stem ("get" is in it: a light verb)
COUNTS = {"chain": 4, "frame": 3, "carbon": 2, "repair": 6, "fee": 3, "tyre": 3, "tubeless": 1}
COUNTS |= {"workshop": 5, "bike": 12, "service": 4, "book": 3, "cash": 2, "card": 3, "pay": 4}
COUNTS |= {"wheel": 3, "true": 1, "cost": 5, "new": 6, "fit": 2, "late": 2, "open": 3, "get": 9}
VOCAB = Vocabulary(40, {stem(w): n for w, n in COUNTS.items()})


def _follows(text: str, told: bool = False, said: str = "") -> bool:
    query = parse(text, VOCAB, Glossary({}))
    return is_followup(text, query, told, frozenset(parse(said, VOCAB, Glossary({})).terms()))


def test_two_signs_of_leaning_carry_a_turn_that_names_more_of_its_own() -> None:
    # an opener taking up the reply, and a pronoun: three concepts of its own still lean
    assert _follows("ok but can you fit a new chain on it")
    assert not _follows("can you fit a new chain on it")
    # a pronoun and "instead"
    assert _follows("can i pay for it by card instead")
    # one sign with that many concepts is a question of its own
    assert not _follows("is there a repair fee for a carbon frame")
    assert not _follows("how much does a new chain cost to fit on a carbon frame")


def test_after_a_told_situation_the_next_turn_asks_about_it() -> None:
    assert not _follows("how much does a new chain cost to fit")
    assert _follows("how much does a new chain cost to fit", told=True)


def test_a_word_of_the_reply_taken_up_again_leans_on_it() -> None:
    said = "You can book a service on the workshop page."
    assert _follows("how late is the workshop open", said=said)
    assert not _follows("how late is the workshop open")


def test_a_statement_is_told_even_with_an_auxiliary_after_its_subject() -> None:
    assert is_told("we have a flat tyre")
    assert is_told("I have a question about the workshop")
    assert not is_told("do we have a flat tyre")
    assert not is_told("have you got tubeless tyres")


def test_a_request_in_chat_spelling_is_asked_not_told() -> None:
    """ "i wanna ..." asks like "i want ...": the next turn is not read as a question about
    a situation told, and its own unseen words are not a story's."""
    for text in ("i wanna get my chain fixed", "id like to book a service", "r u open sunday"):
        assert not is_told(text), text
    assert not is_told("lmk when my bike is ready")
    assert is_told("my chain snapped")


def test_an_earlier_turn_lends_its_subject_not_its_light_verbs() -> None:
    earlier = parse("i want to get my bike serviced", VOCAB, Glossary({}))
    asked = parse("when can you do it", VOCAB, Glossary({}))
    lent = [c.words for c in asked.with_context(earlier).concepts if c.how == "context"]
    assert "bike" in lent and "get" not in lent


def test_contractions_without_apostrophes_and_instead_name_nothing() -> None:
    for text in ("youve got my card, can i pay cash instead", "you've got my card"):
        words = [c.words.lower() for c in parse(text, VOCAB, Glossary({})).concepts]
        assert not {"youve", "you've", "instead"} & set(words), words


def test_the_reply_is_what_the_assistant_said_between_the_last_two_user_turns() -> None:
    def msg(role: str, text: str) -> dict[str, str]:
        return {"role": role, "content": text}

    conversation = [msg("system", "be brief"), msg("user", "a"), msg("assistant", "b")]
    assert _reply([*conversation, msg("user", "c")]) == "b"
    assert _reply([msg("user", "c")]) == ""
    assert _reply([*conversation, msg("assistant", "b2"), msg("user", "c")]) == "b b2"
    # an earlier exchange is not the reply to the turn before the last
    older = [msg("user", "x"), msg("assistant", "y"), msg("user", "a"), msg("user", "c")]
    assert _reply(older) == ""


DOCS = {
    "workshop.md": "# Workshop\n\n## Booking\nBook a service on the Workshop page; slots open "
    "two weeks ahead.\n\n## While we have your bike\nWe keep your bike for up to 3 days. "
    "You get a text message when it is ready to collect.\n",
    "chains.md": "# Chains\n\n## Snapped chains\nA snapped chain is replaced while you wait. "
    "A new chain costs 25 EUR fitted.\n",
    "payment.md": "# Paying\n\nWe take cards and cash in the shop.\n",
}


async def test_a_follow_up_after_a_told_situation_is_read_with_it(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """Three concepts of its own and no pronoun: alone, a question about the workshop;
    after "my chain snapped", a question about the chain."""
    kn = await knowledge_from(store, cipher, app_dir, DOCS)
    told = "my chain snapped on the way to work"
    plan = await kn.plan([told, "what would a repair cost at the workshop"], 3)
    assert plan.parts[0].query.leans
    assert plan.question.endswith("(chain, snapped)")
    assert "25 EUR" in plan.parts[0].passages[0].text
    alone = await kn.plan(["how do i book", "what would a repair cost at the workshop"], 3)
    assert not alone.parts[0].query.leans
    # what the told turn's pages do not say is still declined
    plan = await kn.plan([told, "do you deliver by drone"], 3)
    assert plan.decision == "refuse", plan.annotations()
    kn.close()


async def test_a_word_of_the_reply_taken_up_makes_the_turn_lean_through_the_planner(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_from(store, cipher, app_dir, DOCS)
    turns = ["my bike needs a service", "how long do you hold the bikes"]
    reply = "Book a service on the Workshop page; slots open two weeks ahead."
    # told, then asked: leans with or without the reply
    assert (await kn.plan(turns, 3, reply)).parts[0].query.leans
    asked = ["can i book a service online", "when is the workshop open"]
    assert not (await kn.plan(asked, 3)).parts[0].query.leans
    plan = await kn.plan(asked, 3, reply)
    assert plan.parts[0].query.leans, plan.annotations()
    assert await kn.plan(asked, 3) is not plan  # the reply is part of what a plan is kept by
    kn.close()


def test_the_served_pipeline_reads_the_assistants_reply(
    sqlite_url: str, gateway_factory: Any
) -> None:
    """ "when is the workshop open" after a reply naming the workshop: the trace's query
    carries the earlier turn's subject, which it would not without the reply."""
    knowledge = {"sources": [{"files": ["docs/*.md"]}]}
    gw = gateway_factory(
        sqlite_url, [{"name": "offline", "provider": "local"}], start=False, knowledge=knowledge
    )
    (gw.folder / "docs").mkdir()
    for name, body in DOCS.items():
        (gw.folder / "docs" / name).write_text(body)
    spec = KnowledgeSpec.model_validate(knowledge)
    ingest(spec, gw.folder, gw.store, Cipher(parse_key(gw.key)), "demo", approve_as="owner")
    gw.start()
    key = gw.make_key("user")
    messages = [
        {"role": "user", "content": "can i book a bike service online"},
        {"role": "assistant", "content": "Book a service on the Workshop page."},
        {"role": "user", "content": "when is the workshop open"},
    ]

    def query(messages: list[dict[str, str]]) -> str:
        r = httpx.post(
            gw.url + "/v1/chat/completions",
            json={"model": "offline", "messages": messages},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 200, r.text
        trace = r.json()["stanchion"]["trace_id"]
        auth = {"Authorization": f"Bearer {key}"}
        for _ in range(50):
            got = httpx.get(gw.url + f"/v1/traces/{trace}", headers=auth)
            if got.status_code == 200:
                return str(got.json()["annotations"]["query"])
            time.sleep(0.05)
        raise AssertionError("no trace")

    assert query(messages).endswith("(book, bike, service)")
    assert query([messages[0], messages[2]]) == "when is the workshop open"


@pytest.mark.parametrize(
    ("unit", "count"), [("we have a ", 20_000), ("ok but it ", 20_000), ("do i ", 20_000)]
)
def test_turns_are_read_in_linear_time(unit: str, count: int) -> None:
    query = parse("my chain snapped", VOCAB, Glossary({}))
    said = frozenset({"chain"})

    def run(n: int) -> None:
        text = f"my chain {unit * n} snapped instead"
        is_told(text)
        is_followup(text, query, False, said)

    grows_linearly(run, count)
