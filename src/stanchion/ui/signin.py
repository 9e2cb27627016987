"""Sign-in (an API key exchanged for a session) and sign-out (the session ended server-side)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.errors import ApiError
from stanchion.identity.shape import could_be_jwt
from stanchion.pipeline.exchange import Principal
from stanchion.store.audit import append_audit
from stanchion.store.sessions import end_session, start_session
from stanchion.ui.web import (
    COOKIE,
    HEADERS,
    PRE_COOKIE,
    Console,
    PageError,
    Viewer,
    form,
    new_pre_token,
    read_form,
    rt_of,
    same_token,
    secure,
)


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the console: never another host, never a scheme."""
    if not target or not target.startswith("/ui/") or target.startswith("//"):
        return None
    if any(ch in target for ch in "\\\r\n") or "//" in target:
        return None
    return target


def _home(viewer_can_reports: bool) -> str:
    return "/ui/overview" if viewer_can_reports else "/ui/playground"


def _login_page(ui: Console, request: Request, status: int = 200, message: str = "") -> Response:
    token = new_pre_token()
    resp = ui.html(
        request,
        "login.html",
        status,
        pre=token,
        message=message,
        next=_safe_next(request.query_params.get("next")) or "",
        sso=rt_of(request).sso is not None,
    )
    resp.set_cookie(
        PRE_COOKIE,
        token,
        max_age=3600,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=secure(request),
    )
    return resp


async def login_get(ui: Console, request: Request) -> Response:
    viewer = await ui.viewer(request)
    if viewer is not None:
        return RedirectResponse(_home(viewer.can("reports.read")), 303, headers=HEADERS)
    return _login_page(ui, request)


async def login_post(ui: Console, request: Request) -> Response:
    rt = rt_of(request)
    try:
        data = await read_form(request)
    except PageError as exc:
        return ui.error(request, exc.status, exc.message)
    if not same_token(data.get("pre"), request.cookies.get(PRE_COOKIE)):
        return _login_page(ui, request, 403, "The sign-in form expired: try again.")
    key = data.get("key", "").strip()
    if could_be_jwt(key):  # an SSO token is not a key: sessions from SSO go through the provider
        return _login_page(ui, request, 401, "Paste an API key here, or sign in with SSO.")
    try:
        principal = await rt.keys.principal(f"Bearer {key}")
        rt.access.require(principal, "chat")
    except ApiError as exc:
        return _login_page(ui, request, exc.status, f"Sign-in refused: {exc.message}")
    return await open_session(request, principal, data.get("next"), "key")


async def open_session(
    request: Request, principal: Principal, next_path: str | None, method: str
) -> Response:
    """A new session for a principal already checked, and the redirect that sets its cookie."""
    rt = rt_of(request)

    def begin() -> str:
        with rt.store.engine.begin() as conn:
            token, _ = start_session(conn, principal.key_id, rt.clock())
            detail = {"role": principal.role, "method": method}
            append_audit(conn, principal.user, "ui.signin", principal.key_id, detail)
            return token

    token = await rt.store.run(begin)
    perms = rt.access.roles.get(principal.role, frozenset())
    target = _safe_next(next_path) or _home("reports.read" in perms)
    resp = RedirectResponse(target, 303, headers=HEADERS)
    resp.set_cookie(
        COOKIE, token, path="/ui", httponly=True, samesite="strict", secure=secure(request)
    )
    resp.delete_cookie(PRE_COOKIE, path="/ui")
    return resp


async def logout(ui: Console, request: Request, viewer: Viewer) -> Response:
    rt = rt_of(request)
    form(request)

    def end() -> None:
        with rt.store.engine.begin() as conn:
            if end_session(conn, viewer.session.id, rt.clock()):
                append_audit(conn, viewer.principal.user, "ui.signout", viewer.session.key_id, {})

    await rt.store.run(end)
    resp = RedirectResponse("/ui/login", 303, headers=HEADERS)
    resp.delete_cookie(COOKIE, path="/ui", httponly=True, samesite="strict", secure=secure(request))
    return resp


async def home(ui: Console, request: Request, viewer: Viewer) -> Response:
    return RedirectResponse(_home(viewer.can("reports.read")), 303, headers=HEADERS)
