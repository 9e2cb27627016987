"""The stream relay (``pipeline/streaming.py``) reads the provider's chunks itself past the
router's first one, so what the upstream raises mid-stream is translated there: the caller
gets the text released so far, then an error event that names no upstream detail, and the
trace records the failure with the tokens the model produced."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import openai_route
from tests.core.test_api import wait_trace
from tests.upstream import Upstream


def _events(gw: Any, ask: str) -> tuple[str, list[dict[str, Any]], bool]:
    """The trace id, the stream's JSON events, and whether it ended with ``[DONE]``."""
    headers = {"authorization": f"Bearer {gw.make_key()}"}
    body = {"model": "gpt", "stream": True, "messages": [{"role": "user", "content": ask}]}
    with httpx.stream(
        "POST", gw.url + "/v1/chat/completions", headers=headers, json=body, timeout=10
    ) as r:
        assert r.status_code == 200
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
        trace_id = r.headers["x-stanchion-trace-id"]
    done = lines[-1] == "data: [DONE]"
    return trace_id, [json.loads(line[6:]) for line in lines if line != "data: [DONE]"], done


def test_an_upstream_that_breaks_mid_stream_ends_it_with_a_public_error(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": "Pears ripen. Figs split. Plums drop. Quinces wait.", "break_after": 5})
    trace_id, events, done = _events(gw, "what does the orchard do in autumn?")
    text = "".join(
        e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices")
    )
    # five words went, then the break: sentences are released as they end, so the one begun
    # ("Plums") was held back
    assert text == "Pears ripen. Figs split. "
    error = events[-1]["error"]
    assert error["code"] == "bad_gateway" and trace_id in error["message"]
    assert "JSON" not in error["message"] and "127.0.0.1" not in error["message"]
    assert done
    assert len(up.requests) == 1, "a stream that already sent text is not retried"
    trace = wait_trace(gw, trace_id)
    assert (trace["decision"], trace["status"]) == ("error", 502)
    assert trace["completion_tokens"] > 0 and trace["cost"] > 0


def test_a_stream_that_runs_to_its_end_is_unchanged(
    sqlite_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, [openai_route(up)])
    up.script({"content": "Pears ripen. Figs split. Plums drop."})
    trace_id, events, done = _events(gw, "what does the orchard do in autumn?")
    text = "".join(
        e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices")
    )
    assert text == "Pears ripen. Figs split. Plums drop." and done
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    trace = wait_trace(gw, trace_id)
    assert (trace["decision"], trace["status"]) == ("pass", 200)
    assert trace["response"]["content"] == text and trace["completion_tokens"] == 7
