"""Console sign-in with the identity provider (issue 13 item 1, issue 9 item 1): the code
flow with PKCE over real sockets, the role from a group claim, a removed user's session and
bound keys ended at the next re-check, and forged or replayed answers refused."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from stanchion.store.keys import create_key
from stanchion.store.sso import sso_key_id
from tests.oidc_provider import OidcProvider


class SsoBrowser:
    """Follows the redirects between the console and the provider, keeping each one's cookies."""

    def __init__(self, gw: Any) -> None:
        self.app = httpx.Client(base_url=gw.url, timeout=15, follow_redirects=False)

    def close(self) -> None:
        self.app.close()

    def to_provider(self, next_path: str = "") -> httpx.Response:
        start = self.app.get("/ui/sso/start" + (f"?next={next_path}" if next_path else ""))
        assert start.status_code == 303, start.text
        return httpx.get(start.headers["location"], follow_redirects=False, timeout=10)

    def sign_in(self, next_path: str = "") -> httpx.Response:
        at_idp = self.to_provider(next_path)
        assert at_idp.status_code == 302, at_idp.text
        back = urlsplit(at_idp.headers["location"])
        return self.app.get(f"{back.path}?{back.query}")


def test_sign_in_with_sso_maps_groups_to_roles(
    sso_app: Any, idp: OidcProvider, db_url: str
) -> None:
    gw = sso_app(db_url)
    admin = gw.make_key("admin")  # made by the test's unkeyed store: before the app's events
    idp.signed_in = "u-admin"
    b = SsoBrowser(gw)
    try:
        login = b.app.get("/ui/login")
        assert 'id="sso"' in login.text
        done = b.sign_in()
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/ui/overview"
        page = b.app.get("/ui/overview")
        assert page.status_code == 200
        assert "ana@example.com" in page.text and ">admin<" in page.text
        assert b.app.get("/ui/audit").status_code == 200
    finally:
        b.close()
    # the code was exchanged with the PKCE verifier and the client's secret
    exchange = idp.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    staff = SsoBrowser(gw)
    idp.signed_in = "u-staff"
    try:
        assert staff.sign_in("/ui/playground").headers["location"] == "/ui/playground"
        assert staff.app.get("/ui/audit").status_code == 403
    finally:
        staff.close()
    audit = httpx.get(gw.url + "/admin/audit/verify", headers={"authorization": f"Bearer {admin}"})
    assert audit.json()["ok"] is True, audit.text


def test_removed_user_loses_session_and_bound_keys(
    sso_app: Any, idp: OidcProvider, db_url: str
) -> None:
    gw = sso_app(db_url, session_recheck_seconds=2)
    idp.signed_in = "u-admin"
    b = SsoBrowser(gw)
    try:
        assert b.sign_in().status_code == 303
        key_id = sso_key_id(idp.issuer, "u-admin")
        with gw.store.engine.begin() as conn:
            bound, _ = create_key(
                conn, user="ana-bot", role="user", actor="t", app="demo", bound_to=key_id
            )
        models = {"authorization": f"Bearer {bound}"}
        assert httpx.get(gw.url + "/v1/models", headers=models).status_code == 200
        time.sleep(1.1)  # past half the re-check window: the next page refreshes with the provider
        assert b.app.get("/ui/overview").status_code == 200
        assert idp.token_requests[-1]["grant_type"] == "refresh_token"
        idp.users["u-admin"].removed = True
        time.sleep(1.1)
        gone = b.app.get("/ui/overview")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/ui/login")
        r = httpx.get(gw.url + "/v1/models", headers=models)
        assert r.status_code == 401 and "removed" in r.json()["error"]["message"]
        assert b.sign_in().status_code == 401  # the provider no longer signs them in
    finally:
        b.close()


def test_group_change_changes_role_at_refresh(
    sso_app: Any, idp: OidcProvider, sqlite_url: str
) -> None:
    gw = sso_app(sqlite_url, session_recheck_seconds=2)
    idp.signed_in = "u-admin"
    b = SsoBrowser(gw)
    try:
        b.sign_in()
        assert b.app.get("/ui/audit").status_code == 200
        idp.users["u-admin"].groups = ["staff"]
        time.sleep(1.1)
        b.app.get("/ui/playground")  # the refresh happens here and records the new role
        assert b.app.get("/ui/audit").status_code == 403
    finally:
        b.close()


def test_forged_and_replayed_answers_are_refused(
    sso_app: Any, idp: OidcProvider, sqlite_url: str
) -> None:
    gw = sso_app(sqlite_url)
    idp.signed_in = "u-admin"
    b = SsoBrowser(gw)
    try:
        at_idp = b.to_provider()
        back = urlsplit(at_idp.headers["location"])
        q = parse_qs(back.query)
        wrong_state = b.app.get("/ui/sso/callback", params={"code": q["code"][0], "state": "x"})
        assert wrong_state.status_code == 401
        # another browser (no sign-in cookie) replaying the provider's answer
        other = httpx.get(f"{gw.url}{back.path}?{back.query}", follow_redirects=False)
        assert other.status_code == 401 and "not started here" in other.text
        denied = b.app.get("/ui/sso/callback", params={"error": "access_denied", "state": "s"})
        assert denied.status_code == 401
        # a code used once cannot be used again, even with the right sign-in cookie
        fresh = SsoBrowser(gw)
        hop = urlsplit(fresh.to_provider().headers["location"])
        cookie = fresh.app.cookies.get("stn_sso")
        assert fresh.app.get(f"{hop.path}?{hop.query}").status_code == 303
        again = httpx.get(
            f"{gw.url}{hop.path}?{hop.query}", cookies={"stn_sso": cookie}, follow_redirects=False
        )
        assert again.status_code == 401 and "invalid_grant" in again.text
        fresh.close()
    finally:
        b.close()
    nobody = SsoBrowser(gw)
    idp.signed_in = "u-none"
    try:
        refused = nobody.sign_in()
        assert refused.status_code == 403 and "no role" in refused.text
    finally:
        nobody.close()


def test_jwt_pasted_as_a_key_is_refused(sso_app: Any, idp: OidcProvider, sqlite_url: str) -> None:
    from tests.ui.conftest import Browser

    gw = sso_app(sqlite_url)
    b = Browser(gw)
    r = b.sign_in(idp.access_token("u-admin"))
    assert r.status_code == 401 and "SSO" in r.text


def test_bound_key_ends_without_any_console_use(
    sso_app: Any, idp: OidcProvider, sqlite_url: str
) -> None:
    """The background re-check: a user who never comes back to the console still loses the
    keys bound to them within the re-check time once the provider drops them."""
    gw = sso_app(sqlite_url, session_recheck_seconds=2)
    idp.signed_in = "u-staff"
    b = SsoBrowser(gw)
    try:
        assert b.sign_in().status_code == 303
    finally:
        b.close()
    with gw.store.engine.begin() as conn:
        bound, _ = create_key(
            conn,
            user="bo-bot",
            role="user",
            actor="t",
            app="demo",
            bound_to=sso_key_id(idp.issuer, "u-staff"),
        )
    headers = {"authorization": f"Bearer {bound}"}
    assert httpx.get(gw.url + "/v1/models", headers=headers).status_code == 200
    idp.users["u-staff"].removed = True
    deadline = time.time() + 10
    while httpx.get(gw.url + "/v1/models", headers=headers).status_code == 200:
        assert time.time() < deadline, "the bound key outlived its removed user"
        time.sleep(0.2)
    r = httpx.get(gw.url + "/v1/models", headers=headers)
    assert r.status_code == 401 and "removed" in r.json()["error"]["message"]
