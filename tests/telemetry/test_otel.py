"""A real OTLP/HTTP receiver, started by the test, gets one span tree per request: the
stored trace's id, a root and a child per stage, the GenAI attributes, and no content
unless the spec asks for it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.conftest import openai_route
from tests.upstream import Upstream

MARKER = "ORANGE-GIRAFFE-0815"
STAGES = {"authenticate", "authorize", "admit", "guard_input", "render", "generate"}


class Receiver:
    """An OTLP/HTTP trace endpoint: decodes each export and keeps the spans."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                req = ExportTraceServiceRequest.FromString(body)
                receiver.headers.append(dict(self.headers))
                for rs in req.resource_spans:
                    for ss in rs.scope_spans:
                        receiver.spans.extend(ss.spans)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def attrs(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in span.attributes:
        v = kv.value
        kind = v.WhichOneof("value")
        out[kv.key] = (
            [x.string_value for x in v.array_value.values]
            if kind == "array_value"
            else getattr(v, kind)
        )
    return out


def _run(
    gateway_factory: Any,
    url: str,
    up: Upstream,
    content: bool,
    rx: Receiver,
    sample: float = 1.0,
    fail_first: bool = False,
) -> list[str]:
    gw = gateway_factory(url, [openai_route(up)], start=False, telemetry={"content": content})
    gw.settings = dataclasses.replace(
        gw.settings,
        otlp_endpoint=rx.url,
        otlp_headers="x-collector-key=s%3Dcret",
        otlp_sample=sample,
    )
    gw.start()
    msgs: Any = [{"role": "user", "content": f"what is {MARKER}?"}]
    ids = []
    with openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.make_key(), max_retries=0) as client:
        if fail_first:
            up.script({"status": 503}, {"status": 503}, {"status": 503})
            with pytest.raises(openai.APIStatusError):
                client.chat.completions.create(model="gpt", messages=msgs)
        for stream in (False, True, False):
            with client.chat.completions.with_streaming_response.create(
                model="gpt", messages=msgs, stream=stream, max_tokens=50
            ) as raw:
                raw.read()
                ids.append(raw.headers["x-stanchion-trace-id"])
    gw.stop()  # shutting down exports what is queued
    return ids


def test_one_span_tree_per_request_without_content(
    gateway_factory: Any, sqlite_url: str, up: Upstream, receiver: Receiver
) -> None:
    up.reset()
    ids = _run(gateway_factory, sqlite_url, up, False, receiver)
    by_trace: dict[str, list[Any]] = {}
    for span in receiver.spans:
        by_trace.setdefault(span.trace_id.hex(), []).append(span)
    assert sorted(by_trace) == sorted(ids)  # the OTel trace id is the stored trace id
    assert all(h.get("x-collector-key") == "s=cret" for h in receiver.headers)
    for trace_id, spans in by_trace.items():
        roots = [s for s in spans if not s.parent_span_id]
        assert len(roots) == 1
        root = roots[0]
        children = [s for s in spans if s is not root]
        assert all(c.parent_span_id == root.span_id for c in children)
        names = {attrs(c)["stanchion.stage"] for c in children}
        assert names >= STAGES
        a = attrs(root)
        assert root.name == "chat gpt" and a["stanchion.trace_id"] == trace_id
        assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == "gpt"
        gen = next(c for c in children if attrs(c)["stanchion.stage"] == "generate")
        g = attrs(gen)
        assert g["gen_ai.response.model"] == "up-model-2026"
        assert g["gen_ai.provider.name"] == "openai"
        assert g["gen_ai.usage.input_tokens"] > 0 and g["gen_ai.usage.output_tokens"] > 0
        assert g["gen_ai.request.max_tokens"] == 50
        assert root.start_time_unix_nano <= gen.start_time_unix_nano
        assert gen.end_time_unix_nano <= root.end_time_unix_nano
        assert MARKER not in str([attrs(s) for s in spans])
    streamed = attrs(next(s for s in by_trace[ids[1]] if s.name.startswith("chat up")))
    assert streamed["stanchion.time_to_first_token_s"] > 0


def test_content_is_exported_only_when_the_spec_says_so(
    gateway_factory: Any, sqlite_url: str, up: Upstream, receiver: Receiver
) -> None:
    up.reset()
    _run(gateway_factory, sqlite_url, up, True, receiver)
    roots = [s for s in receiver.spans if not s.parent_span_id]
    assert len(roots) == 3
    for root in roots:
        a = attrs(root)
        assert MARKER in a["gen_ai.input.messages"]
        assert "gen_ai.output.messages" in a


def test_sampling_keeps_every_failure(
    gateway_factory: Any, sqlite_url: str, up: Upstream, receiver: Receiver
) -> None:
    up.reset()
    _run(gateway_factory, sqlite_url, up, False, receiver, sample=0.0, fail_first=True)
    roots = [s for s in receiver.spans if not s.parent_span_id]
    assert len(roots) == 1  # the three answered requests were not sampled; the error was
    a = attrs(roots[0])
    assert a["stanchion.decision"] == "error" and a["http.response.status_code"] == 502
    assert roots[0].status.code == 2  # STATUS_CODE_ERROR
