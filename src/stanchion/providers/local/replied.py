"""What the assistant's last reply named that a follow-up may refer to by a pronoun.

"have you got a store in wales" / "Yes, we have a store on Queen Street in Cardiff." /
"is IT open sundays": "it" is the row the reply named, not the user's "store" (every row is
a store). Only a name the passages tell their rows apart by is lent: a table row's first
value ("Store: Cardiff Queen Street; ..."), when the reply writes all of its words and no
other row's. Any capitalised word of the reply would send "it" elsewhere (a brand the reply
mentions in passing names no row).

>>> from stanchion.providers.local.sentences import Analyzer
>>> rows = ("Store: Leeds Briggate; Sunday: 10am-4pm; Repairs: yes.\\n\\n"
...         "Store: Cardiff Queen Street; Sunday: closed; Repairs: no.")
>>> cands = [(0, s) for s in Analyzer().sentences(rows, "Stores")]
>>> sorted(row_named("We have a store on Queen Street in Cardiff.", cands))
['cardiff', 'queen', 'street']
"""

from __future__ import annotations

from stanchion.knowledge.text import terms
from stanchion.providers.local.sentences import Sentence

Candidate = tuple[int, Sentence]


def row_named(reply: str, candidates: list[Candidate]) -> frozenset[str]:
    """The first-value terms of the one table row the ``reply`` names whole, or none."""
    if not reply:
        return frozenset()
    said = frozenset(terms(reply))
    keys = {s.lead for _, s in candidates if s.labels and s.lead}
    named = [key for key in keys if key <= said]
    return named[0] if len(named) == 1 else frozenset()
