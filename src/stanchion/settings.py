"""Process settings, declared once: each has its env var, default, type and meaning.

Nothing else in stanchion reads the environment; the CLI builds ``Settings`` and passes it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


def _meta(env: str, doc: str) -> dict[str, str]:
    return {"env": env, "doc": doc}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a process may take from its environment."""

    encryption_key: str | None = field(
        default=None,
        metadata=_meta("STANCHION_ENCRYPTION_KEY", "base64 AES-256 key for content at rest"),
    )
    key_file: Path | None = field(
        default=None,
        metadata=_meta("STANCHION_KEY_FILE", "the key file (default: <app>/.stanchion/master.key)"),
    )
    database_url: str | None = field(
        default=None, metadata=_meta("STANCHION_DATABASE_URL", "overrides the spec's storage.url")
    )
    owner_database_url: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_OWNER_DATABASE_URL",
            "PostgreSQL: the owner role `db upgrade` migrates as; it then grants the role of"
            " STANCHION_DATABASE_URL (which `serve` uses) rows but no audit rewrites",
        ),
    )
    redis_url: str | None = field(
        default=None, metadata=_meta("STANCHION_REDIS_URL", "overrides limits.redis_url")
    )
    spec: Path | None = field(
        default=None, metadata=_meta("STANCHION_SPEC", "the app spec a worker process serves")
    )
    api_key: str | None = field(
        default=None, metadata=_meta("STANCHION_API_KEY", "the key `stanchion ask` sends")
    )
    log_level: str = field(
        default="warning", metadata=_meta("STANCHION_LOG_LEVEL", "uvicorn log level")
    )
    auth_cache_seconds: float = field(
        default=5.0,
        metadata=_meta("STANCHION_AUTH_CACHE_SECONDS", "how long a key lookup is trusted"),
    )
    trace_batch: int = field(
        default=256, metadata=_meta("STANCHION_TRACE_BATCH", "traces written per transaction")
    )
    audit_checkpoint: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_AUDIT_CHECKPOINT",
            "where the audit head's signed checkpoint is kept: a file, or a database URL of a"
            " second store shared by hosts (default: <app>/.stanchion/audit.checkpoint)",
        ),
    )
    body_timeout_seconds: float = field(
        default=10.0,
        metadata=_meta("STANCHION_BODY_TIMEOUT_SECONDS", "longest a request body may take (408)"),
    )
    head_timeout_seconds: float = field(
        default=10.0,
        metadata=_meta(
            "STANCHION_HEAD_TIMEOUT_SECONDS",
            "longest a request's line and headers may take, or a new connection its first (408)",
        ),
    )
    trace_flush_ms: float = field(
        default=50.0,
        metadata=_meta("STANCHION_TRACE_FLUSH_MS", "longest a trace waits before it is written"),
    )
    rollup_flush_seconds: float = field(
        default=2.0,
        metadata=_meta(
            "STANCHION_ROLLUP_FLUSH_SECONDS",
            "how long the trace writer keeps report rollup increments in memory before adding"
            " them to the store (the reports lag by at most this; 0: in each batch's"
            " transaction)",
        ),
    )
    ui: bool = field(
        default=True,
        metadata=_meta(
            "STANCHION_UI", "serve the console under /ui (off: an API-only replica, 404 there)"
        ),
    )
    ui_idle_seconds: float = field(
        default=1800.0,
        metadata=_meta("STANCHION_UI_IDLE_SECONDS", "a console session ends after this idle"),
    )
    ui_absolute_seconds: float = field(
        default=43200.0,
        metadata=_meta(
            "STANCHION_UI_ABSOLUTE_SECONDS", "a console session ends this long after sign-in"
        ),
    )

    spool_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_SPOOL_DIR", "the local trace spool (default: <app>/.stanchion/spool)"
        ),
    )
    spool_max_mb: float = field(
        default=64.0,
        metadata=_meta(
            "STANCHION_SPOOL_MAX_MB",
            "traces the store has not taken yet, at most (then requests answer 503)",
        ),
    )
    durability: str = field(
        default="os",
        metadata=_meta(
            "STANCHION_DURABILITY",
            "os: each trace is written to the OS before its answer leaves (survives a killed "
            "process); fsync: also group-committed to disk (survives a power loss)",
        ),
    )

    log_format: str = field(
        default="text",
        metadata=_meta(
            "STANCHION_LOG_FORMAT", "text, or json: one JSON object a line with the trace id"
        ),
    )
    access_log: bool = field(
        default=False,
        metadata=_meta("STANCHION_ACCESS_LOG", "log every HTTP request (in the log format)"),
    )
    otlp_endpoint: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_OTLP_ENDPOINT",
            "an OTLP/HTTP collector (http://host:4318, or its full /v1/traces URL): spans are"
            " exported there; unset, none are made",
        ),
    )
    otlp_headers: str | None = field(
        default=None,
        metadata=_meta("STANCHION_OTLP_HEADERS", "headers for the collector: k1=v1,k2=v2"),
    )
    otlp_sample: float = field(
        default=1.0,
        metadata=_meta(
            "STANCHION_OTLP_SAMPLE",
            "share of passed requests whose spans are exported (0..1, by trace id); errors,"
            " blocks, holds and refusals are always exported",
        ),
    )
    drain_file: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_DRAIN_FILE",
            "when this file exists the worker drains: new requests get 503, /readyz fails",
        ),
    )
    metrics_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "PROMETHEUS_MULTIPROC_DIR",
            "where workers share metrics; `stanchion serve --workers N` sets a private one",
        ),
    )
    ca_bundle: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_CA_BUNDLE",
            "PEM file of extra CAs trusted for outbound TLS (identity provider, upstreams)",
        ),
    )
    previous_encryption_key: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_PREVIOUS_ENCRYPTION_KEY",
            "during a master-key rotation, the old master key (base64): data keys not yet"
            " re-wrapped are opened with it",
        ),
    )
    audit_export_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_AUDIT_EXPORT_DIR",
            "a folder outside the database where serve writes Ed25519-signed audit checkpoints",
        ),
    )
    audit_export_minutes: float = field(
        default=60.0,
        metadata=_meta("STANCHION_AUDIT_EXPORT_MINUTES", "how often those checkpoints are written"),
    )
    master_key_provider: str | None = field(
        default=None,
        metadata=_meta(
            "STANCHION_MASTER_KEY_PROVIDER",
            "name:config of a registered master-key provider (a KMS plug-in) used instead of"
            " the local key",
        ),
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            kind = type(f.default) if f.default is not None else str
            if f.name in ("key_file", "spec", "spool_dir", "metrics_dir", "audit_export_dir"):
                values[f.name] = Path(raw)
            elif isinstance(f.default, bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif kind in (int, float):
                values[f.name] = kind(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def env_value(self, name: str) -> str | None:
        """Read a secret named by the spec (a route's ``api_key_env``)."""
        return os.environ.get(name)
