"""Would a thesaurus close the gate's paraphrase gap? A study (issue 15, gate).

    apt-get install wordnet-base       # WordNet 3.0's database files (/usr/share/wordnet)
    python bench/answerability_wordnet.py [--relations=syn,deriv,hyper] [--credit=0.5]
        [--rounds=100]                 # and the paired bootstrap against the shipped model

Paraphrase is the main cause of the gate's refusals of answerable DEV questions
(``bench/gate_cases.py --tally``): the answering sentence says "fee" where the question
says "cost". This reads WordNet's synsets (``syn``: the words of one sense), derivational
links (``deriv``: "weigh" / "weight") and one step up or down the is-a tree (``hyper``:
"bike" / "bicycle" / "vehicle"), keeps words under the commonest of English
(``query.point.EVERYDAY``), stems them as the index does, installs the table as
``evidence.RELATED`` and prints ``sentence_related`` (a concept the best sentence lacks
counts ``--credit`` when a relative is there) beside ``sentence``: the AUC per app, and LOAO
with ``ask_specific`` (``answerability_loao.py --models``). Without the files it prints
``skipped``. No project dependency: a study.
"""

from __future__ import annotations

import sys
from pathlib import Path

from answerability_fit import dev_rows
from answerability_loao import compare, print_auc, print_models

from stanchion.knowledge import evidence
from stanchion.knowledge.query.english import commonness
from stanchion.knowledge.query.point import EVERYDAY
from stanchion.knowledge.text import STOPWORDS, normalize_word, stem

WORDNET = Path("/usr/share/wordnet")
POS = ("noun", "verb", "adj", "adv")
LINKS = {"deriv": {"+", "\\"}, "hyper": {"@", "~", "@i", "~i", "&"}}


def _key(offset: str, pos: str) -> str:
    return offset + ("a" if pos == "s" else pos)


def _synsets() -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
    """A synset's key -> (its words, (pointer symbol, target synset key) of each link)."""
    out: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
    for pos in POS:
        for line in (WORDNET / f"data.{pos}").read_text(errors="replace").splitlines():
            if line.startswith(" "):
                continue
            f = line.split(" | ")[0].split()
            count = int(f[3], 16)
            words = [f[4 + 2 * i].lower() for i in range(count)]
            rest = f[4 + 2 * count :]
            links = [
                (rest[1 + 4 * i], _key(rest[2 + 4 * i], rest[3 + 4 * i]))
                for i in range(int(rest[0]))
            ]
            out[_key(f[0], f[2])] = (words, links)
    return out


def related(relations: set[str]) -> dict[str, frozenset[str]]:
    synsets = _synsets()
    table: dict[str, set[str]] = {}

    def usable(word: str) -> str | None:
        if "_" in word or not word.isalpha() or commonness(word) >= EVERYDAY:
            return None
        w = normalize_word(word)
        return None if w in STOPWORDS else stem(w)

    for words, links in synsets.values():
        mine = {s for s in map(usable, words) if s}
        kin = set(mine) if "syn" in relations else set()
        for symbol, key in links:
            wanted = any(symbol in LINKS[r] for r in relations if r in LINKS)
            if wanted and key in synsets:
                kin |= {s for s in map(usable, synsets[key][0]) if s}
        for s in mine:
            table.setdefault(s, set()).update(kin - {s})
    return {k: frozenset(v) for k, v in table.items() if v}


def main(args: list[str]) -> None:
    if not (WORDNET / "data.noun").exists():
        print(f"skipped: no WordNet database at {WORDNET} (apt-get install wordnet-base)")
        return
    rel = next((a.split("=")[1] for a in args if a.startswith("--relations=")), "syn,deriv")
    evidence.RELATED_CREDIT = float(
        next((a.split("=")[1] for a in args if a.startswith("--credit=")), "1.0")
    )
    evidence.RELATED.update(related(set(rel.split(","))))
    print(f"relations {rel}, credit {evidence.RELATED_CREDIT}: {len(evidence.RELATED)} stems")
    rows = dev_rows()
    print_auc(rows)
    print_models(rows, [(("sentence_related", "ask_specific"), 0.001)])
    rounds = next((int(a.split("=")[1]) for a in args if a.startswith("--rounds=")), 0)
    if rounds:  # the paired bootstrap of answerability_loao.py --compare
        compare(rows, ("sentence_related", "ask_specific"), 0.001, rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
