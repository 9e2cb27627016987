"""Which of the answerability gate's vetoes earn their place, per DEV source (issue 15).

    python bench/gate_vetoes.py                # the table
    python bench/gate_vetoes.py --json=out.json  # and every changed question by id

A veto refuses a question outright (score 0) when the question asks for something the
passages do not hold: a named thing, an unseen point, a number, a table row... Each is
admitted on the DEV questions it fixes; this bench asks the converse for every veto at once:
with that veto alone switched off (its function returning nothing), which DEV questions does
the gate decide otherwise? An unanswerable question the gate now lets through is one the veto
declines (a help); an answerable one it now lets through is one the veto wrongly refuses (a
harm). Counted per source (clapnq as written and messy, the example app's four DEV sets, appb,
appc), so that a veto that helps on one app only and harms elsewhere shows as what it is: fitted
to that app. The gate's decision only (``Planner.plan_sync``, as ``answerability_fit.py`` and
``gate_cases.py`` run it: every DEV source, never a held-out split); whether the responder then
answers is ``answers.py``'s.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import answerability_fit as fit
import yaml
from answerability_clapnq import clapnq_planner, messy_clapnq

from stanchion.knowledge import answerability, evidence, plan
from stanchion.knowledge.plan import Planner
from stanchion.knowledge.spec import Answerability

Question = tuple[str, str, list[str], bool, str]  # source, id, user turns, answerable, reply
# (module, attribute, what stands in for it while the veto is off)
NOTHING: Callable[..., list[str]] = lambda *_a, **_k: []  # noqa: E731
VETOES: dict[str, tuple[Any, str, Callable[..., Any]]] = {
    "missing_names": (answerability, "missing_names", NOTHING),
    "novel_points": (answerability, "novel_points", NOTHING),
    "unlisted_numbers": (answerability, "unlisted_numbers", NOTHING),
    "unoffered": (answerability, "unoffered", NOTHING),
    "named_kinds": (answerability, "named_kinds", NOTHING),
    "unlisted_row": (answerability, "unlisted_row", NOTHING),
    "foreign_currency": (evidence, "foreign_currency", NOTHING),
    "unsold (catalog)": (Planner, "_unsold", NOTHING),
    "inherited (leans on a part)": (plan, "_vetoed", lambda part, _missing: part),
}


@contextmanager
def off(name: str) -> Iterator[None]:
    owner, attr, stand_in = VETOES[name]
    kept = owner.__dict__[attr]
    setattr(owner, attr, stand_in)
    try:
        yield
    finally:
        setattr(owner, attr, kept)


def refused(planner: Planner, q: Question) -> bool:
    return fit.as_served(planner, q[2], q[4]).decision == "refuse"


def sources(tmp: Path) -> Iterator[tuple[Planner, list[Question]]]:
    """Each DEV app's planner with its questions (the planner closed after use)."""
    planner, beir, index = clapnq_planner(tmp / "clapnq", Answerability())
    qs: list[Question] = [
        ("clapnq", str(q["_id"]), [q["text"]], bool(q["answerable"]), "")
        for q in beir.queries
        if fit.half(str(q["_id"])) == "dev"
    ]
    qs += [("clapnq_messy", i, turns, ok, "") for i, turns, ok, _ in messy_clapnq()]
    yield planner, qs
    index.close()
    for _, folder, app, sets in fit.dev_apps(tmp):
        raw = yaml.safe_load((app / "stanchion.yaml").read_text())["knowledge"]
        knowledge = fit.knowledge_at(folder, app, raw, app.name)
        asyncio.run(knowledge.start())
        qs = [(s, *q) for s, (p, sp) in sets.items() for q in fit.questions(p, sp)]
        yield knowledge.planner, qs
        knowledge.close()


def ablate(planner: Planner, qs: list[Question]) -> dict[str, list[tuple[str, str, bool]]]:
    """Per veto, the questions (source, id, answerable) refused with it and not without it."""
    base = [refused(planner, q) for q in qs]
    changed: dict[str, list[tuple[str, str, bool]]] = {}
    for name in VETOES:
        with off(name):
            now = [refused(planner, q) for q in qs]
        changed[name] = [
            (s, i, ok) for (s, i, _, ok, _), b, n in zip(qs, base, now, strict=True) if b and not n
        ]
    return changed


def table(changed: dict[str, list[tuple[str, str, bool]]], names: list[str]) -> None:
    print("what each veto alone decides on DEV: declines unanswerable (+) / refuses answerable (-)")
    print(f"{'veto':30}" + "".join(f"{n[:12]:>13}" for n in names) + f"{'all':>9}")
    for veto, qs in changed.items():
        cells, plus, minus = [], 0, 0
        for n in names:
            p = sum(1 for s, _, ok in qs if s == n and not ok)
            m = sum(1 for s, _, ok in qs if s == n and ok)
            plus, minus = plus + p, minus + m
            cells.append(f"+{p}/-{m}" if p or m else ".")
        print(f"{veto:30}" + "".join(f"{c:>13}" for c in cells) + f"{f'+{plus}/-{minus}':>9}")


def main(args: list[str]) -> None:
    changed: dict[str, list[tuple[str, str, bool]]] = {name: [] for name in VETOES}
    names: list[str] = []
    with tempfile.TemporaryDirectory() as t:
        for planner, qs in sources(Path(t)):
            names += [s for s in dict.fromkeys(s for s, *_ in qs) if s not in names]
            print(f"{len(qs)} questions of {', '.join(dict.fromkeys(s for s, *_ in qs))}...")
            for veto, hits in ablate(planner, qs).items():
                changed[veto] += hits
    table(changed, names)
    out = next((a.split("=", 1)[1] for a in args if a.startswith("--json=")), None)
    if out:
        Path(out).write_text(json.dumps(changed, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
