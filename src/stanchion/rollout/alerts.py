"""Alerts the rollout raises (a breached gate, a canary rolled back).

Each alert is an audit event (``alert.raised``) and a warning in the log. The monitoring
package plugs its own delivery in with ``add_sink``: a sink gets the app, the alert's kind,
its message and details, after the event is stored::

    from stanchion.rollout.alerts import add_sink
    add_sink(lambda app, kind, message, detail: notify(app, kind, message))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from stanchion.store.audit import append_audit

log = logging.getLogger("stanchion.rollout")
Sink = Callable[[str, str, str, dict[str, Any]], None]
_SINKS: list[Sink] = []


def add_sink(sink: Sink) -> None:
    """Register a delivery for rollout alerts (the hook for ``stanchion.monitor``)."""
    if sink not in _SINKS:
        _SINKS.append(sink)


def remove_sink(sink: Sink) -> None:
    if sink in _SINKS:
        _SINKS.remove(sink)


def raise_alert(
    conn: Connection, app: str, kind: str, message: str, detail: dict[str, Any]
) -> None:
    """Store the alert in the audit chain, log it, and hand it to every registered sink."""
    append_audit(conn, "rollout", "alert.raised", f"{app}:{kind}", {"message": message, **detail})
    log.warning("alert %s for %s: %s", kind, app, message)
    for sink in list(_SINKS):
        try:
            sink(app, kind, message, detail)
        except Exception:  # a broken sink must not undo the rollback it reports
            log.exception("alert sink %r failed", sink)
