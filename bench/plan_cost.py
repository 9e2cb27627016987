"""CPU of the question planner per request (issue 15): every DEV question of the example's
messy sets, appb and appc planned as served (parts, follow-ups, retrieval, answerability),
with the planner's and the retriever's memories emptied before each round so nothing is
answered from memory.

    python bench/plan_cost.py [--rounds=5]

Prints process-CPU microseconds per request (the median round) per app. Run it on two
trees side by side (PYTHONPATH=<tree>/src, alternating) and compare ratios; it never
asserts. Held-out rows are filtered out before anything is read.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import answerability_fit as fit
import yaml

K = 4


def _clear(planner: Any) -> None:
    planner._plans.clear()
    subject = getattr(planner, "subject", None)
    if hasattr(subject, "clear"):
        subject.clear()
    for name in ("_subjects",):
        if isinstance(getattr(planner, name, None), dict):
            getattr(planner, name).clear()
    r = planner.retriever
    for name in ("_parsed",):
        if isinstance(getattr(r, name, None), dict):
            getattr(r, name).clear()


def cost(tmp: Path, app: Path, sets: dict[str, tuple[Path, str | None]], rounds: int) -> float:
    raw = yaml.safe_load((app / "stanchion.yaml").read_text())["knowledge"]
    knowledge = fit.knowledge_at(tmp, app, raw, app.name)
    asyncio.run(knowledge.start())
    planner = knowledge.planner
    convs = [
        (turns, reply)
        for path, split in sets.values()
        for _, turns, _, reply in fit.questions(path, split)
    ]
    per: list[float] = []
    for _ in range(rounds):
        _clear(planner)
        start = time.process_time()
        for turns, reply in convs:  # as served: the turns cut and unabbreviated, the reply read
            fit.as_served(planner, turns, reply, K)
        per.append((time.process_time() - start) / len(convs) * 1e6)
    knowledge.close()
    return statistics.median(per)


def main(args: list[str]) -> None:
    rounds = int(next((a.split("=", 1)[1] for a in args if a.startswith("--rounds=")), "5"))
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, folder, app, sets in fit.dev_apps(tmp):
            print(f"{name:8} {cost(folder, app, sets, rounds):8.0f} us/request")


if __name__ == "__main__":
    main(sys.argv[1:])
