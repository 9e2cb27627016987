"""The table row a question names ranks first among its neighbours when the row's name
shares a word with a column's ("the Night Lounge": the "Night rate" column): the column
asked is read in the named row too, not only in the rows named otherwise. Documents and
questions are written for this test (a ferry line's cabins), not taken from any
evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import request_context
from stanchion.providers.local.part import read_part
from stanchion.providers.local.sentences import Analyzer

CABINS = """# Cabins on board

## Cabin prices
| Cabin | Berths | Night rate | Day rate |
|---|---|---|---|
| Deck 2, Lounge Seats | 2 | 40 EUR per crossing | 15 EUR per crossing |
| Deck 3, Lounge Cabin | 4 | 65 EUR per crossing | 25 EUR per crossing |
| Deck 5, Night Lounge | 12 | 30 EUR per crossing | 10 EUR per crossing |
| Deck 6, Lounge Suite | 2 | 95 EUR per crossing | 35 EUR per crossing |
"""


def test_the_row_named_ranks_first_when_its_name_shares_a_word_with_a_column() -> None:
    analyzer = Analyzer()
    ctx, candidates = request_context([CABINS], None, None, None, None, None, analyzer)
    asked = "What does the Night Lounge on deck 5 cost for our group of friends travelling?"
    part = read_part(asked, candidates, analyzer, ctx)
    best = max(candidates, key=part.score)[1]
    assert "Night Lounge" in best.text, best.text
