"""A rate asked as an adverb is the rate written with "per" ("is there a daily limit":
"2 lane swims per day"; "weekly" stems to "week" already), and "what times" asks the
times of day. Documents and questions are written for these
tests (a swimming club), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.intent import intent_of
from stanchion.providers.local.sentences import Analyzer

CLUB = """# Memberships

## Lane swimming
| Membership | Swims per day | Guest passes per month |
|---|---|---|
| Splash | 1 | 1 |
| Wave | 2 | 2 |
| Tide | no daily limit | 4 |

## Junior squad
Members may book up to 2 lane swims per day, online or at reception.
One booking can hold up to 4 lane swims for a family.
Junior squad training is for swimmers aged 8 to 16 and needs a coach's assessment first.
Sessions run on Tuesdays and Thursdays, 17:30 to 19:00, in the learner pool.
Squad swimmers need a Splash or Wave membership at the junior price.
"""


def ask(question: str, history: list[tuple[str, str]] | None = None) -> str:
    return answer(question, [CLUB], analyzer=Analyzer(), history=history).text


def test_a_daily_limit_is_the_sentence_that_counts_per_day() -> None:
    # not the row that writes "daily" of another plan's swims
    got = ask("is there a daily cap on lane swims")
    assert got.startswith("Members may book up to 2 lane swims per day"), got


def test_what_times_asks_the_times_of_day() -> None:
    assert intent_of("what times?").kind == "clock"
    assert intent_of("which times are free").kind == "clock"
    history = [
        ("user", "do you have squad training for kids"),
        ("assistant", "Yes, junior squad training is for swimmers aged 8 to 16."),
    ]
    got = ask("what times? (squad, kids)", history)
    assert got.startswith("Sessions run on Tuesdays and Thursdays, 17:30 to 19:00"), got
