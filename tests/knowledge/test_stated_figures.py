"""What a table row or list states by its figures and nouns, read by the answerability gate
(``knowledge.stated``, ``derivation.verb_of``, issue 15): a range of clock times is when a
place opens and closes, an amount of money is a price, a fee, a rate; an "-al" noun of a
verb ("renewals") states the verb. Also "how many TIMES" as the count asked and "hrs" as
hours. The swimming pool, its timetable and questions are written for these tests, not taken
from any evaluation set.
"""

from __future__ import annotations

from collections import Counter

import pytest
from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.asking import answer_wording
from stanchion.knowledge.derivation import base_of, verb_of
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.stated import derived_verbs, stated
from stanchion.knowledge.table_rows import unlisted_row
from stanchion.knowledge.text import index_terms, stem

TIMES = """## Pool timetable

| Pool | Weekdays | Saturday | Sunday |
|---|---|---|---|
| Marlow Baths | 6:30 to 21:00 | 8:00 to 18:00 | closed |
| Quayside Lido | 7am - 7pm | 9am - 5pm | 9am - 1pm |"""
PRICES = """## Lane hire

| Who is hiring | Main pool | Teaching pool |
|---|---|---|
| Swimming clubs | $30 per hour | $18 per hour |
| Private coaches | $55 per hour | $35 per hour |"""
RULES = """## Bringing things

- Floats and fins are welcome in the teaching pool.
- A swim bag may weigh up to 8 kg in the poolside racks.
- Glass bottles are not allowed anywhere on poolside."""
PASSES = """## Passes

| Pass | Valid for | Renewals | Guest visits |
|---|---|---|---|
| Splash Monthly | 30 days | 6 | 2 |
| Ripple Annual | 365 days | none | 10 |"""
OTHER = (
    "Lockers take a one pound coin, which is returned. Towels are sold at reception. "
    "The Marlow Baths Sunday opening will start next year. Swimming lessons last thirty "
    "minutes, and a lesson missed can be made up within four weeks. A coach is booked at "
    "reception; coaching sessions are for members only. The hourly coach pays to hire lanes. "
    "Changing rooms close ten minutes before the pool does, and the lido shuts in storms. "
    "Members pay a lower rate. Family passes have no limit on children's visits."
)
POOL = [
    ("Opening times", TIMES),
    ("Prices", PRICES),
    ("Membership passes", PASSES),
    ("Pool rules", RULES),
    ("Visiting", OTHER),
]
DF = Counter(t for title, text in POOL for t in set(index_terms(f"{title} {text}")))
VOCAB = Vocabulary(40, dict(DF))


def _score(question: str) -> float:
    return assess(parse(question, VOCAB, Glossary({})), VOCAB, POOL).score


def _best_sentence(question: str) -> float:
    """The share of the question's known words the best sentence holds."""
    return assess(parse(question, VOCAB, Glossary({})), VOCAB, POOL).features["sentence"]


def test_a_range_of_clock_times_states_opening_and_closing() -> None:
    for row in ("Saturday: 8:00 to 18:00.", "Weekdays: 7am - 7pm.", "open 9 a.m. until 5 p.m."):
        assert {"open", "close", "hour"} <= stated(row), row
    for row in ("Allow 2 to 4 weeks.", "Ages 5 to 11 swim free.", "Lanes 3-6 are for clubs."):
        assert not stated(row) & {stem("open"), stem("close")}, row


def test_an_amount_of_money_states_a_price_not_a_battery_charge() -> None:
    for row in ("Private coaches: $55 per hour.", "Guest visit: 4.50 EUR.", "£3 a towel"):
        assert {stem("rate"), stem("fee"), stem("price")} <= stated(row), row
    assert not stated("Main pool: 25 metres, 6 lanes.")
    assert stem("charge") not in stated("Lane hire: $30 per hour.")


def test_a_closing_time_asked_of_a_timetable_row_is_answered() -> None:
    # "close" and "shut" are the corpus's words, but no row of the timetable writes them
    for question in (
        "what time does the quayside lido close on sundays",
        "when does marlow baths shut on saturday",
    ):
        assert _best_sentence(question) == 1.0, question
        assert _score(question) >= 0.45, question


def test_a_rate_asked_of_a_price_row_is_answered() -> None:
    question = "whats the rate for a private coach in the main pool"
    assert _best_sentence(question) == 1.0
    assert _score(question) >= 0.45


def test_a_noun_of_a_verb_states_the_verb() -> None:
    assert [verb_of(w) for w in ("renewal", "arrival", "withdrawal", "referral")] == [
        "renew",
        "arrive",
        "withdraw",
        "refer",
    ]
    nouns = ("signal", "digital", "personal", "hospital", "rental", "several", "natural")
    assert [verb_of(w) for w in nouns] == [None] * len(nouns)
    assert base_of("renewal") is None  # the stemmer leaves it: retrieval is unchanged
    assert derived_verbs("Pass: Splash Monthly; Renewals: 6.") == {stem("renew")}


def test_how_many_times_is_the_count_asked_and_the_row_answers_it() -> None:
    text = "how many times can i renew a splash monthly pass"
    read = answer_wording(parse(text, VOCAB, Glossary({})))
    assert [c.words for c in read.concepts if c.frame and c.words == "times"] == ["times"]
    assert not unlisted_row(read, POOL)
    assert _score(text) >= 0.45


def test_a_row_still_vetoes_what_its_columns_never_say() -> None:
    # the pass rows give renewals and guest visits, never a refund of the pass
    question = parse("can i get a refund on a ripple annual pass", VOCAB, Glossary({}))
    assert unlisted_row(answer_wording(question), POOL)
    assert _score("can i get a refund on a ripple annual pass") == 0.0


@pytest.mark.parametrize("text", ["which swim times suit beginners", "are lane times online"])
def test_times_elsewhere_stays_a_concept(text: str) -> None:
    read = answer_wording(parse(text, VOCAB, Glossary({})))
    assert [c.frame for c in read.concepts if c.words == "times"] == [False]


def test_hrs_alone_is_hours() -> None:
    glossary = Glossary({})
    hrs = parse("marlow baths hrs", VOCAB, glossary)
    hours = parse("marlow baths hours", VOCAB, glossary)
    assert [set(c.alts) for c in hrs.content()] == [set(c.alts) for c in hours.content()]
    mins = parse("free lane hire min", VOCAB, glossary)  # "min" is a minimum as often
    assert not any("minut" in t for c in mins.content() for alt in c.alts for t in alt)


def test_a_figure_up_to_a_maximum_states_a_limit() -> None:
    for line in ("may weigh up to 8 kg", "at most 3 guests", "maximum of 2 bags", "4 max"):
        assert {stem("limit"), stem("maximum")} <= stated(line), line
    for line in ("up to you", "the maximum stay is long", "8 kg bags"):
        assert not stated(line) & {stem("limit")}, line
    # "limit" is the corpus's word (the passes), never the rack rule's
    assert _best_sentence("swim bag weight limit in the poolside racks") == 1.0


@pytest.mark.parametrize("filler", [" ", "1 ", "1:", "up to ", "$", "9am "])
def test_the_figures_are_read_in_linear_time(filler: str) -> None:
    def run(n: int) -> None:
        stated.cache_clear()
        stated(filler * n + "x")

    grows_linearly(run, 40_000)
