"""Whether a version can be served, checked before it is stored and again before a label
points at it, with the same models the spec uses: a route is a ``Route`` whose provider is
registered, whose options that provider accepts, and whose secret and host the spec's
``models.allow`` permits (nothing is connected); a prompt renders.

    check_version("model", "gpt", content, egress=rt.router.egress, secret=env_value)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from stanchion.errors import BadRequest, SpecError
from stanchion.providers.egress import Egress
from stanchion.providers.registry import Secret, route_problems
from stanchion.registry import versions
from stanchion.registry.labels import Verify
from stanchion.registry.prompts import prompt_from_content
from stanchion.spec.model import Route
from stanchion.store.crypto import Cipher

Check = Callable[[str, dict[str, Any], Egress, Secret | None], None]


def _pydantic(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'content'}: {e['msg']}" for e in exc.errors()
    )


def _route(name: str, content: dict[str, Any], egress: Egress, secret: Secret | None) -> None:
    try:
        route = Route.model_validate(content)
    except ValidationError as exc:
        raise BadRequest(
            f"not a valid model route: {_pydantic(exc)}", param="content", code="invalid_version"
        ) from None
    if route.name != name:
        raise BadRequest(f"content.name {route.name!r} differs from name {name!r}", param="content")
    problems = route_problems(route, egress, secret)
    if problems:
        raise BadRequest(
            f"route {name!r} cannot be served: {'; '.join(problems)}",
            param="content",
            code="route_refused",
        )


def _prompt(name: str, content: dict[str, Any], _e: Egress, _s: Secret | None) -> None:
    try:
        prompt_from_content(name, "check", content)
    except (SpecError, ValueError, TypeError, KeyError) as exc:
        raise BadRequest(
            f"the prompt does not render: {exc}", param="content", code="invalid_version"
        ) from None


CHECKS: dict[str, Check] = {"model": _route, "prompt": _prompt}


def check_version(
    kind: str, name: str, content: dict[str, Any], *, egress: Egress, secret: Secret | None
) -> None:
    """Raise ``BadRequest`` (400) naming every reason ``content`` cannot be served."""
    check = CHECKS.get(kind)
    if check is None:
        raise BadRequest(f"kind must be one of {sorted(CHECKS)}", param="kind")
    check(name, content, egress, secret)


def stored_verifier(
    conn: Connection,
    cipher: Cipher,
    app: str,
    kind: str,
    *,
    egress: Egress,
    secret: Secret | None,
) -> Verify:
    """For ``labels.move``/``rollback``: check a stored version (it may predate today's
    rules) before a label points at it, inside the move's transaction."""

    def verify(vid: str) -> None:
        v = versions.get(conn, cipher, app, kind, vid)
        check_version(kind, v.name, v.content, egress=egress, secret=secret)

    return verify
