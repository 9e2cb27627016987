"""Structured outputs: ``response_format`` ``json_schema`` (and ``json_object``) enforced.

The generate stage retries once when the model's JSON does not match (``structured_outputs.
on_invalid: retry``, answers in JSON only: a stream has already left). After the output
guards and the decision, ``CheckStructured`` validates the text the caller would get:

- the model's answer does not match: 422 ``structured_output_invalid``;
- the model's answer matched but a redaction broke it (a ``[REDACTED ...]`` where the schema
  wants an email, an enum, a number): 422 ``structured_output_redacted``. The redacted answer
  is not sent (it would break the caller's parser) and neither is the unredacted one.

A blocked, held or declined answer is the app's plain message, as without a schema. Error
messages name the JSON path and the failing keyword, never the value.
"""

from __future__ import annotations

from typing import Any

from stanchion.agents.schemas import check
from stanchion.errors import Unprocessable
from stanchion.pipeline.exchange import Exchange

OBJECT = {"type": "object"}
KEY = "structured"
RETRY_NOTE = (
    "Your previous answer did not match the required JSON schema ({problem}). "
    "Answer again with only JSON that matches the schema."
)


def response_schema(params: dict[str, Any]) -> dict[str, Any] | None:
    """The schema an answer must match, from ``response_format`` (None: free text)."""
    fmt = params.get("response_format")
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_object":
        return OBJECT
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else OBJECT
    return None


def retry_messages(messages: list[dict[str, Any]], answer: str, problem: str) -> list[Any]:
    """The conversation for the one retry: the failed answer, then what was wrong with it."""
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": RETRY_NOTE.format(problem=problem)},
    ]


class CheckStructured:
    name = "check_structured"
    after_decision = True  # runs on redacted answers too: it reads what the caller gets

    async def __call__(self, ex: Exchange) -> None:
        schema = response_schema(ex.request.params)
        if schema is None or ex.completion is None or ex.tool_calls:
            return
        if ex.decision not in ("pass", "redact"):
            return
        state = ex.annotations.setdefault(KEY, {})
        final = check(schema, ex.response_text)
        if final is None:
            state["outcome"] = "valid"
            return
        raw = check(schema, ex.completion.content)
        state["outcome"], state["problem"] = ("redacted" if raw is None else "invalid"), final
        if raw is None:
            raise Unprocessable(
                "the answer matched the response_format schema until the output policy "
                f"redacted part of it, and the redacted answer does not ({final})",
                code="structured_output_redacted",
                param="response_format",
            )
        raise Unprocessable(
            f"the model's answer does not match the response_format schema ({final})",
            code="structured_output_invalid",
            param="response_format",
        )
