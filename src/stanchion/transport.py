"""TLS at the edge: ``stanchion serve --tls-cert/--tls-key`` terminates it (modern ciphers,
HSTS), or the spec names the proxy that does and the addresses it connects from; only those
are believed when they send ``X-Forwarded-For`` / ``X-Forwarded-Proto``.

    edge:
      trusted_proxies: [10.0.0.0/8, 127.0.0.1]
      hsts_seconds: 31536000
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# TLS 1.2 with forward secrecy and AEAD only (TLS 1.3 suites are always on and all modern);
# no cipher here exists before TLS 1.2, so older protocols cannot complete a handshake.
MODERN_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1"


class EdgeSpec(BaseModel):
    """How requests reach the app: directly over TLS, or through a trusted proxy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trusted_proxies: list[str] = Field(
        [], description="addresses or CIDRs of the TLS-terminating proxy (X-Forwarded-* trusted)"
    )
    hsts_seconds: int = Field(31536000, ge=0, le=63072000, description="0 sends no HSTS")

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for entry in v:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR") from None
            if entry in ("0.0.0.0/0", "::/0"):
                raise ValueError("trusting every address would let anyone forge X-Forwarded-*")
        return v


def server_options(edge: EdgeSpec, cert: str | None, key: str | None) -> dict[str, Any]:
    """uvicorn's options for this edge: TLS when a certificate is given, and X-Forwarded-*
    believed only from the declared proxies (never from anyone when none is declared)."""
    options: dict[str, Any] = {
        "proxy_headers": bool(edge.trusted_proxies),
        "forwarded_allow_ips": ",".join(edge.trusted_proxies) or "",
    }
    if cert:
        options |= {
            "ssl_certfile": cert,
            "ssl_keyfile": key,
            "ssl_version": ssl.PROTOCOL_TLS_SERVER,
            "ssl_ciphers": MODERN_CIPHERS,
        }
    return options


def hsts_value(seconds: int) -> bytes:
    """The ``Strict-Transport-Security`` value for ``edge.hsts_seconds``."""
    return f"max-age={seconds}; includeSubDomains".encode()


class Hsts:
    """Adds ``Strict-Transport-Security`` (the spec's ``edge.hsts_seconds``) to every response
    sent over https, directly or as a trusted proxy reported it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rt = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
        seconds = rt.spec.edge.hsts_seconds if rt is not None else 0
        if scope["type"] != "http" or scope.get("scheme") != "https" or not seconds:
            await self.app(scope, receive, send)
            return
        value = hsts_value(seconds)

        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"strict-transport-security", value),
                ]
            await send(message)

        await self.app(scope, receive, send_with)
