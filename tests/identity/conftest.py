"""An app with SSO against the test OIDC provider, both on real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Gateway, openai_route
from tests.oidc_provider import API_AUDIENCE, CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.upstream import Upstream


@pytest.fixture()
def idp() -> Iterator[OidcProvider]:
    provider = OidcProvider()
    provider.start()
    provider.add_user("u-admin", "ana@example.com", ["ai-admins", "staff"])
    provider.add_user("u-staff", "bo@example.com", ["staff"])
    provider.add_user("u-none", "cy@example.com", ["visitors"])
    yield provider
    provider.stop()


def sso_spec(idp: OidcProvider, **over: Any) -> dict[str, Any]:
    return {
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret_env": "TEST_OIDC_SECRET",
        "audience": API_AUDIENCE,
        "roles": {"ai-admins": "admin", "staff": "user"},
        **over,
    }


@pytest.fixture()
def sso_app(
    gateway_factory: Any, up: Upstream, idp: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> Any:
    monkeypatch.setenv("TEST_OIDC_SECRET", CLIENT_SECRET)

    def make(db_url: str, **over: Any) -> Gateway:
        gw: Gateway = gateway_factory(db_url, [openai_route(up)], sso=sso_spec(idp, **over))
        return gw

    return make
