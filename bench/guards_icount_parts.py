"""Instructions per input scan, part by part: each guard, each PII recogniser, the shared passes.

    python bench/guards_icount_parts.py [--src SRC] [--kinds email,prose] [--n 40]

Like ``guards_icount_all.py`` (callgrind with instrumentation off at start, switched on by
client requests from a two-line C helper), but each measured part gets its own pass over the
N texts, with instrumentation on only around that part: ``scan`` is the whole default input
scan (nothing precomputed); ``shared`` is what the recognisers of one scan share (the
normalised text, its lower-cased copy, number runs and windows, the listed words), computed
first so that the figure of each later part is its own; then each guard's ``check`` and each
PII recogniser's ``find``, and ``decoded_segments`` and ``collapse_spacing`` inside the
injection guard. ``--src`` is a tree's ``src`` (default: this working tree). Needs valgrind,
its headers and cc.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from callgrind_client import helper_library, labelled_totals

REPO = Path(__file__).resolve().parents[1]
KINDS = ("prose", "email", "code", "table", "non_latin", "injection")
PARTS = """
import ctypes, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from guards import kind_texts, steady_engine
from stanchion.guards import injection, normalize as nm, numbers, pii_words
cg = ctypes.CDLL(sys.argv[2])
kind, n = sys.argv[3], int(sys.argv[4])
texts = list(dict.fromkeys(kind_texts(Path(sys.argv[5]))[kind]))
engine = steady_engine()
guards = engine.guards["input"]
for text in texts[:20]:
    engine.scan(text, "input", None)
todo = texts[20 : 20 + n]
target = [""]

def clear():
    for fn in (nm.normalize, nm.lowered, numbers.number_runs, numbers.number_windows,
               pii_words.words, pii_words.listed):
        fn.cache_clear()

def timed(label, fn, *args):
    if target[0] != label:
        return fn(*args)
    cg.cg_start()
    try:
        return fn(*args)
    finally:
        cg.cg_stop()

def wrap(name):
    inner = getattr(injection, name)
    setattr(injection, name, lambda *a: timed(name, inner, *a))

wrap("decoded_segments")
wrap("collapse_spacing")

SHARED = {
    "shared.lowered": nm.lowered,
    "shared.number_runs": numbers.number_runs,
    "shared.number_windows": numbers.number_windows,
    "shared.listed": pii_words.listed,
}

def shared(text):
    view = timed("shared.normalize", nm.normalize, text)
    for label, fn in SHARED.items():
        timed(label, fn, view.text)
    return view

labels = ["scan", "shared.normalize", *SHARED, "decoded_segments", "collapse_spacing"]
labels += [g.name for g in guards]
pii = next(g for g in guards if g.name == "pii")
names = [f"{i:02d}.{type(r).__name__}:{r.type}" for i, r in enumerate(pii.recognisers)]
labels += names
for label in labels:
    target[0] = label
    cg.cg_zero()
    for text in todo:
        clear()
        if label == "scan":
            timed("scan", engine.scan, text, "input", None)
            continue
        view = shared(text)
        for guard in guards:
            if guard is pii and label in names:
                for name, recogniser in zip(names, pii.recognisers):
                    timed(name, lambda: list(recogniser.find(view.text)))
            else:
                timed(guard.name, guard.check, text, None)
    cg.cg_dump(f"part {label} {len(todo)}".encode())
"""


def parts(
    src: Path, helper: Path, kind: str, n: int, datasets: Path, tmp: Path
) -> dict[str, float]:
    """Instructions per scan of each part, for one kind of text and the guards of ``src``."""
    args = [str(REPO / "bench"), str(helper), kind, str(n), str(datasets)]
    found: dict[str, float] = {}
    for label, total in labelled_totals(PARTS, args, src, tmp / f"cg.{kind}"):
        part = re.fullmatch(r"part (\S+) (\d+)", label)
        if part:
            found[part.group(1)] = total / int(part.group(2))
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--src", type=Path, default=REPO / "src")
    ap.add_argument("--kinds", default="email")
    ap.add_argument("--n", type=int, default=40)
    a = ap.parse_args()
    kinds = list(KINDS) if a.kinds == "all" else a.kinds.split(",")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        helper = helper_library(tmp)
        for kind in kinds:
            found = parts(a.src.resolve(), helper, kind, a.n, a.datasets.resolve(), tmp)
            print(f"{kind}: thousands of instructions per scan")
            for label, count in found.items():
                print(f"  {label:<40} {count / 1e3:9.0f}", flush=True)


if __name__ == "__main__":
    main()
