"""``POST /admin/keys`` binds a key to an SSO user (issue 13 items 1 and 5), as the CLI's
``keys create --bound-to`` does: only to a live SSO user of this app, and the key ends with
them. Over a real socket, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx

from stanchion.store.crypto import Cipher
from stanchion.store.sso import SsoUser, sign_in, sso_key_id
from tests.oidc_provider import OidcProvider


def _sso_user(gw: Any, key_id: str, subject: str, app: str = "demo") -> None:
    with gw.store.engine.begin() as conn:
        sign_in(
            conn,
            Cipher(base64.b64decode(gw.key)),
            SsoUser(key_id, subject, f"{subject}@example.com", "user", app),
            refresh=None,
            until=time.time() + 600,
            now=time.time(),
        )


def test_key_bound_over_the_api_ends_with_its_user(
    sso_app: Any, idp: OidcProvider, db_url: str
) -> None:
    gw = sso_app(db_url)
    admin = {"authorization": f"Bearer {gw.make_key('admin')}"}
    staff = sso_key_id(idp.issuer, "u-staff")
    elsewhere = sso_key_id(idp.issuer, "u-other-app")
    _sso_user(gw, staff, "u-staff")
    _sso_user(gw, elsewhere, "u-other-app", app="other")
    with httpx.Client(base_url=gw.url, headers=admin, timeout=10) as c:
        made = c.post("/admin/keys", json={"user": "bo-bot", "role": "user", "bound_to": staff})
        assert made.status_code == 201, made.text
        assert made.json()["bound_to"] == staff
        assert any(k["bound_to"] == staff for k in c.get("/admin/keys").json()["data"])
        refused = {
            "sso-" + "0" * 24: "no SSO user",  # well formed, unknown
            elsewhere: "no SSO user",  # another app's user in the same database
            "k1234": None,  # not an SSO user's id at all
            "sso-" + "0" * 23 + "G": None,
        }
        for bound_to, says in refused.items():
            r = c.post("/admin/keys", json={"user": "x", "role": "user", "bound_to": bound_to})
            assert r.status_code in (400, 422), (bound_to, r.text)
            assert r.json()["error"]["param"] in ("bound_to", "body.bound_to"), r.text
            if says:
                assert says in r.json()["error"]["message"]
        bound = {"authorization": f"Bearer {made.json()['key']}"}
        assert httpx.get(gw.url + "/v1/models", headers=bound).status_code == 200
        assert c.delete(f"/admin/keys/{staff}").status_code == 200
        r = httpx.get(gw.url + "/v1/models", headers=bound)
        assert r.status_code == 401 and "revoked" in r.json()["error"]["message"], r.text
        again = c.post("/admin/keys", json={"user": "b", "role": "user", "bound_to": staff})
        assert again.status_code == 400 and "revoked" in again.json()["error"]["message"]
