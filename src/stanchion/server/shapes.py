"""Request bodies of the routes that speak other shapes than chat completions, declared once
as pydantic models (they validate and they document, as ``server/schemas.py`` does):
``POST /v1/embeddings``, ``POST /v1/responses`` (OpenAI's Responses API) and
``POST /v1/messages`` (Anthropic's Messages API). ``server/translate.py`` turns the last two
into one chat request for the pipeline.

Fields that would change what the answer means and that the gateway cannot honour (stored
conversations, server-side tools, token-id inputs the guards cannot read) are refused by
name; hints with no chat equivalent (Anthropic's ``top_k``, Responses' ``reasoning`` or
``include``) are accepted and not forwarded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import ConfigDict, Field

from stanchion.errors import BadRequest
from stanchion.server.schemas import (
    EXTRA_NAME,
    MAX_PROPERTIES,
    Finite,
    FunctionName,
    MetaKey,
    MetaValue,
    Name,
    Open,
    Stop,
    Text,
    Tokens,
    parse,
)

OPEN_NAMES = ConfigDict(
    json_schema_extra={
        "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
        "maxProperties": MAX_PROPERTIES,
    }
)
Temperature = Annotated[Finite, Field(ge=0, le=2)]
TopP = Annotated[Finite, Field(ge=0, le=1)]
Metadata = Annotated[dict[MetaKey, MetaValue], Field(max_length=16)]
Id = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
Schema = dict[str, Any]
M = TypeVar("M", bound=Open)


def parse_open(model: type[M], body: Any) -> M:
    """Validate ``body``; fields the model does not declare are ignored (never forwarded),
    but they must still be few and named like parameters."""
    req = parse(model, body)
    if len(body) > MAX_PROPERTIES:
        raise BadRequest(f"the request has over {MAX_PROPERTIES} fields")
    for name in req.model_extra or {}:
        if not EXTRA_NAME.fullmatch(name):
            raise BadRequest("unrecognized fields must be named like parameters", param=name)
    return req


# -- embeddings -----------------------------------------------------------------------

EmbedText = Annotated[str, Field(min_length=1, max_length=200_000)]


class EmbeddingsRequest(Open):
    """OpenAI's embeddings request. Input is text: token-id arrays are refused, because the
    guards read text and the gateway does not know every model's tokenizer."""

    model_config = OPEN_NAMES

    model: Name
    input: EmbedText | Annotated[list[EmbedText], Field(min_length=1, max_length=2048)]
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: Annotated[int, Field(ge=1, le=8192)] | None = None
    user: Name | None = None

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


# -- OpenAI Responses -----------------------------------------------------------------


class InputText(Open):
    type: Literal["input_text", "output_text"]
    text: Text


class InputImage(Open):
    type: Literal["input_image"]
    image_url: Text | None = None
    detail: Literal["auto", "low", "high"] | None = None


ResponsePart = Annotated[InputText | InputImage, Field(discriminator="type")]


class InputMessage(Open):
    type: Literal["message"] | None = None
    role: Literal["user", "assistant", "system", "developer"]
    content: Text | Annotated[list[ResponsePart], Field(max_length=256)]


class FunctionCallItem(Open):
    type: Literal["function_call"]
    call_id: Id
    name: FunctionName
    arguments: Text
    id: Id | None = None


class FunctionOutputItem(Open):
    type: Literal["function_call_output"]
    call_id: Id
    output: Text


InputItem = InputMessage | FunctionCallItem | FunctionOutputItem


class FunctionTool(Open):
    type: Literal["function"]
    name: FunctionName
    description: Annotated[str, Field(max_length=10_000)] | None = None
    parameters: Schema | None = None
    strict: bool | None = None


class ToolChoiceFunction(Open):
    type: Literal["function"]
    name: FunctionName


class TextFormat(Open):
    type: Literal["text", "json_object", "json_schema"]
    name: FunctionName | None = None
    schema_: Schema | None = Field(None, alias="schema")
    description: Annotated[str, Field(max_length=10_000)] | None = None
    strict: bool | None = None


class TextConfig(Open):
    format: TextFormat | None = None


UNSUPPORTED_RESPONSES = ("previous_response_id", "conversation", "background", "prompt")


class ResponsesRequest(Open):
    """OpenAI's Responses request: ``input`` as text or items, ``instructions``, function
    tools. Nothing is stored server-side, so ``previous_response_id`` is refused: send the
    conversation as items."""

    model_config = OPEN_NAMES

    model: Name
    input: Text | Annotated[list[InputItem], Field(min_length=1, max_length=1024)]
    instructions: Text | None = None
    stream: bool = False
    max_output_tokens: Tokens | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    tools: Annotated[list[FunctionTool], Field(max_length=128)] | None = None
    tool_choice: Literal["none", "auto", "required"] | ToolChoiceFunction | None = None
    parallel_tool_calls: bool | None = None
    text: TextConfig | None = None
    metadata: Metadata | None = None
    user: Name | None = None
    store: bool | None = None
    truncation: Literal["disabled", "auto"] | None = None

    def refused_field(self) -> str | None:
        extra = self.model_extra or {}
        return next((f for f in UNSUPPORTED_RESPONSES if extra.get(f) is not None), None)


# -- Anthropic Messages ---------------------------------------------------------------


class TextBlock(Open):
    type: Literal["text"]
    text: Text


class ImageSource(Open):
    type: Literal["base64", "url"]
    media_type: Annotated[str, Field(max_length=64, pattern=r"^image/[a-z0-9.+-]+$")] | None = None
    data: Text | None = None
    url: Text | None = None


class ImageBlock(Open):
    type: Literal["image"]
    source: ImageSource


class ToolUseBlock(Open):
    type: Literal["tool_use"]
    id: Id
    name: FunctionName
    input: dict[str, Any]


class ToolResultBlock(Open):
    type: Literal["tool_result"]
    tool_use_id: Id
    content: Text | Annotated[list[TextBlock | ImageBlock], Field(max_length=256)] = ""
    is_error: bool | None = None


Block = Annotated[
    TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock, Field(discriminator="type")
]


class AnthropicMessage(Open):
    role: Literal["user", "assistant"]
    content: Text | Annotated[list[Block], Field(max_length=256)]


class AnthropicTool(Open):
    name: FunctionName
    description: Annotated[str, Field(max_length=10_000)] | None = None
    input_schema: Schema
    type: Literal["custom"] | None = None


class AnthropicToolChoice(Open):
    type: Literal["auto", "any", "tool", "none"]
    name: FunctionName | None = None
    disable_parallel_tool_use: bool | None = None


class MessagesRequest(Open):
    """Anthropic's Messages request (``max_tokens`` is required, as Anthropic requires)."""

    model_config = OPEN_NAMES

    model: Name
    max_tokens: Tokens
    messages: Annotated[list[AnthropicMessage], Field(min_length=1)]
    system: Text | Annotated[list[TextBlock], Field(max_length=64)] | None = None
    stream: bool = False
    temperature: Annotated[Finite, Field(ge=0, le=1)] | None = None
    top_p: TopP | None = None
    top_k: Annotated[int, Field(ge=0)] | None = None
    stop_sequences: Annotated[list[Stop], Field(max_length=4)] | None = None
    tools: Annotated[list[AnthropicTool], Field(max_length=128)] | None = None
    tool_choice: AnthropicToolChoice | None = None
    metadata: Annotated[dict[MetaKey, MetaValue | None], Field(max_length=16)] | None = None
