"""Request bodies, declared once as pydantic models: they validate every request and give
the OpenAPI document its schemas (``server/openapi.py``).

    chat = parse(ChatCompletionRequest, body)
    chat.check_limits(body, max_tokens=4096)

Typed fields are strict (no "1" for 1, no true for 1) and follow OpenAI's own ranges.
Fields OpenAI adds after this file pass through to the upstream untouched, as long as
their names look like parameter names; ``check_depth`` bounds nesting before any of it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails

from stanchion.errors import ApiError, BadRequest, Unprocessable

MAX_DEPTH = 32
MAX_PROPERTIES = 64
M = TypeVar("M", bound=BaseModel)

PRINTABLE = r"^[^\x00-\x1f\x7f]+$"  # no control characters (NUL breaks PostgreSQL text)


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


Name = Annotated[str, Field(min_length=1, max_length=256, pattern=PRINTABLE)]
NO_NUL = r"^[^\x00]*$"
# Free text stored by an admin route (notes, comments): any text but NUL.
Prose = Annotated[str, Field(max_length=10_000, pattern=NO_NUL)]
# JSON Schema counts 1.0 as an integer; true and "1" stay refused. (After the bounds in
# ``Annotated``, or the document loses them.)
WHOLE = BeforeValidator(_whole)
Text = Annotated[str, Field(max_length=1_000_000)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
EXTRA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class Open(BaseModel):
    """Typed fields strict, unknown fields kept (OpenAI adds fields over time)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class Closed(BaseModel):
    """Every field declared: our own admin bodies."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# -- messages -------------------------------------------------------------------------


class TextPart(Open):
    type: Literal["text"]
    text: Text


class ImageUrl(Open):
    url: Text
    detail: Literal["auto", "low", "high"] | None = None


class ImagePart(Open):
    type: Literal["image_url"]
    image_url: ImageUrl


class InputAudio(Open):
    data: Text
    format: Annotated[str, Field(max_length=16)]


class AudioPart(Open):
    type: Literal["input_audio"]
    input_audio: InputAudio


class FileRef(Open):
    file_id: Name | None = None
    file_data: Text | None = None
    filename: Name | None = None


class FilePart(Open):
    type: Literal["file"]
    file: FileRef


class RefusalPart(Open):
    type: Literal["refusal"]
    refusal: Text


Part = Annotated[
    TextPart | ImagePart | AudioPart | FilePart | RefusalPart,
    Field(discriminator="type"),
]


Content = Text | list[Part]


class FunctionCall(Open):
    name: Name
    arguments: Text


class ToolCall(Open):
    id: Name
    type: Literal["function"]
    function: FunctionCall


class _Turn(Open):
    name: Name | None = None


class SystemMessage(_Turn):
    role: Literal["system"]
    content: Content


class DeveloperMessage(_Turn):
    role: Literal["developer"]
    content: Content


class UserMessage(_Turn):
    role: Literal["user"]
    content: Content


class AssistantMessage(_Turn):
    role: Literal["assistant"]
    content: Content | None = None
    tool_calls: Annotated[list[ToolCall], Field(max_length=128)] | None = None
    refusal: Text | None = None


class ToolMessage(_Turn):
    role: Literal["tool"]
    content: Content
    tool_call_id: Name


Message = Annotated[
    SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage,
    Field(discriminator="role"),
]


# -- tools and formats ----------------------------------------------------------------

FunctionName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class FunctionDef(Open):
    name: FunctionName
    description: Annotated[str, Field(max_length=10_000)] | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(Open):
    type: Literal["function"]
    function: FunctionDef


class NamedFunction(Open):
    name: FunctionName


class NamedToolChoice(Open):
    type: Literal["function"]
    function: NamedFunction


class JsonSchemaFormat(Open):
    name: FunctionName
    description: str | None = None
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    strict: bool | None = None


class TextFormat(Open):
    type: Literal["text"]


class JsonObjectFormat(Open):
    type: Literal["json_object"]


class JsonSchemaResponse(Open):
    type: Literal["json_schema"]
    json_schema: JsonSchemaFormat


ResponseFormat = Annotated[
    TextFormat | JsonObjectFormat | JsonSchemaResponse,
    Field(discriminator="type"),
]


class StreamOptions(Open):
    include_usage: bool | None = None


# -- the chat request -----------------------------------------------------------------

Tokens = Annotated[int, Field(ge=1), WHOLE]
Penalty = Annotated[Finite, Field(ge=-2, le=2)]
TokenId = Annotated[str, Field(pattern=r"^[0-9]{1,9}$")]
Bias = Annotated[int, Field(ge=-100, le=100), WHOLE]
Stop = Annotated[str, Field(min_length=1, max_length=1_000)]
MetaKey = Annotated[str, Field(min_length=1, max_length=64)]
MetaValue = Annotated[str, Field(max_length=512)]


class ChatCompletionRequest(Open):
    """OpenAI's chat request. ``n`` up to 8: each choice is guarded and recorded alone."""

    model_config = ConfigDict(
        json_schema_extra={
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
            "maxProperties": MAX_PROPERTIES,
        }
    )

    model: Name
    messages: Annotated[list[Message], Field(min_length=1)]
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: Annotated[Finite, Field(ge=0, le=2)] | None = None
    top_p: Annotated[Finite, Field(ge=0, le=1)] | None = None
    n: Annotated[int, Field(ge=1), WHOLE] | None = None
    max_tokens: Tokens | None = None
    max_completion_tokens: Tokens | None = None
    stop: Stop | Annotated[list[Stop], Field(max_length=4)] | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    logit_bias: Annotated[dict[TokenId, Bias], Field(max_length=300)] | None = None
    seed: Annotated[int, Field(ge=-(2**63), le=2**63 - 1), WHOLE] | None = None
    response_format: ResponseFormat | None = None
    tools: Annotated[list[Tool], Field(max_length=128)] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    metadata: Annotated[dict[MetaKey, MetaValue], Field(max_length=16)] | None = None
    user: Name | None = None
    store: bool | None = None
    logprobs: bool | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20), WHOLE] | None = None
    service_tier: Annotated[str, Field(max_length=32)] | None = None
    # The guards read text: an answer in audio would leave unguarded.
    modalities: list[Literal["text"]] | None = None
    audio: None = Field(None, description="audio output is refused: the guards read text")

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int | None) -> int | None:
        if n is not None and n > 8:
            raise ValueError("n must be at most 8: each choice is guarded and recorded alone")
        return n

    def check_limits(self, body: dict[str, Any], max_tokens: int) -> None:
        """The app's ceiling on both token fields, and the names of fields OpenAI added
        after this model (they pass through to the upstream)."""
        if len(body) > MAX_PROPERTIES:
            raise BadRequest(f"the request has over {MAX_PROPERTIES} fields")
        for field in ("max_tokens", "max_completion_tokens"):
            asked = getattr(self, field)
            if asked is not None and asked > max_tokens:
                raise BadRequest(
                    f"{field} {asked} is above this app's limit of {max_tokens}", param=field
                )
        for name in self.model_extra or {}:
            if not EXTRA_NAME.fullmatch(name):
                raise BadRequest("unrecognized fields must be named like parameters", param=name)


# -- admin bodies ---------------------------------------------------------------------


class KeyCreate(Closed):
    """``POST /admin/keys``: a key for ``user`` with ``role``, optionally expiring."""

    user: Name
    role: Annotated[str, Field(min_length=1, max_length=64)]
    expires_at: Annotated[Finite, Field(gt=0, le=253_402_300_799)] | None = Field(
        None, description="epoch seconds (at most the year 9999)"
    )
    bound_to: Annotated[str, Field(pattern=r"^sso-[0-9a-f]{24}$")] | None = Field(
        None, description="an SSO user's id (`sso-...`): the key ends when that user does"
    )


class Feedback(Closed):
    """``POST /v1/feedback``: rate an answer you received."""

    trace_id: Name
    score: Annotated[int, Field(ge=1, le=5), WHOLE]
    comment: Prose | None = None
    correction: Prose | None = None


class ReviewDecision(Closed):
    """``POST /admin/review/{trace_id}/{action}``: ``content`` replaces the answer (edit)."""

    content: Annotated[str, Field(max_length=1_000_000, pattern=NO_NUL)] | None = None
    note: Prose | None = None


class VersionPush(Closed):
    name: Name
    content: dict[str, Any]
    message: Prose = ""


class LabelMove(Closed):
    version: Name
    canary_percent: Annotated[int, Field(ge=0, le=100), WHOLE] | None = None


class Rollback(Closed):
    name: Name


class Decision(Closed):
    label: Name
    comment: Prose = ""


# -- turning pydantic errors into OpenAI's ----------------------------------------------

PATTERN_MESSAGES = {
    PRINTABLE: "must not contain control characters",
    NO_NUL: "must not contain NUL characters",
}
TYPE_ERRORS = frozenset({"literal_error", "union_tag_invalid", "union_tag_not_found", "enum"})


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` (400): nothing downstream recurses on it."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise BadRequest(f"the request body is nested deeper than {limit} levels")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def parse(model: type[M], body: Any) -> M:
    """Validate ``body`` against ``model``; the first problem becomes OpenAI's error JSON."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise to_api_error(exc.errors(include_url=False, include_input=False), body) from None


def to_api_error(errors: list[ErrorDetails], body: Any) -> ApiError:
    # The most specific problem: a union reports one error per member, the deepest is
    # the member the client meant (a list of parts, not a string).
    first = max(errors, key=lambda e: len(e["loc"]))
    kind, message = first["type"], first["msg"].removeprefix("Value error, ")
    ctx = first.get("ctx") or {}
    param = _param(first["loc"], body, kind == "missing")
    if "discriminator" in ctx:  # a tagged union: name the tag field itself
        tag = str(ctx["discriminator"]).strip("'")
        param = f"{param}.{tag}" if param else tag
        message = f"must be one of {ctx.get('expected_tags', '')}"
    if kind == "missing":
        return BadRequest(f"missing required field: {param}", param=param)
    if kind == "extra_forbidden":
        return BadRequest(f"unrecognized request argument: {param}", param=param)
    if ctx.get("pattern") in PATTERN_MESSAGES:
        message = PATTERN_MESSAGES[ctx["pattern"]]
    text = f"{param}: {message}" if param else message
    if kind.endswith("_type") or kind in TYPE_ERRORS:
        return Unprocessable(text, param=param)
    return BadRequest(text, param=param)


def _param(loc: tuple[int | str, ...], body: Any, missing: bool) -> str | None:
    """``messages[0].content[1].text``: the path through the body the client sent.

    pydantic's ``loc`` also holds the labels of union members and the tags of tagged
    unions; following the body keeps only the steps that exist in it (and, for a missing
    field, the last step, which names it)."""
    out, node = "", body
    for i, step in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            out, node = out + f"[{step}]", node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            out, node = (f"{out}.{step}" if out else step), node[step]
        elif last and missing and isinstance(step, str):
            out = f"{out}.{step}" if out else step
    return out or None


class SignoffCreate(Closed):
    """An owner's sign-off of the goal, the go-live or a rollout stage (``stage:NAME``),
    against the readiness report they saw (its hash, from ``GET /admin/readiness``)."""

    subject: Annotated[
        str,
        Field(max_length=120, pattern=r"^(goal|go-live|stage:[A-Za-z0-9][A-Za-z0-9._-]{0,99})$"),
    ]
    function: Literal["business", "it_security", "legal", "end_users"]
    report_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    comment: Annotated[str, Field(max_length=2000)] = ""
