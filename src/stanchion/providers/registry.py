"""Providers by name. A new provider is a module plus one ``register_provider`` call.

``route_problems`` is the one check every route passes, from the spec at start, from the
API when pushed, when a label is moved, and again when the provider is built: the provider
is known, its options are valid, its secret and host are allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from stanchion.errors import SpecError
from stanchion.providers.anthropic import AnthropicProvider
from stanchion.providers.base import Provider
from stanchion.providers.egress import Egress
from stanchion.providers.local import LocalProvider
from stanchion.providers.openai_http import OpenAIProvider
from stanchion.providers.options import (
    AnthropicOptions,
    LocalOptions,
    OpenAIOptions,
    ProviderOptions,
    ScriptedOptions,
)
from stanchion.providers.scripted import ScriptedProvider
from stanchion.spec.model import Models, Route

Factory = Callable[..., Provider]
Secret = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Registration:
    factory: Factory
    needs_url: bool
    options: type[ProviderOptions]


_FACTORIES: dict[str, Registration] = {}


def register_provider(
    name: str,
    factory: Factory,
    *,
    needs_url: bool = True,
    options: type[ProviderOptions] = ProviderOptions,
) -> None:
    """Make ``provider: name`` usable in a spec's routes."""
    _FACTORIES[name] = Registration(factory, needs_url, options)


def unregister_provider(name: str) -> None:
    """Undo ``register_provider`` (a test's or a plugin's); unknown names are ignored."""
    _FACTORIES.pop(name, None)


def provider_names() -> list[str]:
    return sorted(_FACTORIES)


def egress_for(models: Models) -> Egress:
    """The spec's allowlist: ``models.allow`` plus the spec's own routes' hosts and secrets."""
    return Egress.build(
        hosts=models.allow.hosts,
        secrets=[*models.allow.secrets, *(r.api_key_env for r in models.routes if r.api_key_env)],
        urls=[r.base_url for r in models.routes if r.base_url],
    )


def _option_problems(route: Route, reg: Registration) -> list[str]:
    try:
        reg.options.model_validate(route.options)
    except ValidationError as exc:
        return [
            f"options.{'.'.join(str(p) for p in e['loc'])}: "
            + ("unknown option" if e["type"] == "extra_forbidden" else e["msg"])
            for e in exc.errors()
        ]
    return []


def route_problems(route: Route, egress: Egress, secret: Secret | None = None) -> list[str]:
    """Why ``route`` cannot be served here (empty when it can); nothing is connected.
    With ``secret``, a key env var that is not set is a problem too."""
    reg = _FACTORIES.get(route.provider)
    if reg is None:
        return [f"unknown provider {route.provider!r} (known: {', '.join(provider_names())})"]
    problems = _option_problems(route, reg)
    if route.api_key_env:
        problem = egress.secret_problem(route.api_key_env)
        if problem is None and reg.needs_url and secret is not None:
            problem = (
                None if secret(route.api_key_env) else f"env var {route.api_key_env} is not set"
            )
        problems += [problem] if problem else []
    if reg.needs_url:
        if not route.base_url:
            problems.append(f"provider {route.provider!r} needs base_url")
        elif problem := egress.url_problem(route.base_url):
            problems.append(problem)
    return problems


def build_provider(route: Route, secret: Secret, egress: Egress | None = None) -> Provider:
    """Instantiate a route's provider; any problem (unknown provider, bad options, a missing
    or forbidden secret, a host not allowed) is a spec error naming the route."""
    egress = egress if egress is not None else Egress.anywhere()
    problems = route_problems(route, egress, secret)
    if problems:
        raise SpecError([f"route {route.name!r}: {p}" for p in problems])
    reg = _FACTORIES[route.provider]
    kwargs: dict[str, Any] = {
        "options": route.options,
        "timeout": route.timeout,
        "model": route.model or route.name,
    }
    if reg.needs_url:
        key = secret(route.api_key_env) if route.api_key_env else None
        kwargs.update(base_url=route.base_url, api_key=key, egress=egress)
    return reg.factory(**kwargs)


register_provider("openai", OpenAIProvider, options=OpenAIOptions)
register_provider("anthropic", AnthropicProvider, options=AnthropicOptions)
register_provider("local", LocalProvider, needs_url=False, options=LocalOptions)
register_provider("scripted", ScriptedProvider, needs_url=False, options=ScriptedOptions)
