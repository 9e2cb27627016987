"""The trace id under the name OpenAI's SDKs read (``x-request-id``): a user of the official
client quotes ``completion._request_id`` or an error's ``request_id``, and it is the id of
the request's trace."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.core.test_api import wait_trace

ROUTES = [{"name": "offline", "provider": "local"}]


def sdk(gw: Any, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0)


def test_a_completion_and_its_stream_name_their_trace(
    sqlite_url: str, gateway_factory: Any
) -> None:
    gw = gateway_factory(sqlite_url, ROUTES)
    with sdk(gw, gw.make_key("user")) as client:
        done = client.chat.completions.with_raw_response.create(
            model="offline", messages=[{"role": "user", "content": "hello there"}]
        )
        parsed = done.parse()
        assert parsed._request_id == done.headers["x-stanchion-trace-id"]
        assert wait_trace(gw, parsed._request_id)["route"] == "offline"
        with client.chat.completions.with_streaming_response.create(
            model="offline", messages=[{"role": "user", "content": "hello"}], stream=True
        ) as streamed:
            request_id = streamed.headers["x-request-id"]
            assert request_id == streamed.headers["x-stanchion-trace-id"]
            assert "".join(streamed.iter_lines())


def test_an_error_names_an_id_too(sqlite_url: str, gateway_factory: Any) -> None:
    gw = gateway_factory(sqlite_url, ROUTES)
    with sdk(gw, "sk-not-a-key") as client, pytest.raises(openai.AuthenticationError) as err:
        client.chat.completions.create(
            model="offline", messages=[{"role": "user", "content": "hello"}]
        )
    assert err.value.request_id is not None and len(err.value.request_id) == 32
    assert err.value.response.headers["x-stanchion-trace-id"] == err.value.request_id
