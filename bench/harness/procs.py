"""Processes for a bench: each started in its own group (optionally pinned with taskset),
stopped by group, and measured as a tree (CPU seconds, resident memory) from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def usage(root: int) -> tuple[float, float]:
    """(CPU seconds, resident MB) of the tree under ``root``."""
    cpu = rss = 0.0
    for pid in tree(root):
        try:
            fields = _stat(pid)
        except (OSError, IndexError):
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICK
        rss += int(fields[21]) * PAGE / (1 << 20)
    return cpu, rss


class Proc:
    def __init__(
        self, argv: list[str], log: Path, cpus: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        if cpus:
            argv = ["taskset", "-c", cpus, *argv]
        self.log = log
        self.popen = subprocess.Popen(
            argv,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, grace: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        end = time.monotonic() + grace
        while time.monotonic() < end and self.popen.poll() is None:
            time.sleep(0.05)
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, n: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
