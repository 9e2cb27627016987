"""Instructions of each PII recogniser per text: the mean, p99 and maximum over the texts.

    python bench/pii_icount_texts.py [--baseline main] [--kinds prose,email] [--n 60]

The part figures (``guards_icount_parts.py``) are means over N texts; input latency's p99 is
set by the heaviest texts, so this bench counts each recogniser's ``find`` on each text by
itself (callgrind, instrumentation switched on around it by the client-request helper of
``callgrind_client``), with the shared passes (normalised text, number runs, listed words)
computed first, and prints per recogniser the mean, p99 and maximum and the text that set
the maximum. ``--baseline`` (a git revision) adds that tree's figures. Needs valgrind, its
headers and cc.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from callgrind_client import helper_library, labelled_totals
from trees import export_src

REPO = Path(__file__).resolve().parents[1]
KINDS = ("prose", "email", "code", "table", "non_latin", "injection")
PER_TEXT = """
import ctypes, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from guards import kind_texts, steady_engine
from stanchion.guards import normalize as nm, numbers, pii_words
cg = ctypes.CDLL(sys.argv[2])
kind, n = sys.argv[3], int(sys.argv[4])
texts = list(dict.fromkeys(kind_texts(Path(sys.argv[5]))[kind]))
engine = steady_engine()
pii = next(g for g in engine.guards["input"] if g.name == "pii")
for text in texts[:20]:
    engine.scan(text, "input", None)
for t, text in enumerate(texts[20 : 20 + n]):
    for fn in (nm.normalize, nm.lowered, numbers.number_runs, numbers.number_windows,
               pii_words.words, pii_words.listed):
        fn.cache_clear()
    view = nm.normalize(text)
    nm.lowered(view.text); numbers.number_runs(view.text); numbers.number_windows(view.text)
    pii_words.listed(view.text)
    for i, r in enumerate(pii.recognisers):
        cg.cg_zero()
        cg.cg_start()
        list(r.find(view.text))
        cg.cg_stop()
        cg.cg_dump(f"text {t} {i:02d}.{type(r).__name__}".encode())
"""


def per_text(src: Path, helper: Path, kind: str, n: int, datasets: Path, tmp: Path) -> dict:
    """Recogniser name -> its instructions on each text, in text order."""
    args = [str(REPO / "bench"), str(helper), kind, str(n), str(datasets)]
    found: dict[str, list[int]] = defaultdict(list)
    for label, total in labelled_totals(PER_TEXT, args, src, tmp / f"cg.{kind}"):
        m = re.fullmatch(r"text (\d+) (\S+)", label)
        if m:
            found[m.group(2)].append(total)
    return found


def _p99(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--baseline")
    ap.add_argument("--kinds", default="prose")
    ap.add_argument("--n", type=int, default=60)
    a = ap.parse_args()
    kinds = list(KINDS) if a.kinds == "all" else a.kinds.split(",")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        helper = helper_library(tmp)
        trees = {"work": REPO / "src"}
        if a.baseline:
            trees = {a.baseline: export_src(a.baseline, tmp / "base"), **trees}
        for kind in kinds:
            print(f"{kind}: thousands of instructions per find (mean / p99 / max @text)")
            runs = {
                tree: per_text(src, helper, kind, a.n, a.datasets.resolve(), tmp)
                for tree, src in trees.items()
            }
            for rec in next(iter(runs.values())):
                cells = []
                for counts in (r[rec] for r in runs.values()):
                    top = max(range(len(counts)), key=counts.__getitem__)
                    mean = sum(counts) / len(counts)
                    p99, most = _p99(counts) / 1e3, counts[top] / 1e3
                    cells.append(f"{mean / 1e3:7.0f} {p99:7.0f} {most:7.0f} @{top:<3}")
                print(f"  {rec:<28} " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
