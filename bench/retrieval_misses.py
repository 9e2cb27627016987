"""The DEV retrieval misses of issue 15: answerable questions none of whose retrieved passages
holds an expected fact, with where the passage that holds it ranked.

    python bench/retrieval_misses.py            # the example's messy sets, appb and appc (dev)
    python bench/retrieval_misses.py --json=out.json

For each answerable DEV question (never a held-out row: appb and appc rows are filtered by
their ``split`` before anything is read) the planner plans the conversation as served; the
question is a miss when no passage of any part (what the part kept, with the window read
when it is answered) holds one of its facts. For each part of a miss it prints the query
plan (the concepts, how each was found, their weights), the passages kept with their
coverage, and the first passage of the wide ranking (every candidate, no cut-off) holding a
fact: its rank, coverage and section, against the best coverage and the cut-off's floor.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import answerability_fit as fit
import yaml
from gate_cases import facts_of

from stanchion.knowledge.base import Passage
from stanchion.knowledge.plan import Planner
from stanchion.knowledge.tables import readable

WIDE = 200  # candidates ranked when looking for the passage that holds the fact
K = 4


def holds(p: Passage, facts: list[str]) -> bool:
    text = readable(p.text).lower()
    return any(f.lower() in text or f.lower() in p.text.lower() for f in facts)


def _part(planner: Planner, part: Any, facts: list[str]) -> dict[str, Any]:
    r = planner.retriever
    wide, _ = r.window(part.query, WIDE, 0.0)
    best = max((p.score for p in wide), default=0.0)
    at = next(((i, p) for i, p in enumerate(wide) if holds(p, facts)), None)
    return {
        "question": part.question,
        "decision": part.decision,
        "score": round(part.assessment.score, 3),
        "concepts": [(c.words, c.how, round(c.weight, 2), c.known) for c in part.query.concepts],
        "kept": [(p.title, p.section, round(p.score, 2)) for p in part.passages],
        "best": round(best, 2),
        "floor": round(max(r.min_score, r.relative_cutoff * best), 2),
        "gold": None
        if at is None
        else {
            "rank": at[0] + 1,
            "coverage": round(at[1].score, 2),
            "title": at[1].title,
            "section": at[1].section,
            "text": readable(at[1].text)[:200],
        },
    }


ASKED: dict[str, int] = {}  # answerable DEV questions with facts, by set


def misses(planner: Planner, source: str, path: Path, split: str | None) -> list[Any]:
    facts = facts_of(path, split)
    out = []
    for ex_id, turns, ok, reply in fit.questions(path, split):
        if not ok or not facts[ex_id]:
            continue
        ASKED[source] = ASKED.get(source, 0) + 1
        plan = fit.as_served(planner, turns, reply, K)
        got = [p for part in plan.parts for p in part.passages]
        if any(holds(p, facts[ex_id]) for p in got):
            continue
        out.append(
            {
                "source": source,
                "id": ex_id,
                "turns": turns,
                "facts": facts[ex_id],
                "decision": plan.decision,
                "parts": [_part(planner, part, facts[ex_id]) for part in plan.parts],
            }
        )
    return out


def app_misses(tmp: Path, app: Path, sets: dict[str, tuple[Path, str | None]]) -> list[Any]:
    raw = yaml.safe_load((app / "stanchion.yaml").read_text())["knowledge"]
    knowledge = fit.knowledge_at(tmp, app, raw, app.name)
    asyncio.run(knowledge.start())
    out = []
    for name, (path, split) in sets.items():
        out += misses(knowledge.planner, name, path, split)
    knowledge.close()
    return out


def main(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        cases = []
        for _, folder, app, sets in fit.dev_apps(tmp):
            cases += app_misses(folder, app, sets)
    out = next((a.split("=", 1)[1] for a in args if a.startswith("--json=")), None)
    if out:
        Path(out).write_text(json.dumps(cases, indent=1))
    for c in cases:
        print(f"== {c['source']} {c['id']} decision {c['decision']} facts {c['facts']}")
        print(f"   turns: {c['turns']}")
        for p in c["parts"]:
            print(f"   part: {p['question']!r} {p['decision']} {p['score']}")
            print(f"     concepts: {p['concepts']}")
            print(f"     kept: {p['kept']}  best {p['best']} floor {p['floor']}")
            print(f"     gold: {p['gold']}")
    by: dict[str, int] = {}
    cut = 0
    for c in cases:
        by[c["source"]] = by.get(c["source"], 0) + 1
        ranks = [p["gold"]["rank"] for p in c["parts"] if p["gold"]]
        cut += bool(ranks) and min(ranks) <= K
    print("asked:", ASKED)
    print("misses:", by, f"(the fact's passage ranked within k={K} but cut off: {cut})")


if __name__ == "__main__":
    main(sys.argv[1:])
