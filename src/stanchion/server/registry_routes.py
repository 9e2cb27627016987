"""The registry admin API: versions (push, list, show, diff), labels (move, canary,
rollback), approvals. Versions have no update or delete route: they are immutable.

A version is checked when pushed and again when a label moves to it (``check_version``:
the spec's models, its provider registry and its ``models.allow``), inside the move's
transaction: a version that cannot be served never takes a label."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from stanchion.errors import BadRequest, NotFound
from stanchion.pipeline.exchange import Principal
from stanchion.registry import labels, versions
from stanchion.registry.validate import check_version, stored_verifier
from stanchion.reports.versions import version_report
from stanchion.runtime import Runtime
from stanchion.server import schemas
from stanchion.server.http import guarded, json_response, read_model, runtime

T = TypeVar("T")
KINDS = {"prompts": "prompt", "models": "model"}
MAX_REPORT_DAYS = 3_660


def kind_of(request: Request) -> str:
    kind = KINDS.get(request.path_params["kind"])
    if kind is None:
        raise NotFound(f"no registry {request.path_params['kind']!r}; use prompts or models")
    return kind


async def in_tx(rt: Runtime, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
    """Run ``fn(conn, ...)`` in one transaction on a worker thread."""

    def run() -> T:
        with rt.store.engine.begin() as conn:
            return fn(conn, *args, **kw)

    return await rt.store.run(run)


def _str(body: dict[str, Any], field: str, *, required: bool = True, default: str = "") -> str:
    value = body.get(field, None if required else default)
    if not isinstance(value, str) or (required and not value):
        raise BadRequest(f"{field} must be a non-empty string", param=field)
    return value


async def _body(request: Request, model: type[BaseModel]) -> dict[str, Any]:
    """The body, validated by its model (``server/schemas.py``, which documents it)."""
    return (await read_model(request, model, 200_000)).model_dump(by_alias=True)


def _check(rt: Runtime, kind: str, name: str, content: dict[str, Any]) -> None:
    check_version(kind, name, content, egress=rt.router.egress, secret=rt.settings.env_value)


def _verifier(rt: Runtime, conn: Connection, kind: str) -> labels.Verify:
    return stored_verifier(
        conn,
        rt.cipher,
        rt.spec.app,
        kind,
        egress=rt.router.egress,
        secret=rt.settings.env_value,
    )


async def _moved(rt: Runtime, kind: str, state: labels.LabelState) -> Response:
    """The committed state; ``warnings`` if this replica cannot serve it yet."""
    record = state.to_record()
    failed = await rt.labels.refresh_after_move()
    ids = {state.version_id, state.canary_id}
    problems = [
        p.detail() for p in rt.labels.problems.values() if p.kind == kind and p.version_id in ids
    ]
    warnings = [*([failed] if failed else []), *problems]
    if warnings:
        record["warnings"] = warnings
    return json_response(record)


async def versions_list(request: Request, _p: Principal) -> Response:
    """Every version of every name (``?name=`` for one), oldest first, without content."""
    rt, kind = runtime(request), kind_of(request)
    found = await in_tx(
        rt, versions.list_versions, rt.cipher, rt.spec.app, kind, request.query_params.get("name")
    )
    return json_response({"data": [v.to_record(with_content=False) for v in found]})


async def version_show(request: Request, _p: Principal) -> Response:
    """One version with its content: an id, ``name:N``, ``vN`` or a label."""
    rt, kind = runtime(request), kind_of(request)
    v = await in_tx(
        rt,
        versions.resolve_ref,
        rt.cipher,
        rt.spec.app,
        kind,
        request.path_params["ref"],
        request.query_params.get("name"),
    )
    return json_response(v.to_record())


async def version_push(request: Request, principal: Principal) -> Response:
    """Register content; the same content again returns the existing version (200)."""
    rt, kind = runtime(request), kind_of(request)
    body = await _body(request, schemas.VersionPush)
    content = body.get("content")
    if not isinstance(content, dict):
        raise BadRequest("content must be an object", param="content")
    name = _str(body, "name")
    _check(rt, kind, name, content)
    v, created = await in_tx(
        rt,
        versions.push,
        rt.cipher,
        rt.spec.app,
        kind,
        name,
        content,
        author=principal.user,
        message=_str(body, "message", required=False),
    )
    return json_response({**v.to_record(), "created": created}, 201 if created else 200)


async def versions_diff(request: Request, _p: Principal) -> Response:
    rt, kind = runtime(request), kind_of(request)
    a, b = request.query_params.get("a"), request.query_params.get("b")
    if not a or not b:
        raise BadRequest("give two versions: ?a=...&b=...")

    def run(conn: Connection) -> tuple[versions.Version, versions.Version]:
        return (
            versions.resolve_ref(conn, rt.cipher, rt.spec.app, kind, a),
            versions.resolve_ref(conn, rt.cipher, rt.spec.app, kind, b),
        )

    va, vb = await in_tx(rt, run)
    return json_response({"a": va.id, "b": vb.id, "diff": versions.diff(va, vb)})


async def labels_list(request: Request, _p: Principal) -> Response:
    rt, kind = runtime(request), kind_of(request)
    found = await in_tx(rt, labels.list_labels, rt.spec.app, kind)
    unloadable = [p.to_record() for p in rt.labels.problems.values() if p.kind == kind]
    return json_response(
        {
            "data": [s.to_record() for s in found],
            "served": rt.spec.registry.serve,
            "unloadable": unloadable,
        }
    )


async def label_move(request: Request, principal: Principal) -> Response:
    """Point a label at a version, or (``canary_percent``) split a share of users to it."""
    rt, kind = runtime(request), kind_of(request)
    body = await _body(request, schemas.LabelMove)
    pct = body.get("canary_percent")
    if pct is not None and (not isinstance(pct, int) or isinstance(pct, bool)):
        raise BadRequest("canary_percent must be an integer 0-100", param="canary_percent")

    def run(conn: Connection) -> labels.LabelState:
        v = versions.resolve_ref(conn, rt.cipher, rt.spec.app, kind, _str(body, "version"))
        return labels.move(
            conn,
            rt.spec.app,
            kind,
            request.path_params["label"],
            v.id,
            actor=principal.user,
            rules=rt.spec.registry,
            canary_percent=pct,
            verify=_verifier(rt, conn, kind),
        )

    return await _moved(rt, kind, await in_tx(rt, run))


async def label_rollback(request: Request, principal: Principal) -> Response:
    """Move a label back to where it pointed before its last move."""
    rt, kind = runtime(request), kind_of(request)
    body = await _body(request, schemas.Rollback)
    name = _str(body, "name")

    def run(conn: Connection) -> labels.LabelState:
        return labels.rollback(
            conn,
            rt.spec.app,
            kind,
            name,
            request.path_params["label"],
            actor=principal.user,
            rules=rt.spec.registry,
            verify=_verifier(rt, conn, kind),
        )

    return await _moved(rt, kind, await in_tx(rt, run))


async def _decide(request: Request, principal: Principal, approve: bool) -> Response:
    rt, kind = runtime(request), kind_of(request)
    body = await _body(request, schemas.Decision)
    label = _str(body, "label")
    await in_tx(
        rt,
        labels.decide,
        rt.spec.app,
        kind,
        request.path_params["ref"],
        label,
        user=principal.user,
        role=principal.role,
        approve=approve,
        comment=_str(body, "comment", required=False),
        rules=rt.spec.registry,
    )
    missing = await in_tx(
        rt,
        labels.missing_approvals,
        rt.spec.app,
        kind,
        request.path_params["ref"],
        label,
        rt.spec.registry,
    )
    return json_response(
        {
            "version": request.path_params["ref"],
            "label": label,
            "decision": "approve" if approve else "reject",
            "outstanding": missing,
        },
        201,
    )


async def version_approve(request: Request, principal: Principal) -> Response:
    """Approve a version for a label: the role must be an approver, and not the author."""
    return await _decide(request, principal, True)


async def version_reject(request: Request, principal: Principal) -> Response:
    """Reject a version for a label: it cannot take the label until approved again."""
    return await _decide(request, principal, False)


async def versions_report(request: Request, _p: Principal) -> Response:
    """Versions side by side over ``?days=`` (default 7): satisfaction against the spec's
    target, groundedness, block rate, latency, cost per answer."""
    rt = runtime(request)
    try:
        days = float(request.query_params.get("days", "7"))
    except ValueError:
        days = math.nan
    if not 0 < days <= MAX_REPORT_DAYS:
        raise BadRequest(f"days must be a number from 0 to {MAX_REPORT_DAYS}", param="days")
    now = rt.clock()

    def run() -> list[Any]:
        with rt.store.engine.connect() as conn:
            return version_report(conn, rt.spec.app, now - days * 86_400, now + 1)

    rows = await rt.store.run(run)
    return json_response(
        {
            "days": days,
            "satisfaction_target": rt.spec.goal.kpis.satisfaction,
            "data": [r.to_record() for r in rows],
        }
    )


versions_report_ep = guarded("reports.read", versions_report)
versions_list_ep = guarded("prompts.read", versions_list)
version_show_ep = guarded("prompts.read", version_show)
version_push_ep = guarded("prompts.manage", version_push)
versions_diff_ep = guarded("prompts.read", versions_diff)
labels_list_ep = guarded("prompts.read", labels_list)
label_move_ep = guarded("prompts.manage", label_move)
label_rollback_ep = guarded("prompts.manage", label_rollback)
version_approve_ep = guarded("prompts.approve", version_approve)
version_reject_ep = guarded("prompts.approve", version_reject)
