"""The local responder on questions as customers type them: a long story around one
question, an amount asked with "how much" that is not money, a volume as a size, a
capacity ("how many ... can"), "what happens if", a pronoun's subject, a derived word
("connect": "connectivity") and the parts of one message leaning to one section.
Documents and questions are written for these tests (a campsite, a sauna, a camping-gear
shop), not taken from any evaluation set."""

from __future__ import annotations

from dataclasses import replace

from stanchion.providers.local.answer import answer, answer_part, request_context
from stanchion.providers.local.intent import ANSWER_KINDS, intent_of
from stanchion.providers.local.sentences import Analyzer

CAMPSITE = """# Pitches

## Firewood
A bundle of firewood costs 8 EUR at the shop.
Each pitch may bring up to 20 kg of its own firewood.

## Cabins
Each cabin sleeps up to 6 guests.
Check-in time is 3 pm.

## Water
Drinking water taps are next to the shower block.
"""
TOUR = """# Canyon tour

## What to bring
Bottles up to 750 ml fit in the day pack.
Wear shoes with a closed toe.
"""
PAYMENTS = """# Paying for your membership

## Card payments
Card payments are taken on the first day of each month.

## Declined payments
If a card payment is declined, we add a fee of 10 EUR to your next bill.

## Direct transfer
A card payment can be replaced by a bank transfer in the member area.
"""
SAUNA = """# Sauna

## Opening hours
The sauna is open from 7 am to 10 pm.

## Towels
Towels can be rented at the front desk.
Bring your own flip-flops.
"""


def ask(question: str, passages: list[str], **kw: object) -> str:
    return answer(question, passages, analyzer=Analyzer(), **kw).text  # type: ignore[arg-type]


def test_how_much_of_a_thing_allowed_asks_an_amount_not_a_price() -> None:
    assert intent_of("how much firewood can i bring").kind == "count"
    assert not intent_of("how much firewood can i bring").asks_for
    assert intent_of("how much money can i get back").kind == "price"
    assert intent_of("how much is the firewood").kind == "price"
    got = ask("how much firewood can i bring", [CAMPSITE])
    assert "20 kg" in got


def test_a_volume_answers_how_big() -> None:
    assert ANSWER_KINDS["size"].search("bottles up to 750 ml")
    assert ANSWER_KINDS["size"].search("a bag of up to 1 litre")
    assert not ANSWER_KINDS["size"].search("1 million lumens")
    assert "750 ml" in ask("how big can my water bottle be on the tour", [TOUR])


def test_how_many_can_asks_a_capacity() -> None:
    got = ask("how many people can one cabin sleep at the same time", [CAMPSITE])
    assert "up to 6 guests" in got
    assert "Check-in" not in got


def test_what_happens_if_prefers_the_sentence_stating_that_condition() -> None:
    assert intent_of("what happens if my card payment bounces").supposes
    assert intent_of("what if i miss the first day").supposes
    assert not intent_of("what happens to my points").supposes
    got = ask("what happens if my card payment bounces", [PAYMENTS])
    assert "10 EUR" in got


def test_a_long_story_is_not_answered_by_the_shortest_sentence_sharing_a_word() -> None:
    story = (
        "hi, we are staying at the campsite next week with the kids and my parents, we have "
        "a big tent and a small one, my dad always insists on his own fire in the evening "
        "and the kids want marshmallows. last time we went somewhere else the wood was "
        "damp and it was a disaster. can we bring our own firewood from home?"
    )
    got = ask(story, [CAMPSITE])
    assert "20 kg" in got


def test_a_pronoun_sentence_is_about_its_documents_subject() -> None:
    kettle = (
        "# Trail Kettle\n\n## Use\nThe kettle boils a litre in four minutes.\n"
        "It does not work on induction hobs directly.\n"
    )
    stove = "# Camp Stove\n\n## Specs\nCamp Stove hobs: gas and induction plates.\n"
    got = ask(
        "does the camp stove work on induction hobs directly",
        [kettle, stove],
        titles=["Trail Kettle", "Camp Stove"],
    )
    assert "induction plates" in got
    assert "kettle" not in got and "It does not" not in got


def test_a_term_stands_for_its_derivations() -> None:
    analyzer = Analyzer()
    analyzer.sentences("Plug connectivity: Zigbee. Cancellation is free. Compatibility: all.")
    assert "connectivity" in analyzer.equivalents("connect")
    # the stemmer itself reads "cancellation" as "cancel" (text.stem's derivations)
    assert "cancel" in analyzer.equivalents("cancel") and "cancel" in analyzer.vocabulary
    assert "compatibility" in analyzer.equivalents("compatibl")
    assert "zigbe" not in analyzer.equivalents("connect")
    analyzer.sentences("Please contact us.")
    assert "contact" not in analyzer.equivalents("connect")


def test_later_parts_lean_to_the_section_an_earlier_part_was_answered_from() -> None:
    first = "# Lamp\n\n## Reset\nThe light blinks twice when it is done.\n"
    second = "# Lamp\n\n## Pairing\nThe light blinks twice when it is done.\n"
    analyzer = Analyzer()
    ctx, candidates = request_context([first, second], None, None, None, None, None, analyzer)
    question = "how will i know it is done"
    alone = answer_part(question, candidates, analyzer, ctx=ctx)
    assert alone is not None and alone[1][0][0] == 0  # a tie: the first passage
    leaning = answer_part(
        question, candidates, analyzer, ctx=replace(ctx, near=frozenset({(1, 2)}))
    )
    assert leaning is not None and leaning[1][0][0] == 1
