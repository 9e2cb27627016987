"""Log lines: the trace id on each, secrets masked, exception messages and query strings
left out, in JSON and in text."""

from __future__ import annotations

import json
import logging
import sys

from stanchion.settings import Settings
from stanchion.telemetry.logs import TRACE_ID, JsonFormatter, TextFormatter, log_config, scrub


def record(
    msg: str, *args: object, name: str = "stanchion.x", exc: bool = False
) -> logging.LogRecord:
    info = None
    quoted = "upstream said: the customer's " + "secret question"
    if exc:
        try:
            raise ValueError(quoted)
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, info)


def test_secrets_are_masked() -> None:
    line = scrub("auth Bearer sk-stn-AAAAAAAAAAAA and api_key=hunter2 and sk-proj-123456789")
    assert "AAAA" not in line and "hunter2" not in line and "123456789" not in line
    assert line.count("[redacted]") == 3


def test_json_line_has_the_trace_id_and_no_exception_message() -> None:
    token = TRACE_ID.set("ab" * 16)
    try:
        line = JsonFormatter().format(record("trace %s failed", "x", exc=True))
    finally:
        TRACE_ID.reset(token)
    data = json.loads(line)
    assert data["trace_id"] == "ab" * 16 and data["level"] == "warning"
    assert data["exc_type"] == "ValueError" and "secret question" not in line
    assert "trace_id" not in json.loads(JsonFormatter().format(record("outside a request")))


def test_access_line_drops_the_query_string() -> None:
    args = ("127.0.0.1:5000", "GET", "/v1/models?api_key=sk-stn-XYZXYZXYZ", "1.1", 200)
    rec = record('%s - "%s %s HTTP/%s" %d', *args, name="uvicorn.access")
    data = json.loads(JsonFormatter().format(rec))
    assert data["http.path"] == "/v1/models" and data["http.status"] == 200
    assert "XYZ" not in TextFormatter().format(rec)


def test_log_config_picks_the_format() -> None:
    conf = log_config(Settings(log_format="json", log_level="info"))
    assert conf["formatters"]["stanchion"]["()"].endswith("JsonFormatter")
    assert conf["loggers"]["uvicorn"]["level"] == "INFO"
    text = log_config(Settings.from_env({"STANCHION_LOG_FORMAT": "text"}))
    assert text["formatters"]["stanchion"]["()"].endswith("TextFormatter")
    assert Settings.from_env({"STANCHION_ACCESS_LOG": "true"}).access_log is True
    assert Settings.from_env({"STANCHION_ACCESS_LOG": "0"}).access_log is False
