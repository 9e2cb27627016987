"""Work that follows an answer out: what a request does once its last byte is written.

At one request at a time a request's latency is the sum of everything before its last
byte leaves, so what nobody waits for (the metrics an exchange adds) runs after it. The
server's middleware opens a list per request (``deferred``) and runs it when the response
has been sent, in the request's own task (so a client that reads the metrics after its
answer sees them counted, as before); outside a server (the CLI, evals, tests calling the
pipeline) there is no list and the work runs at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

log = logging.getLogger("stanchion.pipeline")
_LATER: ContextVar[list[tuple[Callable[..., None], tuple[Any, ...]]] | None] = ContextVar(
    "stanchion_after_answer", default=None
)


def after_answer(fn: Callable[..., None], *args: Any) -> None:
    """Call ``fn(*args)`` once the request's answer has been sent (now, outside a server)."""
    later = _LATER.get()
    if later is None:
        fn(*args)
    else:
        later.append((fn, args))


@contextmanager
def deferred() -> Iterator[None]:
    """Collect what ``after_answer`` defers inside the block, and run it on the way out."""
    later: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
    token = _LATER.set(later)
    try:
        yield
    finally:
        _LATER.reset(token)
        for fn, args in later:
            try:
                fn(*args)
            except Exception:  # the answer is out: a fault here is logged, never raised
                log.exception("work after the answer failed: %s", getattr(fn, "__name__", fn))
