"""Sign-in with the app's identity provider: ``/ui/sso/start`` sends the browser there (code
flow + PKCE), ``/ui/sso/callback`` takes the code back, checks the ID token, maps the user's
groups to a role and opens the same kind of session as a key sign-in.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from stanchion.errors import ApiError, Forbidden, StanchionError, Unauthorized
from stanchion.identity.oidc import Pending, begin, finish
from stanchion.runtime import Runtime
from stanchion.ui.signin import _login_page, _safe_next, open_session
from stanchion.ui.web import HEADERS, Console, rt_of, secure

SSO_COOKIE = "stn_sso"
SSO_PATH = "/ui/sso"


def redirect_uri(rt: Runtime, request: Request) -> str:
    assert rt.sso is not None
    configured = rt.sso.spec.redirect_url
    return configured or f"{request.url.scheme}://{request.url.netloc}{SSO_PATH}/callback"


async def sso_start(ui: Console, request: Request) -> Response:
    rt = rt_of(request)
    if rt.sso is None:
        return ui.error(request, 404, "This app has no single sign-on.")
    try:
        meta = await rt.sso.idp.metadata()
    except ApiError as exc:
        return _login_page(ui, request, exc.status, f"Single sign-on unavailable: {exc.message}")
    nxt = _safe_next(request.query_params.get("next")) or ""
    url, pending = begin(
        rt.sso.idp, str(meta["authorization_endpoint"]), redirect_uri(rt, request), nxt, rt.clock()
    )
    resp = RedirectResponse(url, 303, headers=HEADERS)
    # Lax, not Strict: the provider's redirect back is a cross-site navigation.
    resp.set_cookie(
        SSO_COOKIE,
        pending.seal(rt.cipher),
        max_age=600,
        path=SSO_PATH,
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )
    return resp


async def _signed_in(request: Request) -> Response:
    rt = rt_of(request)
    assert rt.sso is not None
    q = request.query_params
    pending = Pending.open(rt.cipher, request.cookies.get(SSO_COOKIE), rt.clock())
    if q.get("error"):
        raise Unauthorized(f"the identity provider answered {q['error'][:60]!r}")
    code, state = q.get("code", ""), q.get("state", "")
    if not code or not state or len(code) > 4096 or len(state) > 200:
        raise Unauthorized("the identity provider's answer is incomplete")
    signed = await finish(rt.sso.idp, pending, state, code, redirect_uri(rt, request), rt.clock())
    principal = rt.sso.principal_of(signed.claims)
    rt.access.require(principal, "chat")
    refused = await rt.sso.signed_in(signed.claims, signed.refresh_token)
    if refused:
        raise Forbidden(refused)
    return await open_session(request, principal, pending.next, "sso")


async def sso_callback(ui: Console, request: Request) -> Response:
    if rt_of(request).sso is None:
        return ui.error(request, 404, "This app has no single sign-on.")
    try:
        resp = await _signed_in(request)
    except ApiError as exc:
        resp = _login_page(ui, request, exc.status, f"Sign-in refused: {exc.message}")
    except StanchionError as exc:  # the provider refused the code (used, expired, forged)
        resp = _login_page(ui, request, 401, f"Sign-in refused by the provider: {exc}"[:300])
    resp.delete_cookie(SSO_COOKIE, path=SSO_PATH)
    return resp
