"""Figures for bench/answers.py: shares per set, split and category, the tables, the
answerability trade-off curve and its plot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from answers_app import Outcome, say, spec_values

from stanchion.knowledge.chunking import chunk_text

COLUMNS = ("n", "answerable_correct", "unanswerable_declined", "accuracy")
MIN_CATEGORY = 3  # a category needs this many examples to be called the worst


def shares(outs: list[Outcome]) -> dict[str, Any]:
    ans = [o for o in outs if o.answerable]
    una = [o for o in outs if not o.answerable]
    return {
        "n": len(outs),
        "answerable": len(ans),
        "unanswerable": len(una),
        "answerable_correct": round(sum(o.passed for o in ans) / len(ans), 4) if ans else None,
        "unanswerable_declined": round(sum(o.passed for o in una) / len(una), 4) if una else None,
        "accuracy": round(sum(o.passed for o in outs) / len(outs), 4) if outs else None,
    }


PARTIAL = "i don't have information about"
TOKEN = re.compile(r"[a-z]+|\d+")


def loose(text: str) -> str:
    """Words without hyphens, plural s or zero decimals: '3-year' and '3 years' meet."""
    words = TOKEN.findall(text.lower().replace(".00", ""))
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def refusal_cause(o: Outcome) -> str:
    found = o.annotations.get("answerability")
    if o.annotations.get("no_evidence") and not isinstance(found, dict):
        return "refused answerable: nothing retrieved"
    if isinstance(found, dict) and found.get("decision") == "refuse":
        return "refused answerable: answerability gate"
    if o.annotations.get("responder_refused"):
        return "refused answerable: responder found no sentence"
    return "refused answerable: other"


def failure_cause(o: Outcome, texts: dict[str, str]) -> str:
    """Why an example failed, from the decision, the trace's annotations and the cited
    sources (a missing fact that a cited source holds: the wrong sentence was picked)."""
    if o.passed:
        return "passed"
    if not o.answerable:
        said = "declined in words, decision " if PARTIAL in o.answer.lower() else "answered, "
        return f"unanswerable {said}{o.decision}"
    if o.decision == "refuse":
        return refusal_cause(o)
    if o.decision not in ("pass", "redact"):
        return f"answerable, decision {o.decision}"
    missing = [r.removeprefix("missing fact: ") for r in o.reasons if r.startswith("missing")]
    if missing and all(loose(f) in loose(o.answer) for f in missing):
        return "missing fact: said in other words ('2 years' for '2-year', '79.00' for '79')"
    cited = " ".join(texts.get(d, "") for d in o.cited).lower()
    if missing and all(f.lower() in cited for f in missing):
        return WRONG_SENTENCE[max(handed(o, f.lower(), texts) for f in missing)]
    return "missing fact: not in the cited sources (retrieval)"


# A cited source holds the missing fact: how much of it the responder was handed.
WRONG_SENTENCE = (
    "missing fact: handed over, another sentence chosen (wrong sentence)",
    "missing fact: its section handed over, not its passage (wrong sentence)",
    "missing fact: its document handed over, not its section (wrong sentence)",
)
ALL_OF_IT = 10**9  # a chunk size that keeps every section whole


def handed(o: Outcome, fact: str, texts: dict[str, str]) -> int:
    """How near to the responder ``fact`` (lower case) came: 0 inside a passage it was
    handed, 1 in the section of one (the section was cut into several passages), 2 only in
    a handed document. A catalog row is handed whole; without spans (an older run) 0."""
    spans = o.spans or [[d, 0, len(texts.get(d, ""))] for d in o.cited]
    best = 2
    for doc, start, end in spans:
        text = texts.get(doc, "")
        low = text.lower()
        if doc.startswith("catalog:"):
            start, end = 0, len(text)
        at = [m.start() for m in re.finditer(re.escape(fact), low)]
        if any(start <= i and i + len(fact) <= end for i in at):
            return 0
        around = [c for c in chunk_text(text, ALL_OF_IT, 0) if c.start <= start < c.end]
        if any(c.start <= i < c.end for c in around for i in at):
            best = 1
    return best


def summarize(outs: list[Outcome]) -> dict[str, Any]:
    cats: dict[str, list[Outcome]] = {}
    for o in outs:
        cats.setdefault(o.category, []).append(o)
    per_cat = {c: shares(v) for c, v in sorted(cats.items())}
    big = {c: s for c, s in per_cat.items() if s["n"] >= MIN_CATEGORY}
    worst = min(big, key=lambda c: big[c]["accuracy"]) if big else None
    kinds: dict[str, int] = {}
    for o in outs:
        kinds[o.cause] = kinds.get(o.cause, 0) + 1
    lat = sorted(o.ms for o in outs)
    return {
        **shares(outs),
        "p50_ms": lat[len(lat) // 2] if lat else None,
        "categories": per_cat,
        "worst_category": worst,
        "outcomes": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
    }


def fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def print_table(title: str, rows: list[list[Any]], headers: list[str]) -> None:
    cells = [headers, *[[fmt(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def report(summaries: dict[str, dict[str, Any]]) -> None:
    heads = ["set/split", "n", "answerable ok", "unanswerable declined", "accuracy", "worst"]
    rows = [[k, *(s[c] for c in COLUMNS), s["worst_category"]] for k, s in summaries.items()]
    print_table("answers (offline, local route)", rows, heads)
    for key, s in summaries.items():
        cat_rows = [
            [c, v["n"], v["answerable_correct"], v["unanswerable_declined"], v["accuracy"]]
            for c, v in s["categories"].items()
        ]
        print_table(f"{key} by category", cat_rows, ["category", *heads[1:5]])
        print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in s["outcomes"].items()))


def print_failures(results: list[dict[str, Any]], limit: int) -> None:
    """The failing examples: id, category, what went wrong, the start of the answer."""
    failed = [r for r in results if not r["passed"]][:limit]
    print(f"\nfailures (first {len(failed)})")
    for r in failed:
        score = (r["annotations"].get("answerability") or {}).get("score")
        why = "; ".join([r["cause"], *r["reasons"]])
        answer = " ".join(r["answer"].split())[:160]
        print(f"  {r['id']} [{r['category']}] {why} | score={fmt(score)} | {answer}")


def default_threshold(outs: list[Outcome], spec: dict[str, Any]) -> dict[str, float]:
    """Where the default sits: the threshold the traces name, else the spec's own threshold,
    else the lowest score the default run did not refuse on (inferred from the decisions)."""
    seen = [t for o in outs if (t := o.evidence("threshold")) is not None]
    if seen:
        return {"threshold (trace)": max(set(seen), key=seen.count)}
    explicit = {
        path: float(v)
        for path, v in spec_values(spec)
        if path.endswith(("threshold", "min_answerability")) and isinstance(v, int | float)
    }
    if explicit:
        return explicit
    answered = [
        score
        for o in outs
        if (score := o.answerability) is not None
        and (o.annotations.get("answerability") or {}).get("decision") != "refuse"
    ]
    return {"lowest score answered (trace)": min(answered)} if answered else {}


def sweep(outs: list[Outcome], defaults: dict[str, float]) -> dict[str, Any]:
    """The trade-off over thresholds of the recorded answerability score."""
    ans = [o for o in outs if o.answerable]
    una = [o for o in outs if not o.answerable]
    scored = [o for o in outs if o.answerability is not None]
    if not ans or not una or not scored:
        return {"error": "no answerability scores in the traces", "defaults": defaults}
    points = []
    for t in sorted({step / 20 for step in range(21)} | set(defaults.values())):

        def kept(o: Outcome, t: float = t) -> bool:
            return o.answerability is not None and o.answerability >= t

        right = sum(o.passed for o in ans if kept(o)) / len(ans)
        wrong = sum(o.decision != "refuse" for o in una if kept(o)) / len(una)
        points.append({"threshold": t, "answered_correctly": right, "answered_unanswerable": wrong})
    return {"points": points, "defaults": defaults, "scored": len(scored), "auc": auc(ans, una)}


def auc(ans: list[Outcome], una: list[Outcome]) -> float:
    """How well the score alone separates answerable from unanswerable questions (ROC AUC;
    0.5 is chance); an unscored question counts as 0."""
    pos = [o.answerability or 0.0 for o in ans]
    neg = [o.answerability or 0.0 for o in una]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def near(threshold: float, marks: set[float]) -> bool:
    return any(abs(threshold - m) < 1e-9 for m in marks)


def print_sweep(name: str, curve: dict[str, Any]) -> None:
    if "points" not in curve:
        print(f"\nsweep {name}: {curve['error']} (defaults {curve['defaults']})")
        return
    marks = set(curve["defaults"].values())
    rows = [
        [
            p["threshold"],
            p["answered_correctly"],
            p["answered_unanswerable"],
            "<- spec default" if near(p["threshold"], marks) else "",
        ]
        for p in curve["points"]
    ]
    heads = ["threshold", "answered correctly", "answered unanswerable", ""]
    title = f"sweep {name} (AUC {curve['auc']}, defaults {curve['defaults']})"
    print_table(title, rows, heads)


def plot(curves: dict[str, dict[str, Any]], out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("matplotlib is not installed: no plot")
        return
    fig, ax = plt.subplots(figsize=(6, 5))
    for name, curve in curves.items():
        pts = curve.get("points") or []
        xs = [p["answered_unanswerable"] for p in pts]
        (line,) = ax.plot(xs, [p["answered_correctly"] for p in pts], label=name)
        marks = set(curve["defaults"].values())
        for p in (p for p in pts if near(p["threshold"], marks)):
            ax.scatter(
                [p["answered_unanswerable"]], [p["answered_correctly"]], color=line.get_color()
            )
    ax.set_xlabel("unanswerable questions answered (share)")
    ax.set_ylabel("answerable questions answered correctly (share)")
    ax.set_title("answerability threshold trade-off (dots: the default)")
    ax.legend()
    fig.savefig(out, dpi=120)
    say(f"wrote {out}")
