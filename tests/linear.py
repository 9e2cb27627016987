"""Linear-time checks that hold on any machine: the cost of an input is compared with the
cost of the same input four times smaller, in CPU time of this process, never with a number
of seconds (CI machines differ by 2x and are loaded by other test processes; a budget of 2 s
that passed by 2.6x on an idle machine failed on a loaded one).

Linear work grows 4x when the input does; quadratic work grows 16x. The bound is 4x with
room for noise (``SLACK``), plus a floor for inputs too small to time. A failing first
measure is taken again, since a pause of the whole machine only ever makes a measure larger.
"""

from __future__ import annotations

import time
from collections.abc import Callable

FACTOR = 4
SLACK = 2.5  # linear stays under 10x, quadratic is 16x
FLOOR = 0.02  # seconds of CPU: under it, growth is too small to matter or to time
TRIES = 3


def _cpu(run: Callable[[int], object], size: int) -> float:
    started = time.process_time()
    run(size)
    return time.process_time() - started


def growth(run: Callable[[int], object], size: int) -> tuple[float, float]:
    """The CPU seconds of ``run(size // FACTOR)`` and ``run(size)``, each the least of up
    to ``TRIES`` measures (the large one is measured again only while it is over the bound)."""
    small = min(_cpu(run, size // FACTOR) for _ in range(TRIES))
    large = _cpu(run, size)
    for _ in range(TRIES - 1):
        if large <= _bound(small):
            break
        large = min(large, _cpu(run, size))
    return small, large


def _bound(small: float) -> float:
    return FACTOR * SLACK * small + FLOOR


def grows_linearly(run: Callable[[int], object], size: int) -> None:
    """Assert that ``run``'s cost grows at most linearly from ``size // 4`` to ``size``.
    ``run(n)`` builds its input of about ``n`` units and reads it."""
    small, large = growth(run, size)
    assert large <= _bound(small), (
        f"{large:.3f}s at size {size} against {small:.3f}s at size {size // FACTOR}: "
        f"{large / max(small, 1e-9):.1f}x for {FACTOR}x the input (linear is {FACTOR}x)"
    )
