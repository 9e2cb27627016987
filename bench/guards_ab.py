"""Guard latency of a baseline revision and the working tree, in alternating runs.

    python bench/guards_ab.py [--baseline main] [--rounds 5] [--direction input] [--gc-freeze]
                              [--pii-types all] [--kinds prose,email,code,non_latin,injection]

The guards of ``--baseline`` are extracted to a temporary directory; each round runs
:func:`bench.guards.latency` (every default guard of a direction over the 2 KB texts, three
passes) once with the baseline and once with the working tree, each in a fresh subprocess,
in alternating order; ``--kinds`` names the kinds of 2 KB message that each run measures in
turn (:func:`bench.guards.kind_texts`; ``all`` for every kind). ``--pii-types`` measures a
policy whose PII detector runs those types (``all``: the opt-in contextual ones too) instead
of the default policy. On a loaded machine the ratio of the two columns, taken side by
side, is the figure to read (the CPU columns more than the wall-clock ones); the medians
over the rounds are printed last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from trees import export_src

REPO = Path(__file__).resolve().parents[1]
FIELDS = ("cpu_ms", "cpu_p50_ms", "cpu_p99_ms", "p50_ms", "p99_ms")
KINDS = ("prose", "email", "code", "table", "non_latin", "injection")


def one_run(
    src: Path, root: Path, direction: str, freeze: bool, pii_types: str, kinds: list[str]
) -> dict[str, dict[str, float]]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from guards import latency; "
        "from stanchion.guards.policy import GuardPolicySpec; "
        "freeze = sys.argv[4] == 'freeze'; "
        "types = [t for t in sys.argv[5].split(',') if t]; "
        "policy = GuardPolicySpec.model_validate({'detectors': {'pii': {'types': types}}}) "
        "if types else None; "
        "print(json.dumps({kind: latency(Path(sys.argv[2]), policy, sys.argv[3], "
        "freeze=freeze, kind=kind) for kind in sys.argv[6].split(',')}))"
    )
    env = dict(os.environ, PYTHONPATH=str(src))
    how = "freeze" if freeze else "-"
    cmd = [sys.executable, "-c", code, str(REPO / "bench"), str(root), direction, how, pii_types]
    cmd.append(",".join(kinds))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    figures: dict[str, dict[str, float]] = json.loads(out.strip().splitlines()[-1])
    return figures


def _row(*cells: object) -> str:
    return f"{cells[0]:>9} {cells[1]:>5} {cells[2]:>9} " + " ".join(
        f"{c:10.3f}" if isinstance(c, float) else f"{c!s:>10}" for c in cells[3:]
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--baseline", default="main")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--direction", default="input")
    ap.add_argument("--gc-freeze", action="store_true", help="gc.freeze() before timing")
    ap.add_argument("--pii-types", default="", help="comma-separated PII types, e.g. all")
    ap.add_argument("--kinds", default="prose", help="comma-separated kinds of text, or all")
    a = ap.parse_args()
    kinds = list(KINDS) if a.kinds == "all" else a.kinds.split(",")
    root = a.datasets.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"baseline": export_src(a.baseline, Path(tmp)), "working": REPO / "src"}
        runs: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in sides}
        print(_row("kind", "round", "side", *FIELDS))
        for i in range(a.rounds):
            order = list(sides) if i % 2 == 0 else list(reversed(sides))
            for name in order:
                figures = one_run(sides[name], root, a.direction, a.gc_freeze, a.pii_types, kinds)
                runs[name].append(figures)
                for kind in kinds:
                    print(_row(kind, i, name, *(figures[kind][f] for f in FIELDS)), flush=True)
    print(f"\nmedian over {a.rounds} rounds ({a.direction}, 2 KB texts, ms per scan)")
    print(_row("kind", "", "side", *FIELDS))
    for kind in kinds:
        medians = {
            name: {f: statistics.median(r[kind][f] for r in rs) for f in FIELDS}
            for name, rs in runs.items()
        }
        for name, m in medians.items():
            print(_row(kind, "", name, *(m[f] for f in FIELDS)))
        ratio = [medians["working"][f] / medians["baseline"][f] for f in FIELDS]
        print(_row(kind, "", "ratio", *ratio))


if __name__ == "__main__":
    main()
