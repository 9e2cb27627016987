"""Recording alerts and delivering them to webhooks: a Slack-compatible JSON body, signed
with HMAC-SHA256, retried with a doubling backoff, every attempt's outcome recorded.

The signature header is ``X-Stanchion-Signature: t=<unix time>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256 under the channel's secret (``secret_env``) of ``"<t>." + body``; a receiver
recomputes it and rejects stale ``t`` to stop replays.

    event = await raise_alert(rt, "pilot-gate", "critical", "pilot gate breached", {...})
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import orjson
from sqlalchemy import Connection, select, update

from stanchion.alerts.schema import alert_events
from stanchion.alerts.spec import Channel
from stanchion.store.db import Store

log = logging.getLogger("stanchion.alerts")
COLORS = {"firing": "#d33", "resolved": "#2a2", "test": "#888"}
RETRY_STATUS = frozenset({408, 425, 429})
MAX_WAIT = 60.0  # the backoff doubles up to this
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class AlertEvent:
    rule: str
    status: str  # firing | resolved | test
    severity: str
    summary: str
    detail: dict[str, Any]
    app: str
    at: float
    id: str = field(default_factory=lambda: secrets.token_hex(16))
    channels: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """Slack's incoming-webhook shape (``text`` and ``attachments``) plus the record."""
        head = f"[{self.status.upper()}] {self.severity}: {self.app} / {self.rule}"
        fields = [
            {"title": k, "value": str(v)[:200], "short": True}
            for k, v in self.detail.items()
            if isinstance(v, (str, int, float, bool)) or v is None
        ]
        return {
            "text": f"{head}: {self.summary}",
            "attachments": [
                {"color": COLORS.get(self.status, "#888"), "title": head, "fields": fields}
            ],
            "stanchion": {
                "id": self.id,
                "app": self.app,
                "rule": self.rule,
                "status": self.status,
                "severity": self.severity,
                "summary": self.summary,
                "detail": self.detail,
                "at": self.at,
            },
        }


def sign(secret: str, body: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, body: bytes, header: str, now: float, tolerance: float = 300) -> bool:
    """What a receiver does: the signature matches and is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        at = int(parts["t"])
    except (KeyError, ValueError):
        return False
    good = sign(secret, body, at).split("v1=")[1]
    return abs(now - at) <= tolerance and hmac.compare_digest(good, parts.get("v1", ""))


async def post_webhook(
    client: httpx.AsyncClient,
    channel: Channel,
    secret: str | None,
    event: AlertEvent,
    sleep: Sleep = asyncio.sleep,
) -> dict[str, Any]:
    """POST the event until a 2xx, at most ``channel.attempts`` times; a 4xx other than
    408/425/429 is not retried. Returns the outcome as recorded."""
    body = orjson.dumps(event.body())
    wait, error = channel.backoff_seconds, ""
    for attempt in range(1, channel.attempts + 1):
        headers = {"content-type": "application/json", "user-agent": "stanchion-alerts"}
        if secret:
            headers["x-stanchion-signature"] = sign(secret, body, int(time.time()))
        try:
            r = await client.post(
                channel.url, content=body, headers=headers, timeout=channel.timeout
            )
            if 200 <= r.status_code < 300:
                return {"ok": True, "attempts": attempt, "status": r.status_code}
            error = f"HTTP {r.status_code}"
            if r.status_code < 500 and r.status_code not in RETRY_STATUS:
                return {"ok": False, "attempts": attempt, "error": error}
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        if attempt < channel.attempts:
            await sleep(wait)
            wait = min(wait * 2, MAX_WAIT)
    return {"ok": False, "attempts": channel.attempts, "error": error}


class Sink(Protocol):
    """Where events go: the store records them, the webhooks deliver them."""

    async def emit(self, event: AlertEvent) -> dict[str, Any]: ...


def _insert(conn: Connection, e: AlertEvent) -> None:
    conn.execute(
        alert_events.insert().values(
            id=e.id,
            app=e.app,
            rule=e.rule,
            status=e.status,
            severity=e.severity,
            summary=e.summary,
            detail=orjson.dumps(e.detail, default=str).decode(),
            at=e.at,
            delivered=False,
            attempts=0,
            delivery="{}",
        )
    )


def _delivered(conn: Connection, event_id: str, outcome: dict[str, dict[str, Any]]) -> None:
    ok = bool(outcome) and all(o["ok"] for o in outcome.values())
    conn.execute(
        update(alert_events)
        .where(alert_events.c.id == event_id)
        .values(
            delivered=ok,
            attempts=sum(int(o["attempts"]) for o in outcome.values()),
            delivery=orjson.dumps(outcome).decode(),
        )
    )


class Dispatcher:
    """Records an event, delivers it to its channels, records the delivery."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        secret: Callable[[str], str | None],
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.store, self.channels, self.secret, self.sleep = store, channels, secret, sleep

    async def emit(self, event: AlertEvent) -> dict[str, Any]:
        await self.store.run(self._record, event)
        outcome: dict[str, dict[str, Any]] = {}
        async with httpx.AsyncClient(follow_redirects=False) as client:
            for name in event.channels:
                ch = self.channels.get(name)
                if ch is None:
                    outcome[name] = {"ok": False, "attempts": 0, "error": "unknown channel"}
                    continue
                key = self.secret(ch.secret_env) if ch.secret_env else None
                outcome[name] = await post_webhook(client, ch, key, event, self.sleep)
                if not outcome[name]["ok"]:
                    log.error("alert %s to %s failed: %s", event.rule, name, outcome[name])
        await self.store.run(self._finish, event.id, outcome)
        return outcome

    def _record(self, event: AlertEvent) -> None:
        with self.store.engine.begin() as conn:
            _insert(conn, event)

    def _finish(self, event_id: str, outcome: dict[str, dict[str, Any]]) -> None:
        with self.store.engine.begin() as conn:
            _delivered(conn, event_id, outcome)


def dispatcher_for(rt: Any, sleep: Sleep = asyncio.sleep) -> Dispatcher:
    return Dispatcher(rt.store, rt.spec.alerts.channels, rt.settings.env_value, sleep)


async def raise_alert(
    rt: Any,
    rule: str,
    severity: str,
    summary: str,
    detail: dict[str, Any] | None = None,
    *,
    channels: list[str] | None = None,
    status: str = "firing",
) -> AlertEvent:
    """Record an alert and deliver it (to ``channels``, default every channel of the spec).
    For callers outside the evaluator, such as a pilot gate that breached; ``status``
    "resolved" says that it no longer does."""
    event = AlertEvent(
        rule[:100],
        status,
        severity,
        summary[:2000],
        dict(detail or {}),
        rt.spec.app,
        rt.clock(),
        channels=list(rt.spec.alerts.channels) if channels is None else channels,
    )
    await dispatcher_for(rt).emit(event)
    return event


def list_events(conn: Connection, app: str, limit: int = 50) -> list[dict[str, Any]]:
    t = alert_events
    rows = conn.execute(select(t).where(t.c.app == app).order_by(t.c.at.desc()).limit(limit))
    out = []
    for r in rows:
        data = {str(k): v for k, v in r._mapping.items()}
        data["detail"] = orjson.loads(data["detail"])
        data["delivery"] = orjson.loads(data["delivery"])
        out.append(data)
    return out
