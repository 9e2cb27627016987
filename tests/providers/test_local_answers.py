"""The local responder picks the sentence that answers the kind of question asked, answers
each part of a multi-part question, and names the part it cannot answer. The documents
and questions are written for these tests (a kettle maker, not the example app)."""

from __future__ import annotations

import pytest

from stanchion.providers.local import NO_ANSWER, answer_from_passages
from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

CARE = """# Orbit Kettle care

## Descaling
Descale the kettle every 4 weeks. Fill it with equal parts water and vinegar. Boil once and
let it stand for 20 minutes. Rinse twice with clean water.

## Warranty
The kettle has a 12-month warranty. The warranty does not cover limescale damage.

## Returns
Unused kettles can be returned within 45 days of purchase if they are in the original box.
Returns cost 4.50 EUR unless the kettle is faulty.

## App
Without the Orbit app you can still boil water and set the temperature by hand. Timers need
the app.

## Showroom
Our showroom is at 12 Harbour Street, Leeds. Email help@orbit.example for repairs.
"""
ROW = "Orbit Kettle costs 39.50 EUR. Orbit Kettle warranty: 12 months."


def ask(question: str, *passages: str) -> str:
    return answer_from_passages(question, list(passages or [CARE]))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how long is the kettle warranty", "The kettle has a 12-month warranty. [1]"),
        ("how oftn shud i descale it", "Descale the kettle every 4 weeks. [1]"),
        ("how long do i let it stand", "Boil once and let it stand for 20 minutes. [1]"),
        ("what does sending one back cost? (returns)", "Returns cost 4.50 EUR unless"),
        ("where is ur showroom", "Our showroom is at 12 Harbour Street, Leeds. [1]"),
        ("who do i email about a repair", "Email help@orbit.example for repairs. [1]"),
        ("how many times do i rinse", "Rinse twice with clean water. [1]"),
    ],
)
def test_the_sentence_holds_the_kind_of_answer_asked_for(question: str, expected: str) -> None:
    assert ask(question).startswith(expected)


def test_steps_come_in_order() -> None:
    steps = ask("how do i descale my kettle?")
    assert steps.index("every 4 weeks") < steps.index("vinegar") < steps.index("20 minutes")
    assert steps.index("20 minutes") < steps.index("Rinse twice")


def test_yes_no_answers_with_the_condition() -> None:
    assert ask("can i return an unused kettle").startswith(
        "Yes. Unused kettles can be returned within 45 days of purchase if they are in the "
        "original box. [1]"
    )
    assert ask("does the warranty cover limescale?") == (
        "No. The warranty does not cover limescale damage. [1]"
    )
    # a number or a contrast the sentence may not settle: the condition, without a verdict
    assert ask("can i return it after 60 days").startswith("Unused kettles can be returned")


def test_what_still_works_without_something() -> None:
    assert ask("if i dont have the app what can i still do").startswith(
        "Without the Orbit app you can still boil water"
    )


def test_catalog_rows_answer_prices_and_lose_ties_to_documents() -> None:
    priced = answer(
        "how much is the kettle", [CARE, ROW], analyzer=Analyzer(), sources=["", "catalog"]
    )
    assert priced.text == "Orbit Kettle costs 39.50 EUR. [2]"
    same = "Orbit Kettle warranty: 12 months."
    tie = answer("kettle warranty", [same, same], analyzer=Analyzer(), sources=["catalog", ""])
    assert tie.text == "Orbit Kettle warranty: 12 months. [2]"


def test_each_part_is_answered_and_the_unknown_one_named() -> None:
    text = answer_from_passages(
        "how long is the warranty, and do you sell teapots?",
        [CARE],
        parts=["how long is the warranty", "do you sell teapots?"],
    )
    assert text == (
        "The kettle has a 12-month warranty. [1] I don't have information about "
        '"do you sell teapots" in the approved documents.'
    )


def test_a_part_the_caller_refused_is_named_not_answered() -> None:
    found = answer(
        "q",
        [CARE],
        parts=["where is the showroom", "what does the kettle weigh (kettle)"],
        decisions=["answer", "refuse"],
        analyzer=Analyzer(),
    )
    assert found.text.startswith("Our showroom is at 12 Harbour Street")
    assert found.text.endswith('"what does the kettle weigh" in the approved documents.')
    assert not found.refused


def test_a_yes_no_question_the_passages_only_name_the_subject_of_is_not_answered() -> None:
    assert ask("is the orbit kettle dishwasher safe?") == NO_ANSWER
    assert ask("is the kettle warranty 12 months?").startswith("The kettle has a 12-month")


def test_nothing_that_answers_is_a_refusal() -> None:
    # a price asked, no price anywhere: not the sentence that merely shares a word
    assert ask("how much does the descaler cost", CARE.replace("4.50 EUR", "a fee")) == NO_ANSWER
    found = answer("do you sell teapots", ["Returns are free."], analyzer=Analyzer())
    assert found.refused and found.text == NO_ANSWER


def test_a_follow_up_gets_a_new_sentence_not_the_last_answer() -> None:
    doc = "The address can be changed until the order ships. After shipping, ask the carrier."
    said = "The address can be changed until the order ships. [1]"
    found = answer(
        "and if it already shipped? (change, address)",
        [doc],
        history=[("user", "can i change the address"), ("assistant", said)],
        analyzer=Analyzer(),
    )
    assert found.text == "After shipping, ask the carrier. [1]"


def test_glossary_phrases_match_as_one_concept() -> None:
    found = answer(
        "can i get my money back for an unused kettle",
        [CARE.replace("can be returned", "can be refunded")],
        glossary={"refund": ["money back"]},
        analyzer=Analyzer(),
    )
    assert "can be refunded within 45 days" in found.text


@pytest.mark.parametrize(
    ("question", "kind", "yes_no", "steps"),
    [
        ("HOW LNOG does delivery take", "duration", False, False),
        ("wat does it cost", "price", False, False),
        ("hw many bulbs in a pack", "count", False, False),
        ("wher do i find my invoice", "place", False, False),
        ("is return shipping free", None, True, False),
        ("what is the warranty", None, False, False),
        ("how do i reset the hub", None, False, True),
        ("how much notice do i give before moving out", "duration", False, False),
        ("how much power does the kettle draw", "count", False, False),
        ("how much is the kettle", "price", False, False),
    ],
)
def test_intent_survives_lower_case_and_typos(
    question: str, kind: str | None, yes_no: bool, steps: bool
) -> None:
    intent = intent_of(question)
    assert (intent.kind, intent.yes_no, intent.steps) == (kind, yes_no, steps)


def test_passages_are_analysed_once_per_text() -> None:
    analyzer = Analyzer()
    first = analyzer.sentences(CARE)
    assert analyzer.sentences(CARE) is first


def test_a_part_that_only_tells_is_context_not_a_question() -> None:
    found = answer(
        "q",
        [CARE],
        parts=["I bought an Orbit Kettle for my flat last month.", "how often do i descale it?"],
        analyzer=Analyzer(),
    )
    assert found.text == "Descale the kettle every 4 weeks. [1]"


def test_a_declined_part_is_answered_only_on_strong_evidence() -> None:
    strong = answer(
        "q",
        [CARE],
        parts=["where is the showroom", "how long is the kettle warranty"],
        decisions=["answer", "refuse"],
        analyzer=Analyzer(),
    )
    assert "12-month warranty" in strong.text
    weak = answer(
        "q",
        [CARE],
        parts=["where is the showroom", "how long is the warranty on refurbished toasters"],
        decisions=["answer", "refuse"],
        analyzer=Analyzer(),
    )
    assert "12-month" not in weak.text and "I don't have information about" in weak.text


def test_a_unit_or_currency_no_sentence_states_is_not_answered() -> None:
    assert ask("how much is a return in canadian dollars?") == NO_ANSWER
    assert ask("whats the showroom distance in miles") == NO_ANSWER
    assert ask("what do returns cost in euros").startswith("Returns cost 4.50 EUR")


def test_a_judged_follow_up_whose_own_words_are_nowhere_answers_from_what_it_leans_on() -> None:
    question = "and how would I go about that? (descale, kettle)"
    judged = answer(question, [CARE], parts=[question], decisions=["answer"], analyzer=Analyzer())
    assert "Descale the kettle every 4 weeks" in judged.text
    # with no judgement from the caller, a sentence holding only lent words is no answer
    assert answer(question, [CARE], parts=[question], analyzer=Analyzer()).text == NO_ANSWER


TARIFF = """# Fees and opening hours

## Water and wastewater
- Water supply charge: $0.45 per day
- Water usage: $2.80 per cubic metre
- Wastewater: $2.10 per cubic metre

## Electricity
A supply charge of $1.10 per day applies to every plan.

## Riverside office
- Tuesday and Thursday: 10 am to 4 pm
- Other days: closed

## Router
It needs a 2.4 GHz Wi-Fi network. The kettle needs the Orbit Router.

## Cancelling
An order can be cancelled from the Orders page until it ships.
"""


def test_a_list_answers_as_a_whole_without_its_markup() -> None:
    got = ask("what days is the riverside office open", TARIFF)
    assert got.startswith("Tuesday and Thursday: 10 am to 4 pm. [1] Other days: closed. [1]")
    assert "**" not in got and "- " not in got


def test_water_is_not_the_chat_spelling_of_what() -> None:
    """'wat' (what) stems like 'water': the water charge must still be asked for."""
    assert ask("water supply charge per day", TARIFF).startswith("Water supply charge: $0.45")


def test_a_compound_written_another_way_matches_the_sentence() -> None:
    (sentence,) = Analyzer().sentences("It needs a 2.4 GHz Wi-Fi network.")
    assert "wifi" in sentence.terms


def test_a_yes_no_question_its_sentence_states_under_a_heading_of_the_same_words() -> None:
    """ "Cancelling" heads the section, yet the sentence itself says an order can be cancelled."""
    text = "## Cancelling\nAn order can be cancelled from the Orders page until it ships."
    parts = ["can i cancel my order", "how much is water usage"]
    got = answer(
        "q", [text, TARIFF], parts=parts, titles=["Cancel an order", "Fees"], analyzer=Analyzer()
    )
    assert got.text.startswith(
        "Yes. An order can be cancelled from the Orders page until it ships."
    )


def test_a_counted_noun_in_another_spelling_is_the_count_asked_for() -> None:
    text = (
        "The Prism Color lamp costs 30 EUR, or 99 EUR for a pack of four. The Prism Color lamp "
        "is a smart lamp with 16 million colors and a brightness of 800 lumens."
    )
    got = ask("how many colours can the prism color lamp show", text)
    assert "with 16 million colors" in got


def test_a_follow_up_judged_answerable_is_answered_from_the_words_it_leans_on() -> None:
    """'how long does it take to arrive' after 'bank transfer': no sentence says 'arrive';
    the gate judged the part answerable, so the duration about transfers answers it."""
    text = "## Bank transfer\nTransfers take up to 3 business days to reach your account."
    part = "how long does it take to arrive (bank, transfer)"
    judged = answer("q", [text], parts=[part], decisions=["answer"], analyzer=Analyzer())
    assert judged.text.startswith("Transfers take up to 3 business days")
    unjudged = answer("q", [text], parts=[part], analyzer=Analyzer())
    assert unjudged.refused


def test_a_one_part_message_passes_its_own_decision_to_the_responder() -> None:
    from stanchion.pipeline.stages.generate import _decisions

    one = {"parts": ["how long?"], "answerability": {"decision": "answer"}}
    assert _decisions(one) == ["answer"]
    two = {"parts": ["a", "b"], "part_answerability": [{"decision": "refuse"}, {}]}
    assert _decisions(two) == ["refuse", ""]
    assert _decisions({"parts": ["a", "b"], "answerability": {"decision": "answer"}}) == []


def test_a_tie_from_another_passage_is_said_too() -> None:
    """Both sentences say all the question asks: the one retrieved first need not be the
    one meant, so both are given."""
    fees = "## Costs\nStandard delivery is free on orders over 40 EUR."
    returns = "## Returns\nReturn delivery is free within the EU."
    got = answer_from_passages("is delivery free", [returns, fees])
    assert "over 40 EUR" in got and "within the EU" in got
