"""Same PII findings before and after a change to the recognisers: every scan compared.

    python bench/pii_equivalence.py [--datasets ../shared/datasets] [--baseline main]

The ``src`` of ``--baseline`` (a git revision) is extracted to a temporary directory and run
in a subprocess, the working tree in another; each writes one line per scan and the lines
are compared. The texts: every text of ``bench/guards.py``'s kinds (``kind_texts``, whose
prose is ``two_kb_texts``) and every row of the shared PII set, each as is and in the
disguises of ``guards_equivalence.variants`` (the PII rows) or as is (the 2 KB texts). A
text gives three lines: what each recogniser of a guard with every type (``types=["all"]``,
companions included) finds in the normalised text, in order, with its score's repr; then the
default engine's PII findings in the input and in the output direction (type, span, text,
score, action). The texts are scanned twice, the second time in reverse order, so that what
a recogniser remembers across texts cannot change a finding unnoticed.

``--dump FILE`` (used by the subprocesses) runs the importable ``stanchion.guards`` only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from guards_equivalence import variants
from trees import export_src


def texts(root: Path) -> Iterator[tuple[str, str]]:
    """(key, text): the bench's kinds of 2 KB texts, then the PII rows and their disguises."""
    from guards import kind_texts

    for kind, found in kind_texts(root).items():
        for i, text in enumerate(found):
            yield f"{kind}-{i}", text
    for line in (root / "pii/presidio_synth_v2.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            for variant, text in variants(str(row["id"]), str(row["text"])):
                yield f"{row['id']}/{variant}", text


def dump(root: Path, out: Path) -> None:
    import stanchion.guards
    from guards import steady_engine
    from stanchion.guards.normalize import normalize
    from stanchion.guards.pii import PiiGuard
    from stanchion.guards.policy import PiiSpec

    print("scanning with", stanchion.guards.__file__, file=sys.stderr)
    every = PiiGuard(PiiSpec(types=["all"]))
    engine = steady_engine()
    items = list(texts(root))
    with out.open("w", encoding="utf-8") as fh:
        for key, text in [*items, *reversed(items)]:
            view = normalize(text).text
            found = [
                [r.type, [[s, e, repr(score)] for s, e, score in r.find(view)]]
                for r in every.recognisers
            ]
            fh.write(json.dumps([key, "recognisers", found], ensure_ascii=False) + "\n")
            for direction in ("input", "output"):
                outcome = engine.scan(text, direction, None)
                findings = [
                    [f.type, f.start, f.end, text[f.start : f.end], repr(f.score), f.action]
                    for f in outcome.findings
                    if f.type.startswith("pii.")
                ]
                fh.write(json.dumps([key, direction, findings], ensure_ascii=False) + "\n")


def run_side(src: Path, root: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    cmd = [sys.executable, __file__, "--datasets", str(root), "--dump", str(out)]
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    return time.perf_counter() - started


def compare(before: Path, after: Path) -> int:
    diffs = total = findings = 0
    with before.open(encoding="utf-8") as a, after.open(encoding="utf-8") as b:
        for x, y in zip(a, b, strict=True):
            total += 1
            row = json.loads(x)
            findings += (
                sum(len(spans) for _, spans in row[2]) if row[1] == "recognisers" else len(row[2])
            )
            if x != y:
                diffs += 1
                if diffs <= 10:
                    print("BEFORE", x.strip()[:800], "\nAFTER ", y.strip()[:800], "\n")
    print(f"{total} scans ({findings} findings) compared; {diffs} differ")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--baseline", default="main", help="git revision to compare against")
    ap.add_argument("--dump", type=Path, help="only write this side's scans to FILE")
    a = ap.parse_args()
    if a.dump:
        dump(a.datasets.resolve(), a.dump)
        return
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        base = export_src(a.baseline, Path(tmp) / "baseline").parent
        root = a.datasets.resolve()
        seconds_before = run_side(base / "src", root, Path(tmp) / "before.jsonl")
        seconds_after = run_side(repo / "src", root, Path(tmp) / "after.jsonl")
        print(f"baseline {a.baseline}: {seconds_before:.0f} s; working tree: {seconds_after:.0f} s")
        sys.exit(1 if compare(Path(tmp) / "before.jsonl", Path(tmp) / "after.jsonl") else 0)


if __name__ == "__main__":
    main()
