"""Check this app's question set: shape, categories, splits, and facts in their sources.

The same checks as ``bench/data/check_sets.py`` runs for appd (described in appd's README),
written out here so that this folder can be checked on its own (check_sets.py lists appg too).

    python bench/data/appg/check.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "evals" / "questions.jsonl"
DOCS = HERE / "docs"

CATEGORIES = {
    "plain": 12,
    "typo": 16,
    "slang": 13,
    "indirect": 15,
    "multi_part": 14,
    "multi_turn": 16,
    "catalog": 19,
    "near_miss": 45,
}
SPLITS = ("dev", "heldout")
FIELDS = {"id", "facts", "answerable", "tags", "category", "split", "source_docs"}
PARTIAL = 2


def _norm(text: str) -> str:
    """Case and spacing aside: lower case, runs of white space as one space."""
    return " ".join(text.lower().split())


def _check_fields(row: dict, where: str) -> list[str]:
    problems: list[str] = []
    if ("question" in row) == ("messages" in row):
        problems.append(f"{where}: needs exactly one of question / messages")
    if row["category"] not in CATEGORIES:
        problems.append(f"{where}: unknown category {row['category']!r}")
    if row["split"] not in SPLITS:
        problems.append(f"{where}: split must be dev or heldout")
    if not isinstance(row["tags"], list):
        problems.append(f"{where}: tags must be a list")
    if "partial" in row["tags"] and row["category"] != "multi_part":
        problems.append(f"{where}: only multi_part items are partial")
    return problems


def _check_facts(row: dict, where: str, docs: dict[str, str]) -> list[str]:
    problems: list[str] = []
    near = row["category"] == "near_miss"
    if row["answerable"] is near:
        problems.append(f"{where}: answerable must be {not near}")
    if near and row["facts"]:
        problems.append(f"{where}: a near miss has no facts")
    if not near and not (1 <= len(row["facts"]) <= 2):
        problems.append(f"{where}: an answerable item needs 1-2 facts")
    if not row["source_docs"]:
        problems.append(f"{where}: no source_docs")
    for name in row["source_docs"]:
        if name not in docs:
            problems.append(f"{where}: unknown source doc {name!r}")
    text = " ".join(docs.get(name, "") for name in row["source_docs"])
    for fact in row["facts"]:
        if _norm(fact) not in text:
            problems.append(f"{where}: fact {fact!r} not in its source_docs")
    return problems


def _check_turns(row: dict, where: str) -> list[str]:
    if "question" in row:
        if not isinstance(row["question"], str) or not row["question"].strip():
            return [f"{where}: empty question"]
        if row["category"] == "multi_turn":
            return [f"{where}: a multi_turn item needs messages"]
        return []
    problems: list[str] = []
    msgs = row["messages"]
    roles = [m.get("role") for m in msgs]
    want = ["user" if i % 2 == 0 else "assistant" for i in range(len(msgs))]
    if roles != want or not 3 <= len(msgs) <= 5 or roles[-1] != "user":
        problems.append(f"{where}: turns must alternate user/assistant, 3-5, end with user")
    for m in msgs:
        if not str(m.get("content", "")).strip():
            problems.append(f"{where}: empty turn")
        if m.get("role") != "assistant":
            continue
        said = _norm(m["content"])
        problems += [
            f"{where}: an assistant turn gives away {fact!r}"
            for fact in row["facts"]
            if _norm(fact) in said
        ]
        if "[" in m["content"]:
            problems.append(f"{where}: an assistant turn has a citation marker")
    return problems


def _check_counts(rows: list[dict]) -> list[str]:
    problems: list[str] = []
    cats = Counter(r.get("category") for r in rows)
    for cat, want in CATEGORIES.items():
        if cats[cat] != want:
            problems.append(f"{cat}: {cats[cat]} items, want {want}")
    partial = sum("partial" in r.get("tags", []) for r in rows)
    if partial != PARTIAL:
        problems.append(f"{partial} partial items, want {PARTIAL}")
    per = Counter((r.get("category"), r.get("split")) for r in rows)
    for cat in CATEGORIES:
        dev, held = per[cat, "dev"], per[cat, "heldout"]
        if abs(dev - held) > 1:
            problems.append(f"{cat}: dev {dev} / heldout {held} not within one")
    splits = Counter(r.get("split") for r in rows)
    if splits["dev"] != 75 or splits["heldout"] != 75:
        problems.append(f"splits {dict(splits)}, want 75/75")
    return problems


def check(rows: list[dict], docs: dict[str, str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        where = f"line {n} ({row.get('id', '?')})"
        missing = FIELDS - row.keys()
        if missing:
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        if row["id"] in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(row["id"])
        problems += _check_fields(row, where)
        problems += _check_facts(row, where, docs)
        problems += _check_turns(row, where)
    return problems + _check_counts(rows)


def main() -> int:
    docs = {p.name: _norm(p.read_text(encoding="utf-8")) for p in sorted(DOCS.glob("*.md"))}
    rows: list[dict] = []
    problems: list[str] = []
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not JSON ({exc})")
    problems += check(rows, docs)
    per = Counter((r.get("category"), r.get("split")) for r in rows)
    print(f"appg: {len(rows)} items, {len(docs)} documents")
    print(f"{'category':<12}{'dev':>5}{'heldout':>9}")
    for cat in CATEGORIES:
        print(f"{cat:<12}{per[cat, 'dev']:>5}{per[cat, 'heldout']:>9}")
    print(
        f"{'total':<12}{sum(per[c, 'dev'] for c in CATEGORIES):>5}"
        f"{sum(per[c, 'heldout'] for c in CATEGORIES):>9}"
    )
    for p in problems:
        print("PROBLEM:", p)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
