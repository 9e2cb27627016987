"""Providers by name. A new provider is a module plus one ``register_provider`` call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stanchion.errors import SpecError
from stanchion.providers.anthropic import AnthropicProvider
from stanchion.providers.base import Provider
from stanchion.providers.local import LocalProvider
from stanchion.providers.openai_http import OpenAIProvider
from stanchion.providers.scripted import ScriptedProvider
from stanchion.spec.model import Route

Factory = Callable[..., Provider]
_FACTORIES: dict[str, tuple[Factory, bool]] = {}


def register_provider(name: str, factory: Factory, *, needs_url: bool = True) -> None:
    """Make ``provider: name`` usable in a spec's routes."""
    _FACTORIES[name] = (factory, needs_url)


def provider_names() -> list[str]:
    return sorted(_FACTORIES)


def build_provider(route: Route, secret: Callable[[str], str | None]) -> Provider:
    """Instantiate a route's provider; a missing base URL or key env var is a spec error."""
    if route.provider not in _FACTORIES:
        raise SpecError(
            [
                f"route {route.name!r}: unknown provider {route.provider!r} "
                f"(known: {', '.join(provider_names())})"
            ]
        )
    factory, needs_url = _FACTORIES[route.provider]
    kwargs: dict[str, Any] = {
        "options": route.options,
        "timeout": route.timeout,
        "model": route.model or route.name,
    }
    if needs_url:
        if not route.base_url:
            raise SpecError([f"route {route.name!r}: provider {route.provider!r} needs base_url"])
        key = None
        if route.api_key_env:
            key = secret(route.api_key_env)
            if not key:
                raise SpecError([f"route {route.name!r}: env var {route.api_key_env} is not set"])
        kwargs.update(base_url=route.base_url, api_key=key)
    return factory(**kwargs)


register_provider("openai", OpenAIProvider)
register_provider("anthropic", AnthropicProvider)
register_provider("local", LocalProvider, needs_url=False)
register_provider("scripted", ScriptedProvider, needs_url=False)
