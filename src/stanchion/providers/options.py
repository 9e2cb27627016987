"""Each provider's ``options:``, declared once as a model: a route (from the spec or pushed
through the API) with an option its provider does not know, or a value of the wrong type,
is refused when it is loaded or pushed, never when the first request meets it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProviderOptions(BaseModel):
    """What every route takes: the router's circuit breaker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    breaker_threshold: int = Field(5, ge=1, le=10_000)
    breaker_cooldown: float = Field(30.0, gt=0, le=86_400)


class OpenAIOptions(ProviderOptions):
    api_version: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,40}$")


class AnthropicOptions(ProviderOptions):
    version: str = Field("2023-06-01", pattern=r"^[A-Za-z0-9._-]{1,40}$")
    max_tokens: int = Field(1024, gt=0, le=1_000_000)


class LocalOptions(ProviderOptions):
    words_per_chunk: int = Field(4, gt=0, le=10_000)


class ScriptedOptions(ProviderOptions):
    replies: list[str | dict[str, Any]] = []
