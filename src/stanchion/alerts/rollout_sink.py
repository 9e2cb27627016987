"""Rollout alerts (a breached pilot gate, a canary rolled back) delivered to the spec's alert
channels: the rollout raises them inside its store transaction, on a worker thread; this
sink hands each one to the event loop, where ``deliver.raise_alert`` records and sends it.

    stop = forward_rollout_alerts(rt)   # at start-up, when the app has rollout and channels
    stop()                              # at shutdown
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from stanchion.alerts.deliver import raise_alert
from stanchion.rollout.alerts import add_sink, remove_sink

SEVERITY = "critical"


def forward_rollout_alerts(rt: Any) -> Callable[[], None]:
    """Register the sink for ``rt``'s app on the running loop; returns its unregistration."""
    loop = asyncio.get_running_loop()

    def sink(app: str, kind: str, message: str, detail: dict[str, Any]) -> None:
        if app != rt.spec.app:
            return
        coro = raise_alert(rt, f"rollout.{kind}", SEVERITY, message, detail)
        asyncio.run_coroutine_threadsafe(coro, loop)

    add_sink(sink)
    return lambda: remove_sink(sink)
