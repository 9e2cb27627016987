"""Instructions per input scan of one kind of 2 KB message, for callgrind (stable when busy).

    PYTHONHASHSEED=0 PYTHONPATH=SRC valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python bench/guards_icount.py KIND N

builds the default engine, scans 20 texts of KIND to warm the word caches, then N more, each
as new (``normalize``'s per-text cache emptied). Run it with N=40 and N=0 and divide the
difference of the two "Collected" counts by 40; SRC is a tree's ``src`` (a baseline from
``git archive REV src``), so two trees compare by instructions instead of noisy time.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guards import kind_texts, steady_engine
from stanchion.guards.normalize import normalize


def main() -> None:
    kind, n = sys.argv[1], int(sys.argv[2])
    texts = list(dict.fromkeys(kind_texts(Path("../shared/datasets"))[kind]))
    engine = steady_engine()
    for text in texts[:20]:
        engine.scan(text, "input", None)
    for text in texts[20 : 20 + n]:
        normalize.cache_clear()
        engine.scan(text, "input", None)


if __name__ == "__main__":
    main()
