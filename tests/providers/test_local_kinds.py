"""The local responder picks the sentence of the kind a question asks for: a size for "how
big" (and "how long can it BE"), a weight, a reason for "why", the row whose range holds
the amount the question gives, both sides of "X vs Y", a limit for "the max" / "at most",
and the sentence a word naming the kind points to ("the deadline": "within 6 weeks").
Documents and questions are written for these tests (a ferry line and a campsite, not the
example apps)."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.ranges import amounts, in_range, stated_ranges
from stanchion.providers.local.sentences import Analyzer
from tests.linear import grows_linearly

LUGGAGE = """# Ferry luggage

## Hand luggage by ticket
| Ticket | Hand luggage | Bike |
|---|---|---|
| Saver | 1 bag up to 7 kg | not included |
| Flexi | 2 bags up to 10 kg each | 1 bike |

## Deck bag
Every passenger may bring one deck bag. It must fit on your lap: up to 45 x 35 x 20 cm.
"""
OARS = """# Kayaks on board

## Paddles
Paddles travel in the kayak rack. A paddle longer than that, up to 240 cm long, goes in
the hold. Loading takes about ten minutes.
"""
EBIKES = """# E-bikes

## Batteries
| Battery | On deck | In the hold |
|---|---|---|
| Battery up to 500 Wh | allowed | allowed |
| Battery from 500 to 750 Wh | allowed with a deck pass | not allowed |
| Battery over 750 Wh | not allowed | not allowed |
"""
APPEALS = """# Fines

## Booking
The booking deadline for group tours is printed on the ticket.

## Appeals
Write to the appeals office within 6 weeks of the fine.
"""
STAYS = """# Campsite stays

## Pitches
A pitch costs 18 EUR a night.
- Up to 14 nights per stay, for up to 6 people per pitch.
- Quiet hours start at 22:00.
"""
PASSES_DAY = "# Day pass\n\n## Price\nA day pass costs 9 EUR."
PASSES_WEEK = "# Week pass\n\n## Price\nA week pass costs 40 EUR, or 35 EUR online."
MEMBERSHIP = """# Harbour club

## Joining the club
Residents of the island who hold a harbour card can join the club. Apply once at the
harbour office with the card.
"""
LIGHTS = """# Cabin lights

## Setting up
The cabin light turns green when the cabin is ready.

## Lights out
If the cabin light is not green, check that the door is shut. Press the reset key for 5
seconds.
"""
BILLS = """# Mooring bills

## When you are billed
Moorings are billed every month on the first day.

## Bill higher than expected?
Common reasons are a longer stay, an electricity hook-up, or a late fee.
"""


def reply(question: str, *passages: str, **kwargs: object) -> str:
    return answer(question, list(passages), analyzer=Analyzer(), **kwargs).text  # type: ignore[arg-type]


def test_how_big_asks_for_a_size_not_the_rows_that_name_the_bag() -> None:
    got = reply("how big can my deck bag be", LUGGAGE)
    assert "45 x 35 x 20 cm" in got
    assert "7 kg" not in got


def test_how_long_can_it_be_asks_for_a_length_and_how_long_does_it_take_a_duration() -> None:
    assert intent_of("how long can a kayak paddle be").kind == "size"
    assert intent_of("how long does loading take").kind == "duration"
    got = reply("how long can a kayak paddle be to bring it", OARS)
    assert "240 cm" in got


def test_a_weight_is_asked_by_how_heavy_and_how_much_can_it_weigh() -> None:
    assert intent_of("how heavy can the bag be").kind == "weight"
    assert intent_of("how much can my hand luggage weigh").kind == "weight"
    assert intent_of("max weight for a deck bag").kind == "weight"
    assert intent_of("how much is a deck pass").kind == "price"


def test_the_counted_noun_is_past_its_adjectives() -> None:
    assert intent_of("how many checked bags does flexi get").target == "bag"
    assert intent_of("how many spare paddles can i bring").target == "paddl"


def test_the_row_whose_range_holds_the_amount_given_is_chosen() -> None:
    got = reply("my ebike battery says 620 Wh on it", EBIKES)
    assert got.startswith("Battery: Battery from 500 to 750 Wh")
    assert "up to 500 Wh" not in got and "over 750" not in got


def test_ranges_are_read_with_their_units_and_open_ends() -> None:
    assert stated_ranges("Bags from 20 to 32 kg pay a fee.") == ((20.0, 32.0, "kg"),)
    assert stated_ranges("A bag over 23 kg and up to 32 kg pays a fee.") == ((23.0, 32.0, "kg"),)
    assert stated_ranges("Trips take 3 to the island.") == ()
    assert amounts("my kayak is 4.5 m and 22kg") == ((4.5, "m"), (22.0, "kg"))
    assert in_range(amounts("it is 25 kg"), stated_ranges("over 23 kg and up to 32 kg")) == 1.0
    assert in_range(amounts("it is 25 kg"), stated_ranges("up to 23 kg")) == -1.0
    assert in_range(amounts("it is 25 kg"), stated_ranges("up to 240 cm")) == 0.0


def test_a_word_naming_the_kind_is_covered_by_a_sentence_of_that_kind() -> None:
    got = reply("whats the deadline for an appeal", APPEALS)
    assert got.startswith("Write to the appeals office within 6 weeks")


def test_at_most_and_the_max_are_answered_by_a_stated_limit() -> None:
    got = reply("for how many nights at most (pitch)", STAYS)
    assert "Up to 14 nights per stay" in got
    got = reply("whats the max number of people on a pitch", STAYS)
    assert "up to 6 people" in got


def test_both_sides_of_a_comparison_are_answered() -> None:
    got = reply("what does a week pass cost vs a day pass", PASSES_WEEK, PASSES_DAY)
    assert "40 EUR" in got
    assert "9 EUR" in got


def test_how_do_i_answers_with_a_short_section_whole() -> None:
    got = reply("how do i apply for the harbour club", MEMBERSHIP)
    assert got.startswith("Residents of the island who hold a harbour card")
    assert "Apply once at the harbour office" in got


def test_a_problem_to_fix_gets_the_sentence_that_states_its_condition() -> None:
    got = reply("my cabin light isnt green anymore what do i do", LIGHTS)
    assert got.startswith("If the cabin light is not green")
    assert "Press the reset key for 5 seconds." in got


def test_why_prefers_the_sentence_that_gives_reasons() -> None:
    assert intent_of("why is my mooring bill so high").kind == "reason"
    got = reply("why is my mooring bill higher this month", BILLS)
    assert "Common reasons are" in got


def test_a_size_asked_that_no_passage_states_is_not_answered() -> None:
    found = answer("what size is a pitch", [STAYS, APPEALS], analyzer=Analyzer())
    assert found.refused


def test_the_new_patterns_read_long_tokens_in_linear_time() -> None:
    def run(n: int) -> None:
        for token in ("9" * n, "a" * n, "9," * (n // 2), "9 " * (n // 2)):
            stated_ranges(f"from {token} to 5 kg up to {token} kg")
            amounts(f"it is {token} kg")
            intent_of.__wrapped__(f"how long can {token} be how much {token} weigh vs {token}")
            reply(f"how many {token} bags does it get", LUGGAGE)

    grows_linearly(run, 100_000)


def test_how_will_i_know_answers_with_what_happens_when() -> None:
    refunds = (
        "# Ferry refunds\n\n## Refunds\nRefunds go back to the card you paid with. "
        "Card refunds take 4 days. You get a text message when the refund is sent.\n"
    )
    assert intent_of("how do i know the refund went out").kind == "signal"
    got = reply("how do i know the refund was sent", refunds)
    assert got.startswith("You get a text message when the refund is sent.")


def test_a_sentence_said_before_that_adds_an_amount_is_not_a_repeat() -> None:
    from stanchion.providers.local.context import Context
    from stanchion.providers.local.part import read_part

    analyzer = Analyzer()
    fares = (
        "# Ferry fares\n\n## Bikes\n"
        "Bikes ride free on weekday and holiday sailings, at weekends 6 EUR.\n"
        "Bikes ride free on weekday and holiday sailings, at weekends they pay.\n"
    )
    said = "Bikes ride free on weekday and holiday sailings, at weekends they pay."
    candidates = [(0, s) for s in analyzer.sentences(fares)]
    part = read_part("and at weekends? (bikes)", candidates, analyzer, Context(said=said))
    with_amount, as_said = (s for _, s in candidates)
    assert part.repeats(as_said)
    assert not part.repeats(with_amount)


BAKER = """# Bread maker

## About it
The Crumb Oven kneads, proves and bakes a loaf in about four hours. The Crumb Oven has a
2-year guarantee.

## Care
Wipe the pan after each loaf.
"""


def test_a_duration_bound_to_an_unasked_noun_does_not_answer_how_long_until() -> None:
    """ "a 2-year guarantee" is the guarantee's time: "how long til it bakes" wants the
    sentence stating the baking time, whatever else it says."""
    got = answer("how long til the crumb oven finishes a loaf", [BAKER], analyzer=Analyzer())
    assert "four hours" in got.text and "guarantee" not in got.text


def test_a_duration_bound_to_the_asked_noun_still_answers() -> None:
    got = answer("how long is the guarantee on the crumb oven", [BAKER], analyzer=Analyzer())
    assert "2-year guarantee" in got.text


KAYAK_HIRE = """# Kayak hire

## Bookings
Book a kayak at the boathouse desk or online. Bookings can be changed free of charge up to
48 hours before the start. Changing a booking is done from the confirmation email.
"""


def test_a_window_to_act_asks_for_a_duration() -> None:
    """ "the change window" names a period: the sentence stating one answers it, not the one
    that only shares "change" and "booking"."""
    assert intent_of("whats the change window for a booking").kind == "duration"
    assert intent_of("is there an app for windows").kind is None
    got = answer("whats the change window for a booking", [KAYAK_HIRE], analyzer=Analyzer())
    assert got.text == "Bookings can be changed free of charge up to 48 hours before the start. [1]"


TRADE_IN = """# Phone trade-in

## Sending a phone in
Trade-in phones are sent in with a prepaid sleeve. A replacement sleeve costs 4 USD and a
courier pickup for trade-in phones costs 9 USD.

## Value
A working phone you trade in is credited at 60 USD to your account.
"""


def test_what_is_paid_to_the_asker_is_the_sentence_saying_it_is_credited() -> None:
    """ "what do you pay me" asks what the asker receives: "credited at 60 USD", not the
    price the asker pays for a pickup, which shares more of the question's words."""
    got = answer("what do u pay me for trade-in phones i send in", [TRADE_IN], analyzer=Analyzer())
    assert got.text.startswith("A working phone you trade in is credited at 60 USD")
