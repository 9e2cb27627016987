"""The rollout's routes: its stage, advancing it, the readiness report, owners' sign-offs.

| route | permission |
|---|---|
| ``GET /admin/rollout`` | ``reports.read`` |
| ``POST /admin/rollout/start`` | ``prompts.manage`` (opens the first stage) |
| ``POST /admin/rollout/advance`` | ``prompts.manage`` (gates held, approvers signed) |
| ``GET /admin/readiness`` | ``reports.read`` |
| ``GET /admin/signoffs`` | ``audit.read`` |
| ``POST /admin/signoffs`` | ``prompts.approve``, by the owner the spec names for the function |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stanchion.errors import BadRequest, Forbidden
from stanchion.pipeline.exchange import Principal
from stanchion.readiness.report import Readiness, readiness
from stanchion.rollout import controller
from stanchion.rollout.signoff import Signoff, all_signoffs, sign
from stanchion.rollout.state import RolloutState
from stanchion.runtime import Runtime
from stanchion.server.http import guarded, json_response, read_model, runtime
from stanchion.server.schemas import SignoffCreate
from stanchion.spec.model import AppSpec


def _report(rt: Runtime) -> Readiness:
    with rt.store.engine.connect() as conn:
        return readiness(conn, rt.spec, rt.app_dir, rt.settings, rt.cipher, rt.clock())


async def rollout_status(request: Request, _p: Principal) -> Response:
    """The current stage, its cohort's figures, and what stands before the next stage."""
    rt = runtime(request)

    def run() -> dict[str, Any]:
        with rt.store.engine.connect() as conn:
            return controller.evaluate(conn, rt.spec, rt.clock()).to_record()

    return json_response(await rt.store.run(run))


Move = Callable[[Connection, AppSpec, str, float], RolloutState]


async def _move(request: Request, principal: Principal, move: Move) -> Response:
    """Run a stage move in one transaction, then reload this replica's cohort cache."""
    rt = runtime(request)

    def run() -> dict[str, Any]:
        with rt.store.engine.begin() as conn:
            return move(conn, rt.spec, f"key:{principal.key_id}", rt.clock()).to_record()

    moved = await rt.store.run(run)
    if rt.cohorts is not None:
        await rt.cohorts.refresh()
    return json_response(moved)


async def rollout_start(request: Request, principal: Principal) -> Response:
    """Open the first stage (the pilot): its figures are measured from now."""
    return await _move(request, principal, controller.start)


async def rollout_advance(request: Request, principal: Principal) -> Response:
    """Advance to the next stage (403 naming what is missing when it may not)."""
    return await _move(
        request,
        principal,
        lambda c, spec, actor, now: controller.advance(c, spec, actor=actor, now=now),
    )


async def readiness_report(request: Request, _p: Principal) -> Response:
    """The production checklist with its evidence, the roadmap and the report's hash."""
    rt = runtime(request)
    rep = await rt.store.run(lambda: _report(rt))
    return json_response(rep.to_record())


def owner_of(rt: Runtime, function: str) -> str | None:
    owners: dict[str, str | None] = rt.spec.owners.model_dump()
    return owners.get(function)


async def signoff_create(request: Request, principal: Principal) -> Response:
    """Sign off as the owner the spec names for the function, against the report's hash."""
    rt = runtime(request)
    body = await read_model(request, SignoffCreate, 10_000)
    owner = owner_of(rt, body.function)
    if owner is None or owner.casefold() != principal.user.casefold():
        raise Forbidden(
            f"only the {body.function} owner named in the spec may sign for it",
            code="not_the_owner",
        )

    def run() -> dict[str, Any]:
        current = _report(rt).hash
        if body.report_hash != current:
            raise BadRequest(
                f"the readiness report changed since you read it (now {current}); read it again",
                param="report_hash",
                code="stale_report",
            )
        s = Signoff(body.subject, body.function, principal.user, body.report_hash, body.comment)
        with rt.store.engine.begin() as conn:
            return sign(conn, rt.spec.app, s, rt.clock).to_record()

    return json_response(await rt.store.run(run), 201)


async def signoff_list(request: Request, _p: Principal) -> Response:
    """Every sign-off, newest first."""
    rt = runtime(request)

    def run() -> list[dict[str, Any]]:
        with rt.store.engine.connect() as conn:
            return [r.to_record() for r in all_signoffs(conn, rt.spec.app)]

    return json_response({"data": await rt.store.run(run)})


def routes() -> list[Route]:
    return [
        Route("/admin/rollout", guarded("reports.read", rollout_status), methods=["GET"],
              name="rollout_status"),
        Route("/admin/rollout/start", guarded("prompts.manage", rollout_start),
              methods=["POST"], name="rollout_start"),
        Route("/admin/rollout/advance", guarded("prompts.manage", rollout_advance),
              methods=["POST"], name="rollout_advance"),
        Route("/admin/readiness", guarded("reports.read", readiness_report), methods=["GET"],
              name="readiness"),
        Route("/admin/signoffs", guarded("audit.read", signoff_list), methods=["GET"],
              name="list_signoffs"),
        Route("/admin/signoffs", guarded("prompts.approve", signoff_create), methods=["POST"],
              name="create_signoff"),
    ]  # fmt: skip
