"""The provider contract: one request in, one completion (or a stream of chunks) out.

class Echo:
    name = "echo"
    async def complete(self, request: ChatRequest) -> Completion:
        text = request.messages[-1]["content"]
        return Completion(content=text, model="echo", usage=Usage(1, 1))
    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        yield Chunk(content=request.messages[-1]["content"])
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class ChatRequest:
    """An OpenAI-shaped chat request, already validated.

    ``params`` holds the optional sampling fields (temperature, max_tokens, stop, ...)
    exactly as the client sent them; ``model`` is the upstream model id for the route.
    ``context`` holds the retrieved passages' texts (``titles``, ``sources``: their titles and
    origins, e.g. "catalog", in the same order);
    ``question`` is the standalone question after follow-ups are resolved, ``parts`` its
    sub-questions when the message asks several, ``part_decisions`` the answerability
    decision per part ("answer", "borderline", "refuse"; "veto": refused for naming what
    the passages lack) when the retrieve stage made one;
    ``glossary`` the app's synonyms (term -> what customers call it), for extractive answers.
    """

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    user: str | None = None
    context: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    question: str = ""
    parts: list[str] = field(default_factory=list)
    part_decisions: list[str] = field(default_factory=list)
    glossary: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    counted: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class Completion:
    content: str
    model: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"
    provider: str = ""
    route: str = ""
    refused: bool = False  # the provider found nothing to answer with (the app declines)
    # OpenAI's shape: [{"id", "type": "function", "function": {"name", "arguments"}}],
    # ``arguments`` a JSON text (docs/agents.md).
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Chunk:
    """One piece of a streamed answer; the last chunk of a stream may carry usage.

    ``tool_calls`` holds OpenAI's streamed deltas: ``{"index", "id"?, "type"?, "function":
    {"name"?, "arguments"?}}``, the id and name on a call's first delta only."""

    content: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str = ""
    route: str = ""
    refused: bool = False
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


class Provider(Protocol):
    name: str

    async def complete(self, request: ChatRequest) -> Completion: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]: ...

    async def aclose(self) -> None: ...
