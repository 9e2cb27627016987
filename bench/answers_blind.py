"""The blind set (bench/data/blind) through the whole pipeline, as bench/answers.py runs its
sets: the example app copied, served in process on its ``local`` route, scored by
``stanchion.evals.scoring``.

    python bench/answers_blind.py [--failures]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
import answers
from answers_figures import summarize

BLIND = Path(__file__).parent / "data" / "blind" / "questions.jsonl"


def main() -> None:
    rows = [orjson.loads(line) for line in BLIND.read_text().splitlines() if line.strip()]
    args = answers.parse_args(["--sets", "questions", "--splits", "dev"])
    outs, _ = asyncio.run(answers.run_pass(args, [(r, "blind", "heldout") for r in rows], False))
    s = summarize(outs)
    print(
        f"blind set: {s['n']} examples; answerable correct {s['answerable_correct']}, "
        f"unanswerable declined {s['unanswerable_declined']}, accuracy {s['accuracy']}"
    )
    for name, c in sorted(s["categories"].items()):
        print(f"  {name:<12} n={c['n']:<3} accuracy {c['accuracy']}")
    if "--failures" in sys.argv:
        for o in outs:
            if not o.passed:
                print(f"{o.id} {o.category} {o.decision}: {o.answer[:120]!r} ({o.cause})")


if __name__ == "__main__":
    main()
