"""A follow-up that refers by a pronoun to what the assistant's reply just named reads
that table row ("is it open on sundays" after "...our depot at Harbour Road in Dunmore":
the Dunmore row's Sunday hours, not a sentence about depots' Sunday hours in general).
Documents and questions are written for this test (a bike hire's depots), not taken from
any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import request_context
from stanchion.providers.local.part import read_part
from stanchion.providers.local.sentences import Analyzer

DEPOTS = """# Our depots

On public holidays, depots open on Sunday hours and bikes are handed out until noon.

## Depots and hours
| Depot | Address | Opening hours | E-bikes |
|---|---|---|---|
| Kelso Mill Lane | 4 Mill Lane, Kelso | Mon-Sat 8am-6pm, Sun 9am-3pm | yes |
| Dunmore Harbour Road | 19 Harbour Road, Dunmore | Mon-Sat 8:30am-5pm, Sun closed | no |
| Arran Quay | 2 The Quay, Arran | Mon-Sat 9am-5pm, Sun 10am-2pm | yes |
"""
ASKED = "have you got a depot on the coast"


def _best(reply: str, question: str) -> str:
    analyzer = Analyzer()
    history = [("user", ASKED), ("assistant", reply)]
    ctx, candidates = request_context([DEPOTS], ["Depots"], None, None, history, None, analyzer)
    part = read_part(question, candidates, analyzer, ctx)
    return max(candidates, key=part.score)[1].text


def test_it_is_the_row_the_reply_named() -> None:
    reply = "Yes, we have a depot on Harbour Road in Dunmore."
    best = _best(reply, "is it open on sundays (depot)")
    assert best.startswith("Depot: Dunmore Harbour Road"), best


def test_a_reply_naming_two_rows_lends_neither() -> None:
    reply = "Yes: Mill Lane in Kelso, and Harbour Road in Dunmore."
    best = _best(reply, "is it open on sundays (depot)")
    assert not best.startswith("Depot: Dunmore"), best
