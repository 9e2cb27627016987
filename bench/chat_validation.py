"""What validating a chat request costs: JSON parse + the ``ChatCompletionRequest`` model +
building the provider request, per request, for a typical body (4 messages, a few params)
and one with tools. Run: ``.venv/bin/python bench/chat_validation.py``."""

from __future__ import annotations

import timeit
from types import SimpleNamespace
from typing import Any

import orjson

from stanchion.server.chat import parse_chat

TYPICAL = {
    "model": "gpt",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "What is the refund policy for orders over 30 days?"},
        {"role": "assistant", "content": "Orders can be refunded within 30 days."},
        {"role": "user", "content": "And after that?"},
    ],
    "temperature": 0.2,
    "max_tokens": 256,
    "stream": False,
    "user": "alice",
}
TOOLS = {
    **TYPICAL,
    "tools": [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "description": "look something up",
                "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
            },
        }
        for i in range(4)
    ],
    "tool_choice": "auto",
}


def per_request_us(body: dict[str, Any], n: int = 100_000) -> float:
    raw = orjson.dumps(body)
    limits = SimpleNamespace(max_messages=200, max_tokens=4096)
    rt: Any = SimpleNamespace(resolve_model=lambda m: "gpt", spec=SimpleNamespace(limits=limits))
    best = min(timeit.repeat(lambda: parse_chat(orjson.loads(raw), rt), number=n, repeat=3))
    return best / n * 1e6


if __name__ == "__main__":
    for name, body in (("typical", TYPICAL), ("with 4 tools", TOOLS)):
        print(f"{name:>14}: {per_request_us(body):.2f} us per request (parse + validate)")
