"""The indirect-injection detector on clean documents and on the DEV attacks, old beside new.

    python bench/indirect_fp.py [--baseline eaf0a93] [--data ../shared/datasets]

False positives are counted per line: every non-empty line of a clean document is scanned on
its own in the ``context`` direction (what the retrieve stage scans), and a line with an
``injection.*`` finding is a false positive, because redacting it removes knowledge from the
answer. Clean documents: the benign emails, tables and code of BIPIA (DEV), ClapNQ passages,
the sources of the grounding sets and the example app's docs. Recall: the DEV
indirect-injection attacks (BIPIA and CyberSecEval), each scanned whole, per attack source
(BIPIA's attack family, CyberSecEval's injection variant); the worst source is named.

Leave-one-source-out over the vocabulary: a word of ``TASK_VERBS`` is *fitted* when the
attack lines it opens come from one source only (leave that source out and nothing supports
it, so a detector developed without that source would not have it); ``--loso`` lists each
word with its sources. The tree keeps no fitted word, so its per-source recall above is the
leave-one-source-out recall; the worst source is named. The old module is loaded from git, so both
revisions run in this one process.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).parents[1]


def load_revision(rev: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:src/stanchion/guards/injection.py"],
        capture_output=True,
        check=True,
        cwd=ROOT,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "injection_baseline.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("injection_baseline", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def clean_documents(data: Path, per_set: int) -> dict[str, list[str]]:
    """Clean documents by corpus (at most ``per_set`` documents from each grounding file)."""
    docs: dict[str, list[str]] = defaultdict(list)
    for row in jsonl(data / "injection" / "bipia.jsonl"):
        if row["label"] == 0:
            docs[f"bipia {row['meta']['task']}"].append(row["text"])
    docs["clapnq passages"] = [r["text"] for r in jsonl(data / "retrieval/clapnq/corpus.jsonl")]
    for path in sorted((data / "grounding").glob("*.jsonl")):
        seen: set[str] = set()
        for row in jsonl(path):
            text = "\n".join(row["sources"])
            if text not in seen and len(seen) < per_set:
                seen.add(text)
                docs[f"grounding {path.stem}"].append(text)
    docs["example docs"] = [p.read_text() for p in sorted((ROOT / "examples").glob("*/docs/*"))]
    return docs


def attack_source(row: dict[str, Any]) -> str:
    meta = row.get("meta") or {}
    if row["dataset"] == "bipia":
        family = re.sub(r"-\d+$", "", meta["attack"])
        return f"bipia {'code' if meta['task'] == 'code' else 'text'}/{family}"
    return f"cyberseceval/{meta.get('variant') or 'other'}"


def attacks(data: Path) -> list[tuple[str, str]]:
    out = []
    for name in ("bipia.jsonl", "cyberseceval_prompt_injection.jsonl"):
        for row in jsonl(data / "injection" / name):
            if row["kind"] == "indirect_injection":
                out.append((attack_source(row), row["text"]))
    return out


THRESHOLD = 0.5  # the policy's default minimum score (GuardPolicySpec.threshold)


def flagged(guard: Any, text: str) -> bool:
    found = guard.check(text, None)
    return any(f.type.startswith("injection") and f.score >= THRESHOLD for f in found)


def fp_rates(guard: Any, docs: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    out = {}
    for corpus, texts in docs.items():
        lines = [ln for t in texts for ln in t.splitlines() if ln.strip()]
        out[corpus] = (sum(flagged(guard, ln) for ln in lines), len(lines))
    return out


def recall(guard: Any, rows: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for source, text in rows:
        out[source][0] += flagged(guard, text)
        out[source][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def pct(hit: int, n: int) -> str:
    return f"{100 * hit / n:6.2f}% ({hit}/{n})" if n else "-"


def table(title: str, old: dict[str, tuple[int, int]], new: dict[str, tuple[int, int]]) -> None:
    print(f"\n{title:<34} {'baseline':>22} {'this tree':>22}")
    for key in sorted(old):
        print(f"{key:<34} {pct(*old[key]):>22} {pct(*new[key]):>22}")
    total_old = (sum(v[0] for v in old.values()), sum(v[1] for v in old.values()))
    total_new = (sum(v[0] for v in new.values()), sum(v[1] for v in new.values()))
    print(f"{'all':<34} {pct(*total_old):>22} {pct(*total_new):>22}")


def verb_support(words: list[str], rows: list[tuple[str, str]]) -> dict[str, set[str]]:
    """The attack sources in which some line opens with each verb ('please' allowed)."""
    opens = {w: re.compile(rf"\s*(?:please\s+)?{re.escape(w)}\b") for w in words}
    support: dict[str, set[str]] = defaultdict(set)
    for source, text in rows:
        for line in text.lower().splitlines():
            for word, pattern in opens.items():
                if pattern.match(line):
                    support[word].add(source)
    return support


def loso_vocabulary(module: ModuleType, rows: list[tuple[str, str]]) -> None:
    """Leave one source out: a verb only one source supports is fitted to that source."""
    words = list(module.TASK_VERBS)
    support = verb_support(words, rows)
    print("\ntask verb -> DEV attack sources whose lines it opens (one source: fitted)")
    for word in words:
        srcs = sorted(support.get(word, set()))
        tag = "FITTED" if len(srcs) == 1 else ("unused" if not srcs else "")
        print(f"  {word:<14} {len(srcs):>2} {tag:<7} {', '.join(srcs)[:90]}")
    fitted = [w for w in words if len(support.get(w, ())) == 1]
    print(f"fitted words left in this tree: {fitted or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="eaf0a93")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--per-set", type=int, default=300)
    ap.add_argument("--loso", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from stanchion.guards import injection as now
    from stanchion.guards.policy import InjectionSpec

    old = load_revision(args.baseline)
    guards = [m.InjectionGuard(InjectionSpec(), "context") for m in (old, now)]
    docs = clean_documents(args.data, args.per_set)
    rows = attacks(args.data)
    fp = [fp_rates(g, docs) for g in guards]
    rec = [recall(g, rows) for g in guards]
    table("false positives per clean line", *fp)
    table("recall on DEV indirect attacks", *rec)
    for name, r in zip(("baseline", "this tree"), rec, strict=True):
        worst = min(r, key=lambda k: r[k][0] / r[k][1])
        print(f"worst source ({name}): {worst} {pct(*r[worst])}")
    if args.loso:
        loso_vocabulary(now, rows)


if __name__ == "__main__":
    main()
