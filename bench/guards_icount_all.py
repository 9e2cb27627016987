"""Instructions per input scan for every kind of 2 KB message, counted only around the scans.

    python bench/guards_icount_all.py [--baseline main] [--kinds all] [--n 40]

``guards_icount.py`` needs two whole runs under callgrind per kind and tree (start-up, word
tables and model loading all instrumented: 10-20 minutes each on a loaded machine). Here
callgrind starts with instrumentation off (``--instr-atstart=no``); a two-line C helper,
compiled once into a temporary directory, switches it on and off through callgrind's client
requests around the N measured scans (after the same 20-text warm-up), so start-up runs at
near native speed and the count is the scans' alone. The figure is instructions per scan
(divided by the texts actually measured: e-mail and code have fewer than 60), for
``--baseline`` (a git revision) and the working tree. After the warm-up the heap is frozen
(``gc.freeze()``, as the server does after start-up; ``--no-gc-freeze`` to leave it): a full
collection that walks the models and tables inside the window swung a kind by ~7%. Needs
valgrind, its headers and cc.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from callgrind_client import helper_library, labelled_totals
from trees import export_src

REPO = Path(__file__).resolve().parents[1]
KINDS = ("prose", "email", "code", "table", "non_latin", "injection")
SCANS = """
import ctypes, gc, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from guards import kind_texts, steady_engine
from stanchion.guards.normalize import normalize
cg = ctypes.CDLL(sys.argv[2])
kind, n = sys.argv[3], int(sys.argv[4])
gc_freeze = sys.argv[6] == "freeze"
texts = list(dict.fromkeys(kind_texts(Path(sys.argv[5]))[kind]))
engine = steady_engine()
for text in texts[:20]:
    engine.scan(text, "input", None)
if gc_freeze:
    gc.collect()
    gc.freeze()
todo = texts[20 : 20 + n]
cg.cg_on()
for text in todo:
    normalize.cache_clear()
    engine.scan(text, "input", None)
cg.cg_off(f"scans {len(todo)}".encode())
"""


def count(
    src: Path, helper: Path, kind: str, n: int, datasets: Path, tmp: Path, freeze: bool
) -> float:
    """Instructions per scan of one kind with the guards of ``src``."""
    out = tmp / f"cg.{kind}.{abs(hash(str(src)))}"
    args = [str(REPO / "bench"), str(helper), kind, str(n), str(datasets)]
    args.append("freeze" if freeze else "gc")
    for label, total in labelled_totals(SCANS, args, src, out):
        scans = re.fullmatch(r"scans (\d+)", label)
        if scans:
            return total / int(scans.group(1))
    raise RuntimeError(f"no client-request dump for {kind}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--baseline", default="main")
    ap.add_argument("--kinds", default="all")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the start-up heap to the collector (by default gc.freeze() after the "
        "warm-up, as the server and guards_latency.py do: a full collection walking the "
        "models and tables inside the window swung a kind by ~7%%)",
    )
    a = ap.parse_args()
    kinds = list(KINDS) if a.kinds == "all" else a.kinds.split(",")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        helper = helper_library(tmp)
        export_src(a.baseline, tmp / "base")
        datasets = a.datasets.resolve()
        print(f"{'kind':>9} {'baseline M':>11} {'working M':>10} {'ratio':>6}")
        for kind in kinds:
            freeze = not a.no_gc_freeze
            before = count(tmp / "base" / "src", helper, kind, a.n, datasets, tmp, freeze) / 1e6
            after = count(REPO / "src", helper, kind, a.n, datasets, tmp, freeze) / 1e6
            print(f"{kind:>9} {before:11.2f} {after:10.2f} {after / before:6.2f}", flush=True)


if __name__ == "__main__":
    main()
