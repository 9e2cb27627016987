"""Fit and cross-validate the answerability model (issue 15) on realistic DEV questions.

    python bench/answerability_fit.py            # LOSO figures, the curve, at the shipped weights
    python bench/answerability_fit.py --fit      # refit: prints WEIGHTS and THRESHOLD to ship
    python bench/answerability_fit.py --fit --only=coverage,rarest,ask_specific
        # the same protocol over the named subsets (repeatable) and the shipped one only;
        # every subset of up to three of all candidates takes over an hour on two shared cores
    python bench/answerability_loao.py --auc     # each candidate's AUC per app; see there

Sources (DEV only; the *-heldout files are never read here):
- clapnq: the queries of the DEV half (sha256 of the id) over the clapnq corpus, and
  clapnq_messy: the same corpus asked as customers type (bench/data/clapnq/queries-dev.jsonl:
  typos, no articles, chatty prefixes, two questions joined), its DEV file only;
- messy, messy2, messy3, messy4: the example app's dev files (examples/support-assistant/evals/
  *-dev.jsonl), served by the example's own knowledge spec (glossary, catalog) through
  ``Planner``;
- appb, appc, appd, appe, appf, appg: the DEV split of each other app's questions (a utility,
  an airline's baggage desk, a scheduling SaaS, two library networks, a mobile carrier;
  ``dev_sets.DEV_APPS``), so that no source is one app's only. apph, appi, appj and the blind
  set are never read: they are the unseen apps.

Leave-one-APP-out (LOAO): fit on the other apps, choose the threshold on them, report the
left-out one. The apps are clapnq (both wordings: one corpus), the example (its four sets
share one corpus) and the DEV apps; the worst app is the figure to quote. Features
(subsets of up to three) and the L2 strength are chosen by the average of the mean and the
worst held-out app. Leave-one-source-out (the ten sources) is printed beside it. The shipped
threshold is chosen on out-of-fold scores (5 folds stratified by source and label), never
on held-out data. The example app's own threshold (its spec's
``knowledge.answerability.threshold``: the per-app calibration a team does with its
labelled questions) is chosen on the same out-of-fold scores of its four sources only.
Candidates measured and not shipped, with their figures: docs/grounding.md ("Evidence that
holds across apps", "How a question asks").
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from answerability_clapnq import CLAPNQ as CLAPNQ  # re-exported: answers_semantic reads it
from answerability_clapnq import clapnq_planner, messy_clapnq
from dev_sets import (  # re-exported: the gate benches read them as fit.<name>
    APP as APP,
)
from dev_sets import (
    APPB as APPB,
)
from dev_sets import (
    DATA as DATA,
)
from dev_sets import (
    DEV_APPS as DEV_APPS,
)
from dev_sets import (
    EXAMPLE_SETS as EXAMPLE_SETS,
)
from dev_sets import (
    Item as Item,
)
from dev_sets import (
    Sets as Sets,
)
from dev_sets import (
    app_sets as app_sets,
)
from dev_sets import (
    appb_sets as appb_sets,
)
from dev_sets import (
    as_served as as_served,
)
from dev_sets import (
    dev_apps as dev_apps,
)
from dev_sets import (
    half as half,
)
from dev_sets import (
    knowledge_at as knowledge_at,
)
from dev_sets import (
    questions as questions,
)

from stanchion.knowledge import answerability, evidence
from stanchion.knowledge.plan import Planner
from stanchion.knowledge.spec import Answerability

SOURCES = ("clapnq", "clapnq_messy", *EXAMPLE_SETS, *DEV_APPS)
# The apps whose generalisation is judged: the example's four sets share one corpus, so
# leaving one of them out still trains on its documents; leave-one-APP-out does not.
APPS = {
    "clapnq": "clapnq",
    "clapnq_messy": "clapnq",
    **{s: "example" for s in EXAMPLE_SETS},
    **{a: a for a in DEV_APPS},
}
L2_GRID = (0.001, 0.01)
ALL_FEATURES = (
    "coverage",
    "sentence",
    "coverage_all",
    "sentence_all",
    "rarest",
    "novelty",
    "terse_novelty",
    "unmatched",
    "size",
    "matched",
    "ask_coverage",
    "ask_specific",
    "coverage_specific",
    "sentence_unseen",
    *evidence.CANDIDATES,
    *evidence.VARIANTS,
    *evidence.POINTED,
)


@dataclass
class Row:
    source: str
    id: str
    answerable: bool
    parts: list[dict[str, float] | None]  # None: nothing to judge, or a named thing missing


def _rows(planner: Planner, source: str, items: list[Item]) -> list[Row]:
    out = []
    for ex_id, turns, ok, reply in items:
        plan = as_served(planner, turns, reply)
        parts = []
        for p in plan.parts:
            vetoed = p.assessment.missing or not p.assessment.features
            parts.append(None if vetoed else dict(p.assessment.features))
        out.append(Row(source, ex_id, ok, parts))
    return out


def app_rows(tmp: Path, app: Path, sets: dict[str, tuple[Path, str | None]]) -> list[Row]:
    """The app's DEV questions through its own knowledge spec (glossary, catalog)."""
    raw = yaml.safe_load((app / "stanchion.yaml").read_text())["knowledge"]
    knowledge = knowledge_at(tmp, app, raw, app.name)
    asyncio.run(knowledge.start())
    rows = []
    for name, (path, split) in sets.items():
        rows += _rows(knowledge.planner, name, questions(path, split))
    knowledge.close()
    return rows


def clapnq_rows(tmp: Path) -> list[Row]:
    """clapnq's DEV half as written, and its DEV file's messy wording (``clapnq_messy``)."""
    planner, beir, index = clapnq_planner(tmp, Answerability())
    items = [
        (str(q["_id"]), [q["text"]], bool(q["answerable"]), "")
        for q in beir.queries
        if half(str(q["_id"])) == "dev"
    ]
    messy = [(i, turns, ok, "") for i, turns, ok, _ in messy_clapnq()]
    rows = _rows(planner, "clapnq", items) + _rows(planner, "clapnq_messy", messy)
    index.close()
    return rows


Names = tuple[str, ...]


def _z(w: list[float], x: list[float]) -> float:
    return w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True))


def prob(w: list[float], x: list[float]) -> float:
    z = max(-30.0, min(30.0, _z(w, x)))
    return 1.0 / (1.0 + math.exp(-z))


def vec(d: dict[str, float], names: Names) -> list[float]:
    return [d[n] for n in names]


def score(w: list[float], row: Row, names: Names) -> float:
    return max((prob(w, vec(x, names)) for x in row.parts if x is not None), default=0.0)


def training_set(
    rows: list[Row], w: list[float], names: Names
) -> list[tuple[list[float], int, float]]:
    """(features of the part the message is judged by, label, sample weight): each source
    and, within it, each label weighs the same."""
    picked = []
    for r in rows:
        xs = [vec(x, names) for x in r.parts if x is not None]
        if xs:
            picked.append((r.source, max(xs, key=lambda x: prob(w, x)), int(r.answerable)))
    count: dict[tuple[str, int], int] = {}
    for s, _, y in picked:
        count[s, y] = count.get((s, y), 0) + 1
    return [(x, y, len(picked) / (len(count) * count[s, y])) for s, x, y in picked]


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and positive definite)."""
    n = len(b)
    m = [[*row[:], v] for row, v in zip(a, b, strict=True)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def newton(data: list[tuple[list[float], int, float]], w: list[float], l2: float) -> list[float]:
    """Weighted L2 logistic regression by Newton's method (IRLS); the intercept is free."""
    total = sum(sw for _, _, sw in data)
    for _ in range(25):
        d = len(w)
        grad = [l2 * w[i] if i else 0.0 for i in range(d)]
        hess = [
            [(l2 + 1e-6 if i == j and i else (1e-6 if i == j else 0.0)) for j in range(d)]
            for i in range(d)
        ]
        for x, y, sw in data:
            xx = [1.0, *x]
            p = prob(w, x)
            g, h = (p - y) * sw / total, p * (1 - p) * sw / total
            for i in range(d):
                grad[i] += g * xx[i]
                for j in range(d):
                    hess[i][j] += h * xx[i] * xx[j]
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(v) for v in step) < 1e-6:
            break
    return w


def fit(rows: list[Row], l2: float, names: Names) -> list[float]:
    """The part a message is judged by is re-picked under the current weights twice."""
    w = [0.0] * (len(names) + 1)
    for _ in range(3):
        w = newton(training_set(rows, w, names), w, l2)
    return w


def rates(rows: list[Row], scores: list[float], t: float) -> tuple[float, float]:
    """(share of answerable served, share of unanswerable declined) at threshold t."""
    ans = [s >= t for r, s in zip(rows, scores, strict=True) if r.answerable]
    una = [s < t for r, s in zip(rows, scores, strict=True) if not r.answerable]
    return sum(ans) / max(len(ans), 1), sum(una) / max(len(una), 1)


def balanced(rows: list[Row], scores: list[float], t: float) -> float:
    """Mean over sources of the mean of the two rates: every source counts the same."""
    out = []
    for s in {r.source for r in rows}:
        idx = [i for i, r in enumerate(rows) if r.source == s]
        a, u = rates([rows[i] for i in idx], [scores[i] for i in idx], t)
        out.append((a + u) / 2)
    return sum(out) / len(out)


def choose_threshold(rows: list[Row], scores: list[float]) -> float:
    return max((i / 100 for i in range(5, 96)), key=lambda t: balanced(rows, scores, t))


def out_of_fold(rows: list[Row], l2: float, names: Names, folds: int = 5) -> list[float]:
    order = list(range(len(rows)))
    random.Random(15).shuffle(order)
    order.sort(key=lambda i: (rows[i].source, rows[i].answerable))
    scores = [0.0] * len(rows)
    for f in range(folds):
        held = set(order[f::folds])
        w = fit([r for i, r in enumerate(rows) if i not in held], l2, names)
        for i in held:
            scores[i] = score(w, rows[i], names)
    return scores


def loso(
    rows: list[Row], l2: float, names: Names, by_app: bool = True
) -> dict[str, tuple[float, float, float]]:
    """Each app (``by_app``; else each source) left out: fitted and thresholded on the
    others, (threshold, answerable served, unanswerable declined) on the one left out."""
    group = APPS if by_app else {s: s for s in SOURCES}
    out = {}
    for held in dict.fromkeys(group.values()):
        train = [r for r in rows if group[r.source] != held]
        test = [r for r in rows if group[r.source] == held]
        w = fit(train, l2, names)
        t = choose_threshold(train, [score(w, r, names) for r in train])
        a, u = rates(test, [score(w, r, names) for r in test], t)
        out[held] = (t, a, u)
    return out


def report(rows: list[Row], scores: list[float], t: float, label: str) -> None:
    print(f"{label} at threshold {t:.2f}:")
    for s in SOURCES:
        idx = [i for i, r in enumerate(rows) if r.source == s]
        a, u = rates([rows[i] for i in idx], [scores[i] for i in idx], t)
        na = sum(rows[i].answerable for i in idx)
        print(
            f"  {s:7} n={len(idx):3} answerable served {a:.3f} of {na}, "
            f"unanswerable declined {u:.3f} of {len(idx) - na}"
        )


def curve(rows: list[Row], scores: list[float], t_mark: float) -> None:
    """The trade-off on the example app's dev sets: answerable served vs unanswerable served."""
    app = [i for i, r in enumerate(rows) if r.source.startswith("messy")]
    sub, sc = [rows[i] for i in app], [scores[i] for i in app]
    print(
        "trade-off (example app dev, out-of-fold): threshold, answerable served, "
        "unanswerable wrongly served"
    )
    for t in [i / 20 for i in range(1, 19)]:
        a, u = rates(sub, sc, t)
        mark = "  <- default" if abs(t - t_mark) < 0.025 else ""
        print(f"  {t:.2f}  {a:.3f}  {1 - u:.3f}{mark}")


def merit(res: dict[str, tuple[float, float, float]]) -> tuple[float, float, float]:
    """(criterion, mean, worst) of the held-out sources' balanced accuracies: the criterion
    is the average of the mean and the worst, so no source is given up for the others."""
    bal = [(a + u) / 2 for _, a, u in res.values()]
    mean, low = sum(bal) / len(bal), min(bal)
    return (mean + low) / 2, mean, low


def candidates(only: list[Names]) -> list[Names]:
    """Every subset of up to three features, or (``only`` given) those and the shipped one."""
    if only:
        return list(dict.fromkeys([answerability.FEATURES, *only]))
    return [c for size in (1, 2, 3) for c in itertools.combinations(ALL_FEATURES, size)]


def select(rows: list[Row], only: list[Names]) -> tuple[Names, float]:
    """Each candidate subset of features and each L2 strength, judged by LOSO."""
    best: tuple[float, Names, float] = (-1.0, (), 0.0)
    for names in candidates(only):
        for l2 in L2_GRID:
            res = loso(rows, l2, names)
            value, mean, low = merit(res)
            each = " ".join(f"{s} {(a + u) / 2:.3f}" for s, (_, a, u) in res.items())
            print(f"  tried {names} l2={l2}: LOAO mean {mean:.3f}, worst {low:.3f} ({each})")
            if value > best[0] + 1e-9:
                best = (value, names, l2)
    return best[1], best[2]


def dev_rows() -> list[Row]:
    """Every DEV question of every app, with every candidate feature of each part."""
    answerability.EXPLORE = True  # every candidate feature, not only the shipped model's
    with tempfile.TemporaryDirectory() as t:
        (Path(t) / "clapnq").mkdir()
        rows = clapnq_rows(Path(t) / "clapnq")
        for _, tmp, folder, sets in dev_apps(Path(t)):
            rows += app_rows(tmp, folder, sets)
        return rows


def main(refit: bool, only: list[Names]) -> None:
    rows = dev_rows()
    vetoed = sum(all(x is None for x in r.parts) for r in rows)
    print(f"{len(rows)} dev questions ({vetoed} vetoed or with nothing to judge)")
    names, l2 = answerability.FEATURES, answerability.L2
    if refit:
        names, l2 = select(rows, only)
    for by_app in (True, False):
        res = loso(rows, l2, names, by_app)
        for held, (t, a, u) in res.items():
            print(
                f"{'LOAO' if by_app else 'LOSO'} held out {held:7}: threshold {t:.2f} (chosen "
                f"on the others), answerable served {a:.3f}, unanswerable declined {u:.3f}"
            )
        _, mean, low = merit(res)
        print(f"  balanced mean {mean:.3f}, worst {low:.3f}")
    oof = out_of_fold(rows, l2, names)
    t = choose_threshold(rows, oof)
    report(rows, oof, t, "5-fold out-of-fold")
    app = [i for i, r in enumerate(rows) if r.source.startswith("messy")]
    t_app = choose_threshold([rows[i] for i in app], [oof[i] for i in app])
    report(rows, oof, t_app, "the example app's threshold (its own dev sets, out-of-fold)")
    print(
        f"example app: knowledge.answerability.threshold {t_app} "
        f"(generic default {answerability.THRESHOLD})"
    )
    curve(rows, oof, t_app)
    if refit:
        w = fit(rows, l2, names)
        print(f"FEATURES = {names}")
        print(f"WEIGHTS = {tuple(round(v, 3) for v in w)}")
        print(f"L2 = {l2}")
        print(f"THRESHOLD = {t}")
    else:
        shipped = [score(list(answerability.WEIGHTS), r, names) for r in rows]
        report(rows, shipped, answerability.THRESHOLD, "shipped weights (in-sample)")


if __name__ == "__main__":
    args = sys.argv[1:]
    only = [tuple(a.removeprefix("--only=").split(",")) for a in args if a.startswith("--only=")]
    wrong = [a for a in args if a != "--fit" and not a.startswith("--only=")]
    if wrong or any(n not in ALL_FEATURES for c in only for n in c):
        usage = "usage: answerability_fit.py [--fit [--only=a,b,c ...]]"
        sys.exit(f"{usage}; features in {ALL_FEATURES}")
    main("--fit" in args, only)
