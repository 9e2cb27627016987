"""Check the hand-written question sets: shape, categories, splits, and facts in their sources.

    python bench/data/check_sets.py [NAME ...]      # every set, or the ones named
    python bench/data/appc/check.py                  # (each app's check.py: its own sets)

Sets: the example app's messy3 and messy4 (against its documents and catalog) and the apps appb to
appj (against their own documents). An item may name the documents its facts come from
(``source_docs``); every fact must then occur verbatim (case-insensitively) in one of them: a fact
that is not in its source would score a correct answer as wrong, and a fact found only in some
other document would mean the question was written from the wrong page. An item without
``source_docs`` is looked up in all its set's sources. No assistant turn may contain a fact (an
answer that echoes the conversation would pass); a set whose items carry a split must split them
evenly overall and within one item of even in every category. Exits 1 on any problem.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
APP = ROOT / "examples" / "support-assistant"
CATEGORIES = {
    "plain",
    "typo",
    "slang",
    "indirect",
    "multi_part",
    "multi_turn",
    "catalog",
    "near_miss",
}
EXAMPLE_SOURCES = [*sorted((APP / "docs").glob("*.md")), APP / "catalog.sql"]


def _app(name: str) -> tuple[list[Path], list[Path]]:
    folder = HERE / name
    return [folder / "evals" / "questions.jsonl"], sorted((folder / "docs").glob("*.md"))


def _example(name: str) -> tuple[list[Path], list[Path]]:
    return [APP / "evals" / f"{name}-{s}.jsonl" for s in ("dev", "heldout")], EXAMPLE_SOURCES


SETS = {
    "messy3": _example("messy3"),
    "messy4": _example("messy4"),
    "appb": _app("appb"),
    "appc": _app("appc"),
    "appd": _app("appd"),
    "appe": _app("appe"),
    "appf": _app("appf"),
    "appg": _app("appg"),
    "apph": _app("apph"),
    "appi": _app("appi"),
    "appj": _app("appj"),
}


def _turns_problem(item: dict[str, object]) -> str | None:
    messages = item.get("messages")
    if messages is None:
        return None if isinstance(item.get("question"), str) else "no question or messages"
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list"
    for n, message in enumerate(messages):
        want = "user" if n % 2 == 0 else "assistant"
        if not isinstance(message, dict) or message.get("role") != want:
            return f"turn {n} should be {want}"
        if not isinstance(message.get("content"), str) or not message["content"]:
            return f"turn {n} has no content"
    return None if len(messages) % 2 else "the last turn must be the user's"


def _leaked(item: dict[str, object], facts: list[str]) -> list[str]:
    """A fact already in an earlier assistant turn would pass by echoing the conversation."""
    messages = item.get("messages")
    if not isinstance(messages, list):
        return []
    said = " ".join(str(m.get("content", "")) for m in messages[1::2] if isinstance(m, dict))
    said = said.lower()
    return [f"fact given away by an assistant turn: {f!r}" for f in facts if f.lower() in said]


def _sources(item: dict[str, object], texts: dict[str, str]) -> tuple[str, list[str]]:
    names = item.get("source_docs")
    if names is None:
        return "\n".join(texts.values()), []
    if not isinstance(names, list) or not names:
        return "", ["source_docs must be a non-empty list"]
    unknown = [n for n in names if n not in texts]
    found = [f"unknown source document {n!r}" for n in unknown]
    return "\n".join(texts[n] for n in names if n in texts), found


def _problems(item: dict[str, object], texts: dict[str, str]) -> list[str]:
    found = [_turns_problem(item)]
    facts = item.get("facts")
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        found.append("facts must be a list of strings")
        facts = []
    if not isinstance(item.get("answerable"), bool):
        found.append("answerable must be true or false")
    if item.get("category") not in CATEGORIES:
        found.append(f"unknown category {item.get('category')!r}")
    # A near miss is by definition not answerable; an answerable one needs something to check.
    if (item.get("category") == "near_miss") == bool(item.get("answerable")):
        found.append("near_miss and answerable disagree")
    if item.get("answerable") and not facts:
        found.append("an answerable item needs facts")
    if not item.get("answerable") and facts:
        found.append("an unanswerable item has facts")
    if item.get("split") not in (None, "dev", "heldout"):
        found.append(f"unknown split {item.get('split')!r}")
    corpus, source_problems = _sources(item, texts) if facts else ("", [])
    found += source_problems
    found += [f"fact not in its source: {f!r}" for f in facts if f.lower() not in corpus]
    found += _leaked(item, facts)
    return [p for p in found if p]


def check(name: str, files: list[Path], sources: list[Path]) -> int:
    texts = {p.name: p.read_text().lower() for p in sources}
    errors, ids = 0, Counter[str]()
    counts: Counter[tuple[str, str]] = Counter()
    for path in files:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{n}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{where}: not JSON: {exc}")
                errors += 1
                continue
            for problem in _problems(item, texts):
                print(f"{where} {item.get('id')}: {problem}")
                errors += 1
            ids[str(item.get("id"))] += 1
            split = item.get("split") or path.stem.rsplit("-", 1)[-1]
            counts[(str(item.get("category")), str(split))] += 1
    for dup in (i for i, c in ids.items() if c > 1):
        print(f"{name}: id {dup} is used {ids[dup]} times")
        errors += 1
    _summary(name, counts)
    return errors + _split_problems(name, counts)


def _split_problems(name: str, counts: Counter[tuple[str, str]]) -> int:
    """Dev and held-out halves: even overall, and no category more than one item off even."""
    errors = 0
    for category in sorted({c for c, _ in counts}):
        dev, heldout = counts[(category, "dev")], counts[(category, "heldout")]
        if abs(dev - heldout) > 1:
            print(f"{name}: {category} splits {dev} dev / {heldout} heldout")
            errors += 1
    dev = sum(n for (_, s), n in counts.items() if s == "dev")
    heldout = sum(n for (_, s), n in counts.items() if s == "heldout")
    if dev != heldout:
        print(f"{name}: {dev} dev items but {heldout} heldout")
        errors += 1
    return errors


def _summary(name: str, counts: Counter[tuple[str, str]]) -> None:
    splits = sorted({s for _, s in counts})
    print(f"{name}: {sum(counts.values())} items; per category " + " / ".join(splits))
    for category in sorted({c for c, _ in counts}):
        row = " / ".join(str(counts[(category, s)]) for s in splits)
        print(f"  {category:<11} {row}")


def main(names: list[str] | None = None) -> int:
    chosen = names or list(SETS)
    unknown = [n for n in chosen if n not in SETS]
    if unknown:
        print(f"unknown set(s): {', '.join(unknown)}; known: {', '.join(SETS)}")
        return 2
    errors = sum(check(n, *SETS[n]) for n in chosen)
    print("OK" if not errors else f"{errors} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
