"""Log lines: JSON (one object a line) or text, each with the request's trace id.

    uvicorn.run(..., log_config=log_config(settings), log_level=None)
    TRACE_ID.set(ex.id)   # the chat route, once the trace id exists

No content and no secrets: a line carries the logger's message (stanchion never logs
prompts or answers), with bearer tokens and API keys masked; an exception is logged as
its type and stack, not its message (which may quote an upstream body); uvicorn's access
line is rebuilt from its parts with the path's query string left out.
"""

from __future__ import annotations

import logging
import re
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from stanchion.settings import Settings

TRACE_ID: ContextVar[str | None] = ContextVar("stanchion_trace_id", default=None)
SECRET = re.compile(
    r"(?i)(bearer\s+)\S+|\bsk-[A-Za-z0-9_\-]{6,}|(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',&]+"
)
ACCESS_ARGS = 5


def scrub(text: str) -> str:
    """``text`` with bearer tokens and key-like strings masked."""

    def mask(m: re.Match[str]) -> str:
        lead = m.group(1) or m.group(2) or ""
        return f"{lead}[redacted]"

    return SECRET.sub(mask, text)


def _access(record: logging.LogRecord) -> dict[str, Any] | None:
    args = record.args
    if record.name != "uvicorn.access" or not isinstance(args, tuple) or len(args) != ACCESS_ARGS:
        return None
    client, method, path, version, status = args
    path = str(path).split("?", 1)[0]
    return {
        "msg": f"{method} {path} {status}",
        "http.method": str(method),
        "http.path": path,
        "http.status": status,
        "http.version": str(version),
        "client": str(client),
    }


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The parts of one line, scrubbed."""
    out: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
    }
    access = _access(record)
    out |= access if access is not None else {"msg": scrub(record.getMessage())}
    trace_id = TRACE_ID.get()
    if trace_id:
        out["trace_id"] = trace_id
    if record.exc_info and record.exc_info[0] is not None:
        out["exc_type"] = record.exc_info[0].__name__
        out["stack"] = "".join(traceback.format_tb(record.exc_info[2]))
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(fields(record), default=str).decode()


class TextFormatter(logging.Formatter):
    """``ts level logger [trace] message``, scrubbed the same way."""

    def format(self, record: logging.LogRecord) -> str:
        f = fields(record)
        trace = f" [{f['trace_id']}]" if "trace_id" in f else ""
        line = f"{f['ts']} {f['level'].upper()} {f['logger']}{trace}: {f['msg']}"
        if "exc_type" in f:
            line += f"\n{f['exc_type']}\n{f['stack']}"
        return line


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


def log_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server: uvicorn's loggers and ours alike."""
    formatter = FORMATTERS.get(settings.log_format.lower(), TextFormatter)
    level = settings.log_level.upper()
    handler = ["stanchion"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"stanchion": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stanchion": {
                "class": "logging.StreamHandler",
                "formatter": "stanchion",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": handler, "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": handler, "level": "INFO", "propagate": False},
        },
        "root": {"handlers": handler, "level": level},
    }
