"""Callgrind switched on and off from inside a Python process, for the instruction-count
benches (``guards_icount_all.py``, ``guards_icount_parts.py``).

Callgrind starts with instrumentation off (``--instr-atstart=no``), so start-up, word tables
and model loading run at near native speed; a small C helper, compiled once into a temporary
directory and loaded with ``ctypes``, switches it on and off through callgrind's client
requests around the work measured, and dumps the counters under a label. Needs valgrind, its
headers (``valgrind/callgrind.h``) and cc.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HELPER = """#include <valgrind/callgrind.h>
void cg_on(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void cg_off(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
"""
TOTAL = re.compile(r"^totals: (\d+)", re.MULTILINE)


def helper_library(tmp: Path) -> Path:
    """The helper compiled into ``tmp``: a shared library the measured script loads."""
    (tmp / "cg.c").write_text(HELPER, encoding="utf-8")
    library = tmp / "libcg.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", library, tmp / "cg.c"], check=True)
    return library


def labelled_totals(script: str, args: list[str], src: Path, out: Path) -> list[tuple[str, int]]:
    """Run ``script`` (Python source, given ``args``) under callgrind with ``src`` on its path
    and instrumentation off at start; return each dump's client-request label and its
    instruction total, in the order dumped. The dump files are removed."""
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    cmd += [sys.executable, "-c", script, *args]
    env = {"PYTHONPATH": str(src), "PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"}
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    found: list[tuple[str, int]] = []
    dumps = sorted(out.parent.glob(out.name + "*"), key=lambda p: (len(p.name), p.name))
    for dump in dumps:
        text = dump.read_text(encoding="utf-8", errors="replace")
        label = re.search(r"^desc: Trigger: Client Request: (.+)$", text, re.MULTILINE)
        total = TOTAL.search(text)
        if label and total:
            found.append((label.group(1), int(total.group(1))))
        dump.unlink()
    return found
