"""Shape translation at the edge: a Responses or an Anthropic Messages request becomes one
OpenAI chat request (``tools``, assistant ``tool_calls``, ``role: tool``) for the pipeline,
and the pipeline's answer goes back in the caller's shape. Nothing here calls a model or a
guard: one pipeline stands behind every route.

    body = responses_to_chat(parse(ResponsesRequest, raw))
    chat, route = parse_chat(body, rt)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from stanchion.errors import BadRequest
from stanchion.server.shapes import (
    AnthropicMessage,
    AnthropicToolChoice,
    FunctionCallItem,
    FunctionOutputItem,
    ImageBlock,
    InputImage,
    InputItem,
    MessagesRequest,
    ResponsePart,
    ResponsesRequest,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)

Message = dict[str, Any]
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
ANTHROPIC_CHOICE = {"auto": "auto", "any": "required", "none": "none"}


def _compact(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _function(name: str, description: str | None, parameters: Any, strict: Any) -> Message:
    fn = _compact({"name": name, "description": description, "parameters": parameters})
    return {"type": "function", "function": fn if strict is None else {**fn, "strict": strict}}


def _call(call_id: str, name: str, arguments: str) -> Message:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _text_or_parts(parts: list[Message]) -> str | list[Message]:
    """Plain text when every part is text (what every upstream reads), else the parts."""
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _add_calls(out: list[Message], calls: list[Message]) -> None:
    """Tool calls join the assistant turn just before them, as OpenAI carries them."""
    last = out[-1] if out else None
    if last is not None and last["role"] == "assistant" and isinstance(last["content"], str | None):
        last["tool_calls"] = [*last.get("tool_calls", []), *calls]
    else:
        out.append({"role": "assistant", "content": None, "tool_calls": calls})


# -- Responses -> chat -------------------------------------------------------------------


def _response_part(part: ResponsePart, where: str) -> Message:
    if isinstance(part, InputImage):
        if not part.image_url:
            raise BadRequest("input_image needs image_url (files are not stored)", param=where)
        url = {"url": part.image_url, "detail": part.detail}
        return {"type": "image_url", "image_url": _compact(url)}
    return {"type": "text", "text": part.text}


def _response_items(items: list[InputItem]) -> list[Message]:
    out: list[Message] = []
    for i, item in enumerate(items):
        if isinstance(item, FunctionCallItem):
            _add_calls(out, [_call(item.call_id, item.name, item.arguments)])
        elif isinstance(item, FunctionOutputItem):
            out.append({"role": "tool", "tool_call_id": item.call_id, "content": item.output})
        elif isinstance(item.content, str):
            out.append({"role": item.role, "content": item.content})
        else:
            parts = [
                _response_part(p, f"input[{i}].content[{j}]") for j, p in enumerate(item.content)
            ]
            out.append({"role": item.role, "content": _text_or_parts(parts)})
    return out


def _response_format(req: ResponsesRequest) -> Message | None:
    fmt = req.text.format if req.text else None
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object":
        return {"type": "json_object"}
    if not fmt.name:
        raise BadRequest("text.format.name is required for json_schema", param="text.format.name")
    schema = _compact({"name": fmt.name, "description": fmt.description, "schema": fmt.schema_})
    strict = {} if fmt.strict is None else {"strict": fmt.strict}
    return {"type": "json_schema", "json_schema": {**schema, **strict}}


def responses_to_chat(req: ResponsesRequest) -> dict[str, Any]:
    """The chat request a Responses request stands for."""
    refused = req.refused_field()
    if refused:
        raise BadRequest(
            f"{refused} is not supported: nothing is stored; send the conversation as input items",
            param=refused,
            code="unsupported_parameter",
        )
    messages: list[Message] = []
    if req.instructions:
        messages.append({"role": "system", "content": req.instructions})
    if isinstance(req.input, str):
        messages.append({"role": "user", "content": req.input})
    else:
        messages.extend(_response_items(req.input))
    choice: Any = req.tool_choice
    if choice is not None and not isinstance(choice, str):
        choice = {"type": "function", "function": {"name": choice.name}}
    tools = [_function(t.name, t.description, t.parameters, t.strict) for t in req.tools or []]
    return _compact(
        {
            "model": req.model,
            "messages": messages,
            "stream": req.stream,
            "stream_options": {"include_usage": True} if req.stream else None,
            "max_completion_tokens": req.max_output_tokens,
            "temperature": req.temperature,
            "top_p": req.top_p,
            "tools": tools or None,
            "tool_choice": choice,
            "parallel_tool_calls": req.parallel_tool_calls,
            "response_format": _response_format(req),
            "user": req.user,
        }
    )


# -- Anthropic Messages -> chat ----------------------------------------------------------


def _image(block: ImageBlock, where: str) -> Message:
    src = block.source
    if src.type == "url" and src.url:
        return {"type": "image_url", "image_url": {"url": src.url}}
    if src.type == "base64" and src.data and src.media_type:
        url = f"data:{src.media_type};base64,{src.data}"
        return {"type": "image_url", "image_url": {"url": url}}
    raise BadRequest("an image source needs url, or data and media_type", param=where)


def _tool_result(block: ToolResultBlock, where: str) -> Message:
    content = block.content
    if not isinstance(content, str):
        if any(isinstance(b, ImageBlock) for b in content):
            raise BadRequest("tool_result images are not supported; send text", param=where)
        content = "".join(b.text for b in content if isinstance(b, TextBlock))
    if block.is_error:
        content = f"Error: {content}"
    return {"role": "tool", "tool_call_id": block.tool_use_id, "content": content}


def _anthropic_turn(m: AnthropicMessage, i: int, out: list[Message]) -> None:
    if isinstance(m.content, str):
        out.append({"role": m.role, "content": m.content})
        return
    parts: list[Message] = []
    calls: list[Message] = []
    before = len(out)
    for j, block in enumerate(m.content):
        where = f"messages[{i}].content[{j}]"
        if isinstance(block, ToolResultBlock):
            if m.role != "user":
                raise BadRequest("tool_result blocks belong in user turns", param=where)
            out.append(_tool_result(block, where))
        elif isinstance(block, ToolUseBlock):
            if m.role != "assistant":
                raise BadRequest("tool_use blocks belong in assistant turns", param=where)
            calls.append(_call(block.id, block.name, orjson.dumps(block.input).decode()))
        elif isinstance(block, ImageBlock):
            parts.append(_image(block, where))
        else:
            parts.append({"type": "text", "text": block.text})
    if parts or (not calls and len(out) == before):  # tool results alone make no turn
        out.append({"role": m.role, "content": _text_or_parts(parts)})
    if calls:
        _add_calls(out, calls)


def _anthropic_choice(choice: AnthropicToolChoice | None) -> Any:
    if choice is None:
        return None
    if choice.type != "tool":
        return ANTHROPIC_CHOICE[choice.type]
    if not choice.name:
        raise BadRequest("tool_choice of type tool needs a name", param="tool_choice.name")
    return {"type": "function", "function": {"name": choice.name}}


def messages_to_chat(req: MessagesRequest) -> dict[str, Any]:
    """The chat request an Anthropic Messages request stands for."""
    messages: list[Message] = []
    system = req.system
    if system is not None and not isinstance(system, str):
        system = "\n\n".join(b.text for b in system)
    if system:
        messages.append({"role": "system", "content": system})
    for i, m in enumerate(req.messages):
        _anthropic_turn(m, i, messages)
    tools = [_function(t.name, t.description, t.input_schema, None) for t in req.tools or []]
    choice = req.tool_choice
    no_parallel = bool(choice and choice.disable_parallel_tool_use)
    user = (req.metadata or {}).get("user_id")
    return _compact(
        {
            "model": req.model,
            "messages": messages,
            "stream": req.stream,
            "stream_options": {"include_usage": True} if req.stream else None,
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
            "top_p": req.top_p,
            "stop": req.stop_sequences,
            "tools": tools or None,
            "tool_choice": _anthropic_choice(choice),
            "parallel_tool_calls": False if no_parallel else None,
            "user": user or None,
        }
    )


# -- tool calls coming back --------------------------------------------------------------


def call_fields(call: Any) -> tuple[str, str, str]:
    """(id, name, arguments) of a tool call in OpenAI's dict shape (or an object with the
    same fields), as the pipeline relays it."""
    if isinstance(call, dict):
        fn = call.get("function") or {}
        return str(call.get("id") or ""), str(fn.get("name") or ""), str(fn.get("arguments") or "")
    fn = getattr(call, "function", call)
    return (
        str(getattr(call, "id", "") or ""),
        str(getattr(fn, "name", "") or ""),
        str(getattr(fn, "arguments", "") or ""),
    )


def delta_fields(delta: Any) -> Message:
    """A streamed tool-call fragment as OpenAI's delta dict (``index``, ``id``, ``function``
    with ``name`` and an ``arguments`` piece), from a dict or an object with those fields."""
    if isinstance(delta, dict):
        return delta
    fn = getattr(delta, "function", delta)
    return {
        "index": getattr(delta, "index", 0),
        "id": getattr(delta, "id", None),
        "function": {"name": getattr(fn, "name", None), "arguments": getattr(fn, "arguments", "")},
    }


def relayed_calls(completion: Any, decision: str) -> list[tuple[str, str, str]]:
    """The tool calls the pipeline let through: none when the answer was blocked or held."""
    if completion is None or decision not in ("pass", "redact"):
        return []
    calls: Iterable[Any] = getattr(completion, "tool_calls", None) or []
    return [call_fields(c) for c in calls]


def arguments_object(arguments: str) -> Any:
    """Anthropic's ``input`` is an object: arguments that do not parse go as ``{}``."""
    try:
        value = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def stop_reason(finish: str) -> str:
    return STOP_REASONS.get(finish, "end_turn")
