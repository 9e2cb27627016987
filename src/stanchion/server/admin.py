"""The admin API: keys and the audit chain. Every change is an audit event."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stanchion.access import BUILTIN_ROLES
from stanchion.errors import BadRequest, NotFound
from stanchion.pipeline.exchange import Principal
from stanchion.server.http import guarded, json_response, read_model, runtime
from stanchion.server.schemas import KeyCreate
from stanchion.store.audit import verify
from stanchion.store.keys import KeyRecord, create_key, list_keys, revoke_key


def key_json(rec: KeyRecord) -> dict[str, Any]:
    return {
        "id": rec.id,
        "prefix": rec.prefix,
        "user": rec.user,
        "role": rec.role,
        "app": rec.app,
        "created_at": rec.created_at,
        "expires_at": rec.expires_at,
        "revoked_at": rec.revoked_at,
        "bound_to": rec.bound_to,
    }


async def keys_list(request: Request, _p: Principal) -> Response:
    rt = runtime(request)

    def run() -> list[KeyRecord]:
        with rt.store.engine.connect() as conn:
            return list_keys(conn)

    return json_response({"data": [key_json(k) for k in await rt.store.run(run)]})


async def keys_create(request: Request, principal: Principal) -> Response:
    """Create a key; the secret is in this response only."""
    rt = runtime(request)
    body = await read_model(request, KeyCreate, 10_000)
    if body.role not in rt.access.roles:
        raise BadRequest(f"role must be one of {sorted(rt.access.roles)}", param="role")

    def run() -> tuple[str, KeyRecord]:
        with rt.store.engine.begin() as conn:
            return create_key(
                conn,
                user=body.user,
                role=body.role,
                actor=f"key:{principal.key_id}",
                app=rt.spec.app,
                expires_at=body.expires_at,
                bound_to=body.bound_to,
            )

    secret, rec = await rt.store.run(run)
    return json_response({**key_json(rec), "key": secret}, 201)


async def keys_revoke(request: Request, principal: Principal) -> Response:
    rt = runtime(request)
    key_id = request.path_params["key_id"]

    def run() -> bool:
        with rt.store.engine.begin() as conn:
            return revoke_key(conn, key_id, actor=f"key:{principal.key_id}")

    if not await rt.store.run(run):
        raise NotFound(f"no live key {key_id!r}")
    rt.keys.forget(key_id)
    return json_response({"id": key_id, "revoked": True})


async def audit_verify(request: Request, _p: Principal) -> Response:
    rt = runtime(request)

    def run() -> Any:
        with rt.store.engine.connect() as conn:
            return verify(conn)

    report = await rt.store.run(run)
    return json_response(report.to_record())


keys_list_ep = guarded("keys.manage", keys_list)
keys_create_ep = guarded("keys.manage", keys_create)
keys_revoke_ep = guarded("keys.manage", keys_revoke)
audit_verify_ep = guarded("audit.read", audit_verify)
ROLE_NAMES = sorted(BUILTIN_ROLES)
