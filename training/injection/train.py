"""Train the injection model shipped as ``src/stanchion/guards/data/injection.json.gz``.

    pip install numpy
    python training/injection/train.py ../shared/datasets

Data: every DEV source of ``datasets/injection`` whose licence allows shipping weights derived
from it (see its ABOUT.md); the GPL-3.0 records (raccoon, promptmap) are measured, never
trained on. Features are the package's own (:meth:`InjectionGuard.features`: words, word
pieces, word pairs and the rule signals that fired), hashed, so serving needs no vocabulary.
The trainer is the package's (:func:`stanchion.guards.injection_fit.fit_with_cut`): the cut is
chosen by cross-validation over groups of sources (benign rows scored by a model that never
saw their source), and the bias is shifted so that 0.5 is that cut. The protocol that
measures it on sources never seen: ``stanchion guard eval --leave-one-out``
(docs/guards.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from stanchion.guards.injection import InjectionGuard
from stanchion.guards.injection_fit import Example, cut_by_cross_validation, export, fit
from stanchion.guards.injection_model import MODEL_FILE, bucket
from stanchion.guards.policy import InjectionSpec

OUT = Path(__file__).resolve().parents[2] / "src/stanchion/guards/data" / MODEL_FILE
# Copyleft records: measured only (their derived weights would have to be GPL-3.0).
MEASURE_ONLY = {"raccoon", "promptmap"}


def examples(folder: Path, size: int) -> list[Example]:
    reader = InjectionGuard(InjectionSpec(), "input")
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["dataset"] in MEASURE_ONLY:
                continue
            buckets = tuple(bucket(f, size) for f in reader.features(row["text"]))
            out.append(Example(buckets, int(row["label"]), row["dataset"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("datasets", type=Path, help="the shared datasets folder")
    ap.add_argument("--size", type=int, default=2**16)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--l2", type=float, default=1e-4)
    a = ap.parse_args()
    rows = examples(a.datasets / "injection", a.size)
    if {r.label for r in rows} != {0, 1}:
        # An empty model would overwrite the shipped one (a path one level off reads no file).
        raise SystemExit(f"no attacks and benign rows in {a.datasets / 'injection'}/*.jsonl")
    cut = cut_by_cross_validation(rows, a.size, a.l2, a.epochs)
    w, b = fit(rows, a.size, a.l2, a.epochs)
    sources = sorted({r.source for r in rows})
    meta = {"cut_logit": cut, "l2": a.l2, "epochs": a.epochs, "trained_on": sources}
    with gzip.open(OUT, "wt", encoding="utf-8") as fh:
        json.dump(export(w, b - cut, a.size, meta), fh, separators=(",", ":"))
    print(json.dumps({"rows": len(rows), "cut_logit": round(cut, 4), "bytes": OUT.stat().st_size}))


if __name__ == "__main__":
    main()
