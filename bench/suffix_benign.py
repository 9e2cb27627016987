"""How many benign bench texts the adversarial-suffix signal fires on, per kind.

    python bench/suffix_benign.py [--datasets ../shared/datasets] [--lines]

The texts are those of ``guards_icount_all.py`` and ``guards_latency.py`` (``kind_texts``:
e-mails, code answers, tables, prose, other scripts). A fire here is a ``jailbreak`` finding
on a benign text (scored 0.5 + 0.45 * share, under the blocking cut) and sends the text on to
the n-gram model. ``--lines`` prints each firing line with its score.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guards import kind_texts
from stanchion.guards.injection_suffix import line_score, scanned_lines, suffix_evidence


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--lines", action="store_true")
    args = ap.parse_args()
    for kind, found in kind_texts(args.datasets).items():
        texts = list(dict.fromkeys(found))
        fired = [t for t in texts if suffix_evidence(t)]
        print(f"{kind:10s} {len(fired):3d} of {len(texts):3d} fire")
        if args.lines and kind != "injection":
            for text in fired:
                for line in scanned_lines(text):
                    score = line_score(line)
                    if score:
                        print(f"    {score:.3f} {line[:160]!r}")


if __name__ == "__main__":
    main()
