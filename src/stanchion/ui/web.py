"""The console's plumbing: templates, security headers, sessions, CSRF, permission checks.

Every page is built with ``Console.page(permission, handler)``: the session is looked up
(and its key checked) on every request, the permission is the same one as the API route's,
and every POST must carry the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stanchion.errors import ApiError
from stanchion.pipeline.exchange import Principal
from stanchion.runtime import Runtime
from stanchion.server.http import answer_id, read_body, runtime, trace_headers
from stanchion.store.sessions import Session, Timeouts, live_session

COOKIE = "stn_session"
PRE_COOKIE = "stn_pre"  # CSRF for the sign-in form, before there is a session
FORM_LIMIT = 200_000
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # "no-referrer" makes browsers send Origin: null
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
NAV = (
    ("overview", "Overview", "reports.read"),
    ("traces", "Traces", "chat"),
    ("playground", "Playground", "chat"),
    ("review", "Review", "review"),
    ("registry/prompts", "Prompts", "prompts.read"),
    ("registry/models", "Models", "prompts.read"),
    ("knowledge", "Knowledge", "knowledge.approve"),
    ("evals", "Evals", "reports.read"),
    ("audit", "Audit", "audit.read"),
    ("readiness", "Readiness", "reports.read"),
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person: their session and the principal their key stands for."""

    session: Session
    principal: Principal
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions


Handler = Callable[[Request, Viewer], Awaitable[Response]]


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def build_env() -> Environment:
    env = Environment(
        loader=PackageLoader("stanchion.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


def _when(ts: float | None) -> str:
    import datetime as dt

    if ts is None:
        return "—"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (the only kind the console sends), size-limited."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    body = await read_body(request, FORM_LIMIT)
    if not body:
        return {}
    if kind != "application/x-www-form-urlencoded":
        raise PageError(415, "send the form as application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise PageError(400, "the form could not be read") from None
    return dict(pairs)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class Console:
    """Templates and the page wrapper; built once per app by ``console_mount``."""

    def __init__(self) -> None:
        self.env = build_env()

    def html(self, request: Request, name: str, code: int = 200, **ctx: Any) -> Response:
        ctx.setdefault("viewer", None)
        ctx.setdefault("nav", NAV)
        ctx.setdefault("csrf", ctx["viewer"].session.csrf if ctx["viewer"] else "")
        body = self.env.get_template(name).render(request=request, **ctx)
        return HTMLResponse(body, code, headers=HEADERS)

    def error(self, request: Request, status: int, message: str, viewer: Any = None) -> Response:
        """An error page naming its id, as the API's errors do (header and page), so a user
        can quote it to whoever reads the logs."""
        reference = answer_id()
        page = self.html(
            request,
            "error.html",
            status,
            viewer=viewer,
            status=status,
            message=message,
            reference=reference,
        )
        page.headers.update(trace_headers(reference))
        return page

    async def viewer(self, request: Request) -> Viewer | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 200:
            return None
        rt = runtime(request)
        limits = Timeouts(rt.settings.ui_idle_seconds, rt.settings.ui_absolute_seconds)

        def look() -> Session | None:
            with rt.store.engine.begin() as conn:
                return live_session(conn, token, rt.clock(), limits)

        session = await rt.store.run(look)
        if session is None or (session.app is not None and session.app != rt.spec.app):
            return None
        if rt.sso is not None and not await rt.sso.keep_alive(session.key_id):
            return None  # the identity provider no longer vouches for this user
        principal = Principal(session.key_id, session.user, session.role, session.app)
        return Viewer(session, principal, rt.access.roles.get(session.role, frozenset()))

    def page(
        self, permission: str | None, handler: Handler
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            t0 = time.perf_counter()  # reported as Server-Timing: session lookup included
            viewer = await self.viewer(request)
            if viewer is None:
                if request.method != "GET":
                    return self.error(request, 401, "Your session has ended: sign in again.")
                back = quote(
                    request.url.path + ("?" + request.url.query if request.url.query else "")
                )
                return RedirectResponse(f"/ui/login?next={back}", 303, headers=HEADERS)
            if permission is not None and not viewer.can(permission):
                return self.error(
                    request, 403, f"Your role may not do this ({permission}).", viewer
                )
            try:
                if request.method == "POST":
                    form = await read_form(request)
                    self.check_csrf(request, viewer, form)
                    request.state.form = form
                resp = await handler(request, viewer)
            except PageError as exc:
                resp = self.error(request, exc.status, exc.message, viewer)
            except ApiError as exc:
                resp = self.error(request, exc.status, exc.message, viewer)
            resp.headers["server-timing"] = f"page;dur={(time.perf_counter() - t0) * 1000:.1f}"
            return resp

        endpoint.__name__ = getattr(handler, "func", handler).__name__
        endpoint.permission = permission or "session"  # type: ignore[attr-defined]
        return endpoint

    @staticmethod
    def check_csrf(request: Request, viewer: Viewer, form: dict[str, str]) -> None:
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
            raise PageError(403, "This form came from another site.")
        if not same_token(form.get("csrf"), viewer.session.csrf):
            raise PageError(403, "The form's security token is missing or stale: reload the page.")


def form(request: Request) -> dict[str, str]:
    data: dict[str, str] = request.state.form
    return data


def rt_of(request: Request) -> Runtime:
    return runtime(request)


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)
