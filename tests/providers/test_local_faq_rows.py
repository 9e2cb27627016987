"""FAQ pages and wide tables as the `local` responder reads them (issue 15, sent3): a line
wholly in bold is a heading ("**How long can I keep it?**"), and a question heading lends
its words to the first sentence of its answer; a table row is about its first value, and
the row the question names read in the column it asks for answers it; a follow-up that
names only a column takes the row the previous turn named. Documents and questions are
written for these tests (a bicycle hire shop), not taken from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer, request_context
from stanchion.providers.local.features import cell
from stanchion.providers.local.part import read_part
from stanchion.providers.local.sentences import Analyzer, split_sentences

HIRE_FAQ = """# Bike hire: questions and answers

**How long can I keep a hired bike?**
Day hires end at 18:00 on the day of hire. Weekly hires end after 7 days.

**What if I bring it back late?**
Late returns cost 10 EUR for each day.

**No deposit for members.**
Members of the cycling club pay no deposit on any hire.
"""
KEEP = """# Repairs

## How long will you keep my bike for a repair?
Repairs are finished within 3 working days. We store a finished bike for 14 days.
"""
LOST = """# Lost property

## Lost bikes
Staff keep lost property at the front desk.

## How long do you keep lost property?
We hold it for 30 days, then give it to charity.
"""
HIRE_TABLE = """# Prices and shops

## Opening hours

| Shop | Weekdays | Saturday | Sunday |
|---|---|---|---|
| Harbour | 8:00 to 18:00 | 9:00 to 17:00 | closed |
| Old Town | 9:00 to 19:00 | 10:00 to 16:00 | 11:00 to 15:00 |

The Old Town shop opens on Sundays in summer only.

## Prices

| Bike | Per hour | Per day |
|---|---|---|
| Lock, chain or helmet | $2 | $5 |
| Child seat | $3 | $8 |
| City bike | $6 | $25 |
"""


def reply(question: str, *docs: str, history: list[tuple[str, str]] | None = None) -> str:
    titles = [d.splitlines()[0].lstrip("# ") for d in docs]
    return answer(question, list(docs), titles=titles, history=history, analyzer=Analyzer()).text


def test_a_bold_question_line_is_a_heading_not_a_sentence() -> None:
    said = split_sentences(HIRE_FAQ)
    assert "How long can I keep a hired bike?" not in " ".join(s for s in said if "#" not in s)
    assert any(s.startswith("## How long can I keep a hired bike?") for s in said)
    # a bold line that ends with a full stop is a statement, not a heading
    assert not any(s.startswith("## No deposit") for s in said)


def test_the_faq_answer_is_said_without_its_question() -> None:
    got = reply("how long can i keep a hired bike", HIRE_FAQ)
    assert "7 days" in got or "18:00" in got
    assert "How long can I keep" not in got


def test_the_question_heading_names_what_its_first_sentence_answers() -> None:
    # both documents answer a "how long ... keep" question: the one whose heading asks it
    got = reply("how long will you keep my bike after a repair", HIRE_FAQ, KEEP)
    assert "3 working days" in got
    assert "18:00" not in got


def test_a_question_heading_lends_its_words_to_its_answer() -> None:
    # the answer writes none of the question's words; the other section writes them all
    assert best("how long do you keep lost property", LOST).startswith("We hold it for 30 days")


def test_the_row_the_question_names_in_the_column_it_asks() -> None:
    got = reply("is the old town shop open on sunday", HIRE_TABLE)
    assert "11:00 to 15:00" in got


def best(question: str, doc: str, history: list[tuple[str, str]] | None = None) -> str:
    analyzer = Analyzer()
    ctx, candidates = request_context([doc], None, None, None, history, None, analyzer)
    part = read_part(question, candidates, analyzer, ctx)
    return max(candidates, key=part.score)[1].text


def test_a_cell_is_the_named_row_in_an_asked_column() -> None:
    analyzer = Analyzer()
    ctx, candidates = request_context([HIRE_TABLE], None, None, None, None, None, analyzer)
    rows = {s.text.split(";")[0]: s for _, s in candidates if s.labels}
    part = read_part("is the old town shop open on sunday", candidates, analyzer, ctx)
    assert cell(part, rows["Shop: Old Town"])
    assert not cell(part, rows["Shop: Harbour"])  # another row
    part = read_part("where is the old town shop", candidates, analyzer, ctx)
    assert not cell(part, rows["Shop: Old Town"])  # no column asked


def test_a_follow_up_naming_a_column_takes_the_row_of_the_previous_turn() -> None:
    history = [("user", "I want a city bike tomorrow"), ("assistant", "We hire city bikes.")]
    assert best("how much per day", HIRE_TABLE, history).startswith("Bike: City bike")
    # without the turn before, no row is named: the shortest row wins the tie
    assert not best("how much per day", HIRE_TABLE).startswith("Bike: City bike")
    # the column names every row shares name no row ("bike" of "Bike: ...")
    history = [("user", "I want a bike tomorrow"), ("assistant", "We hire bikes.")]
    assert not best("how much per day", HIRE_TABLE, history).startswith("Bike: City bike")


UNLOCK = """# Your hire account

## If you forgot your password

1. On the sign-in page, choose **New password**.
2. Enter your e-mail address. We send you a link to set a new password.
3. The link works for **20 minutes**. Open it and type the new password twice.

If you no longer use that e-mail address, bring your hire card to any shop.
"""
APP = """# The hire app

## Problems with the app

- If you forgot your password, set a new one as described in *Your hire account*.
- The app needs a phone made in the last five years.
"""


def test_a_numbered_step_keeps_its_marker() -> None:
    said = split_sentences("1. Open the box. Then read.\n2. Fit the seat.\n\nWe sold 2. Then 3.")
    assert said == ["1. Open the box.", "Then read.", "2. Fit the seat.", "We sold 2.", "Then 3."]


def test_steps_are_given_from_the_first_and_a_pointer_loses_to_the_page() -> None:
    got = reply("I forgot my password. How do I get a new one?", UNLOCK, APP)
    assert got.startswith("On the sign-in page, choose New password.")
    assert "20 minutes" in got
    assert "as described in" not in got
