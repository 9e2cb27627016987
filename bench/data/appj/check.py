"""Check this app's question set: shape, categories, splits, and facts in their sources. The
checks are ``bench/data/check_sets.py``'s.

    python bench/data/appj/check.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from check_sets import main

if __name__ == "__main__":
    sys.exit(main(["appj"]))
