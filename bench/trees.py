"""Another revision's package source, for the benches that compare two builds side by side.

base = export_src("main", Path(tmp))   # tmp/src: main's src/, no worktree, no checkout
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def export_src(ref: str, dest: Path) -> Path:
    """``ref``'s ``src/`` unpacked under ``dest`` (made if missing); returns ``dest / "src"``."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"
