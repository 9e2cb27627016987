"""The answerability gate's misjudged DEV questions, with what it saw (issue 15).

    python bench/gate_cases.py                 # every DEV app, at each app's own threshold
    python bench/gate_cases.py --json=out.json # the same cases as JSON
    python bench/gate_cases.py --tally         # only the count of refusals by cause

For each DEV question of ``answerability_fit.py``'s sources (never a held-out split) whose
gate decision is wrong (an answerable question scored under the threshold, or an
unanswerable one at or over it, vetoes included) it prints the question, the part the
message is judged by, its features, which concepts the best sentence lacks (with their
weights and how each was parsed) and the first passages retrieved. The gate only: whether
the responder then answers correctly is ``answers.py``'s.
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
from answerability_clapnq import clapnq_planner, messy_clapnq

from stanchion.knowledge import answerability
from stanchion.knowledge.base import Passage
from stanchion.knowledge.plan import Planner
from stanchion.knowledge.query.parse import Concept
from stanchion.knowledge.query.point import near, point
from stanchion.knowledge.tables import readable_sentences
from stanchion.knowledge.text import index_terms, terms

SHOWN = 2  # passages printed per case
CHARS = 240  # of each passage's text


def facts_of(path: Path, split: str | None) -> dict[str, list[str]]:
    """The facts each DEV question's answer must hold, by id (the split's rows only)."""
    out = {}
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if split is None or e.get("split") == split:
            out[e["id"]] = [str(f) for f in e.get("facts", [])]
    return out


Bags = tuple[frozenset[str], frozenset[str]]
Sets = dict[str, tuple[Path, str | None]]
CONTEXT = "an earlier turn's or the told story's words"
PARAPHRASE = "paraphrase: the answering sentence says it otherwise"
GOLD = "gold sentence coverage"


def gold_sentence(pairs: list[tuple[str, str]], facts: list[str]) -> Bags | None:
    """The terms (with the title and heading as context) of the first retrieved sentence
    holding one of ``facts`` and of its passage, None when no retrieved sentence holds one."""
    for title, text in pairs:
        context = frozenset(terms(title))
        for raw in readable_sentences(text):
            sentence = raw.strip()
            found = frozenset(index_terms(sentence))
            if sentence.startswith("#"):
                context = frozenset(terms(title)) | found
                continue
            if any(f.lower() in sentence.lower() for f in facts):
                return found | context, answerability.passage_bags(title, text)[0]
    return None


def why(lacks: list[Concept], gold: Bags, whole: frozenset[str]) -> dict[str, float]:
    """The weight of the known concepts the answering sentence lacks (what lowers
    ``sentence``; a word the corpus never saw counts in no coverage), by why it lacks them."""
    out: dict[str, float] = {}
    bag, passage = gold
    for c in lacks:
        if not c.known:
            continue
        if c.how == "context":
            kind = CONTEXT
        elif near(c.key, bag):
            kind = "another word form in the sentence"
        elif c.present(passage):
            kind = "another sentence of the same passage"
        elif point(c.words) <= 0.5 and not c.present(whole):
            kind = "everyday wording (light verb, commonest words)"
        else:  # the sentence says it in other words (the word may occur in another passage)
            kind = PARAPHRASE
        out[kind] = out.get(kind, 0.0) + c.weight
    return out


def cause(c: dict[str, Any]) -> str:
    """The main reason the gate refused an answerable question."""
    if c["missing"]:
        return "vetoed: a named thing or unseen point the passages lack"
    if not c["retrieved"]:
        return "no retrieved sentence holds the answer (retrieval)"
    weights = {k: v for k, v in c["causes"].items() if k != GOLD}
    return max(weights, key=weights.__getitem__) if weights else "none"


def tally(cases: list[dict[str, Any]]) -> None:
    """Refused answerable questions by main cause, per app."""
    apps = list(dict.fromkeys(fit.APPS.values()))
    counts: dict[str, dict[str, int]] = {}
    for c in cases:
        if c["answerable"]:
            row = counts.setdefault(cause(c), dict.fromkeys(apps, 0))
            row[fit.APPS[c["source"]]] += 1
    print("refused answerable, by main cause: " + " ".join(f"{a:>7}" for a in apps))
    for name, row in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"  {name:58} " + " ".join(f"{row[a]:7}" for a in apps))
    wrong = [c for c in cases if not c["answerable"]]
    full = [c for c in wrong if c["features"].get("sentence", 0) >= 0.999]
    unseen = [c for c in full if any(not known for *_, known in c["concepts"])]
    print(
        f"answered unanswerable: {len(wrong)}, of which every known word in one sentence "
        f"{len(full)} (with a word the corpus never uses: {len(unseen)})"
    )


def _weight(concepts: list[Concept], bag: frozenset[str] | None) -> float:
    """The weight of the concepts ``bag`` holds (all of them with None)."""
    return float(sum(c.weight for c in concepts if bag is None or c.present(bag)))


def gold_passage(passages: list[Passage], gold: set[str], known: list[Concept]) -> Bags | None:
    """Without facts (clapnq: relevant passages by id): the best sentence of the first
    retrieved relevant passage, and that passage's terms."""
    for p in passages:
        if p.doc_id in gold:
            whole, sentences = answerability.passage_bags(p.title, p.text)
            empty: tuple[frozenset[str], ...] = (frozenset(),)
            best = max(sentences or empty, key=lambda b: _weight(known, b))
            return best, whole
    return None


def _case(
    planner: Planner,
    source: str,
    ex_id: str,
    turns: list[str],
    ok: bool,
    facts: list[str],
    gold_ids: set[str] | None = None,
    reply: str = "",
) -> Any:
    plan = fit.as_served(planner, turns, reply)
    best = max(plan.parts, key=lambda p: p.assessment.score, default=None)
    if best is None:
        return None
    score = best.assessment.score
    if (score >= planner.threshold) == ok:
        return None
    pairs = [(p.title, p.text) for p in best.passages]
    bags = [b for t, x in pairs for b in answerability.passage_bags(t, x)[1]] or [frozenset()]
    judged = best.query.judged()
    known = [c for c in judged if c.known]
    top = max(bags, key=lambda b: sum(c.weight for c in known if c.present(b)))
    lacks = [
        {"words": c.words, "how": c.how, "w": round(c.weight, 2), "known": c.known}
        for c in judged
        if not c.present(top)
    ]
    if gold_ids is None:
        gold = gold_sentence([(p.title, p.text) for p in plan.passages] + pairs, facts)
    else:
        gold = gold_passage([*best.passages, *plan.passages], gold_ids, known)
    whole = frozenset().union(*(answerability.passage_bags(t, x)[0] for t, x in pairs))
    causes = None
    if ok and gold is not None:
        causes = why([c for c in judged if not c.present(gold[0])], gold, whole)
        causes[GOLD] = _weight(known, gold[0]) / _weight(known, None)
    return {
        "source": source,
        "retrieved": gold is not None,
        "causes": causes,
        "id": ex_id,
        "answerable": ok,
        "turns": turns,
        "part": best.question,
        "score": round(score, 3),
        "threshold": planner.threshold,
        "missing": best.assessment.missing,
        "features": {k: round(v, 3) for k, v in best.assessment.features.items()},
        "concepts": [(c.words, c.how, round(c.weight, 2), c.known) for c in judged],
        "best_sentence_lacks": lacks,
        "passages": [(t, x[:CHARS]) for t, x in pairs[:SHOWN]],
    }


def app_cases(tmp: Path, app: Path, sets: Sets) -> list[Any]:
    raw = yaml.safe_load((app / "stanchion.yaml").read_text())["knowledge"]
    knowledge = fit.knowledge_at(tmp, app, raw, app.name)

    asyncio.run(knowledge.start())
    out = []
    for name, (path, split) in sets.items():
        facts = facts_of(path, split)
        for ex_id, turns, ok, reply in fit.questions(path, split):
            out.append(_case(knowledge.planner, name, ex_id, turns, ok, facts[ex_id], None, reply))
    knowledge.close()
    return [c for c in out if c is not None]


def clapnq_cases(tmp: Path) -> list[Any]:
    """clapnq's DEV half as written and its DEV file's messy wording (``clapnq_messy``)."""
    from stanchion.knowledge.spec import Answerability

    planner, beir, index = clapnq_planner(tmp, Answerability())
    out = [
        _case(
            planner,
            "clapnq",
            str(q["_id"]),
            [q["text"]],
            bool(q["answerable"]),
            [],
            beir.qrels.get(str(q["_id"]), set()),
        )
        for q in beir.queries
        if fit.half(str(q["_id"])) == "dev"
    ]
    for ex_id, turns, ok, gold in messy_clapnq():
        out.append(_case(planner, "clapnq_messy", ex_id, turns, ok, [], gold))
    index.close()
    return [c for c in out if c is not None]


def main(args: list[str]) -> None:
    answerability.EXPLORE = True
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        (tmp / "clapnq").mkdir()
        cases = clapnq_cases(tmp / "clapnq")
        for _, folder, app, sets in fit.dev_apps(tmp):
            cases += app_cases(folder, app, sets)
    out = next((a.split("=", 1)[1] for a in args if a.startswith("--json=")), None)
    if out:
        Path(out).write_text(json.dumps(cases, indent=1))
    for c in cases if "--tally" not in args else []:
        kind = "REFUSED answerable" if c["answerable"] else "ANSWERED unanswerable"
        print(f"== {c['source']} {c['id']} {kind} score {c['score']} (t {c['threshold']})")
        print(f"   turns: {c['turns']}")
        print(f"   part: {c['part']}  missing={c['missing']}")
        f = c["features"]
        print(f"   sentence {f.get('sentence')} ask_specific {f.get('ask_specific')}")
        print(f"   concepts: {c['concepts']}")
        print(f"   best sentence lacks: {c['best_sentence_lacks']}")
        for title, text in c["passages"]:
            print(f"   [{title}] {text!r}")
    tally(cases)


if __name__ == "__main__":
    main(sys.argv[1:])
