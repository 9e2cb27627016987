"""Instructions per ``answerability.assess`` call, for callgrind (stable when busy).

    PYTHONHASHSEED=0 PYTHONPATH=SRC valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python bench/answerability_icount.py N

parses the example app's DEV questions against a vocabulary of its documents, assesses each
once to warm the caches, then N times more in turn. Run it with N=400 and N=0 and divide the
difference of the two "Collected" counts by 400; SRC is a tree's ``src`` (a baseline from
``git archive REV src``), so two trees compare by instructions instead of noisy time.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from stanchion.knowledge.answerability import assess
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import index_terms

APP = Path(__file__).resolve().parent.parent / "examples" / "support-assistant"


def main() -> None:
    n = int(sys.argv[1])
    docs = [(p.stem, p.read_text()) for p in sorted((APP / "docs").glob("*.md"))]
    df = Counter(t for _, text in docs for t in set(index_terms(text)))
    vocab = Vocabulary(len(docs), dict(df))
    questions = [
        json.loads(line)["question"]
        for f in sorted((APP / "evals").glob("messy*-dev.jsonl"))
        for line in f.read_text().splitlines()
        if isinstance(json.loads(line).get("question"), str)
    ]
    cases = [
        (parse(q, vocab, Glossary({})), docs[i % len(docs) :][:3]) for i, q in enumerate(questions)
    ]
    for query, passages in cases:
        assess(query, vocab, passages)
    for i in range(n):
        query, passages = cases[i % len(cases)]
        assess(query, vocab, passages)


if __name__ == "__main__":
    main()
