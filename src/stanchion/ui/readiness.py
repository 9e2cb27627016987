"""The readiness page: the checklist with its evidence, the roadmap, the people loop, the
sign-offs, and a form for an owner to sign off against the report on screen."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.readiness.report import readiness
from stanchion.rollout.signoff import Signoff, SignoffRow, all_signoffs, sign
from stanchion.rollout.spec import FUNCTIONS
from stanchion.server.rollout_routes import owner_of
from stanchion.ui.web import HEADERS, Console, PageError, Viewer, rt_of


async def readiness_page(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)

    def read() -> tuple[Any, list[SignoffRow]]:
        with rt.store.engine.connect() as conn:
            rep = readiness(conn, rt.spec, rt.app_dir, rt.settings, rt.cipher, rt.clock())
            return rep, all_signoffs(conn, rt.spec.app)

    rep, signed = await rt.store.run(read)
    mine = [
        f
        for f in FUNCTIONS
        if (owner_of(rt, f) or "").casefold() == viewer.principal.user.casefold()
    ]
    return ui.html(
        request,
        "readiness.html",
        viewer=viewer,
        page="readiness",
        rep=rep,
        timeline=rep.timeline(),
        signoffs=signed,
        functions=mine,
        stages=[s.name for s in rt.spec.rollout.stages] if rt.spec.rollout else [],
    )


async def signoff(ui: Console, request: Request, viewer: Viewer) -> Response:
    """Sign as the owner of a function the spec names this user for, against the hash of
    the report the page showed (refused when the report changed since)."""
    rt = rt_of(request)
    data: dict[str, str] = request.state.form
    function = data.get("function", "")
    owner = owner_of(rt, function) if function in FUNCTIONS else None
    if owner is None or owner.casefold() != viewer.principal.user.casefold():
        raise PageError(403, "Only the owner the spec names for this function may sign for it.")
    s = Signoff(
        data.get("subject", ""),
        function,
        viewer.principal.user,
        data.get("report_hash", ""),
        data.get("comment", "")[:2000],
    )
    s.check()

    def run() -> None:
        with rt.store.engine.begin() as conn:
            current = readiness(conn, rt.spec, rt.app_dir, rt.settings, rt.cipher, rt.clock())
            if current.hash != s.report_hash:
                raise PageError(409, "The report changed since this page was shown: reload it.")
            sign(conn, rt.spec.app, s, rt.clock)

    await rt.store.run(run)
    return RedirectResponse("/ui/readiness", 303, headers=HEADERS)
