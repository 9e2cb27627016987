"""TLS (issue 13 item 2) with a test CA made by ``cryptography``: the server terminates TLS
with modern ciphers and HSTS; X-Forwarded-* is believed only from the declared proxies;
outbound calls verify certificates and take a custom CA bundle."""

from __future__ import annotations

import dataclasses
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from stanchion.transport import EdgeSpec, server_options
from tests.conftest import openai_route
from tests.identity.ca import CaFiles, make_ca
from tests.oidc_provider import OidcProvider
from tests.upstream import Upstream


@pytest.fixture()
def ca(tmp_path: Path) -> CaFiles:
    return make_ca(tmp_path)


def tls_gateway(gateway_factory: Any, up: Upstream, ca: CaFiles, **edge: Any) -> Any:
    gw = gateway_factory(
        "sqlite:///" + str(ca.ca.parent / "tls.db"), [openai_route(up)], start=False, edge=edge
    )
    gw.start(**server_options(EdgeSpec(**edge), str(ca.cert), str(ca.key)))
    return gw


def test_serves_tls_with_hsts(gateway_factory: Any, up: Upstream, ca: CaFiles) -> None:
    gw = tls_gateway(gateway_factory, up, ca)
    trusting = ssl.create_default_context(cafile=str(ca.ca))
    r = httpx.get(gw.url + "/healthz", verify=trusting)
    assert r.status_code == 200
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    with pytest.raises(httpx.ConnectError):  # a client that does not know the CA
        httpx.get(gw.url + "/healthz", verify=ssl.create_default_context())


def test_old_and_weak_ciphers_are_refused(gateway_factory: Any, up: Upstream, ca: CaFiles) -> None:
    gw = tls_gateway(gateway_factory, up, ca)
    weak = ssl.create_default_context(cafile=str(ca.ca))
    weak.maximum_version = ssl.TLSVersion.TLSv1_2
    weak.set_ciphers("AES128-SHA256:AES256-SHA:ECDHE-ECDSA-AES128-SHA")  # no forward secrecy / CBC
    with pytest.raises(httpx.ConnectError):
        httpx.get(gw.url + "/healthz", verify=weak)
    modern = ssl.create_default_context(cafile=str(ca.ca))
    modern.maximum_version = ssl.TLSVersion.TLSv1_2
    assert httpx.get(gw.url + "/healthz", verify=modern).status_code == 200


def test_forwarded_headers_only_from_trusted_proxies(
    gateway_factory: Any, up: Upstream, sqlite_url: str
) -> None:
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    trusted = gateway_factory(
        sqlite_url, [openai_route(up)], start=False, edge={"trusted_proxies": ["127.0.0.1"]}
    )
    trusted.start(**server_options(EdgeSpec(trusted_proxies=["127.0.0.1"]), None, None))
    r = httpx.get(trusted.url + "/healthz", headers=https)
    assert "strict-transport-security" in r.headers  # the proxy said https, and it is trusted
    page = httpx.get(trusted.url + "/ui/login", headers=https)
    assert "secure" in page.headers["set-cookie"].lower()

    folder = Path(sqlite_url.split("///")[1]).parent / "other.db"
    other = gateway_factory(
        f"sqlite:///{folder}",
        [openai_route(up)],
        start=False,
        edge={"trusted_proxies": ["10.1.2.3"]},
    )
    other.start(**server_options(EdgeSpec(trusted_proxies=["10.1.2.3"]), None, None))
    r = httpx.get(other.url + "/healthz", headers=https)
    assert "strict-transport-security" not in r.headers  # 127.0.0.1 is not the declared proxy
    page = httpx.get(other.url + "/ui/login", headers=https)
    assert "secure" not in page.headers["set-cookie"].lower()


def test_trusting_everyone_is_refused_in_the_spec() -> None:
    with pytest.raises(ValueError, match="forge"):
        EdgeSpec(trusted_proxies=["0.0.0.0/0"])
    with pytest.raises(ValueError, match="not an IP"):
        EdgeSpec(trusted_proxies=["proxy.example.com"])


def test_outbound_verifies_and_takes_a_ca_bundle(
    sso_app: Any, ca: CaFiles, sqlite_url: str, tmp_path: Path
) -> None:
    idp = OidcProvider()
    idp.start(ssl_certfile=str(ca.cert), ssl_keyfile=str(ca.key))
    idp.add_user("u1", "ana@example.com", ["staff"])
    try:
        untrusting = sso_app(sqlite_url, issuer=idp.issuer)
        token = idp.access_token("u1")
        r = httpx.get(untrusting.url + "/v1/models", headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 503  # the provider's certificate is not trusted: no keys
        db2 = f"sqlite:///{tmp_path}/trusting.db"
        trusting = sso_app(db2, issuer=idp.issuer, ca_bundle=str(ca.ca))
        r = httpx.get(trusting.url + "/v1/models", headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
    finally:
        idp.stop()


def test_upstream_over_tls_with_a_custom_ca(
    gateway_factory: Any, ca: CaFiles, sqlite_url: str
) -> None:
    secure_up = Upstream()
    secure_up.start(ssl_certfile=str(ca.cert), ssl_keyfile=str(ca.key))
    try:
        route = {**openai_route(secure_up), "base_url": f"https://127.0.0.1:{secure_up.port}/v1"}
        body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}]}
        plain = gateway_factory(sqlite_url, [route], start=True)
        r = httpx.post(
            plain.url + "/v1/chat/completions",
            json=body,
            headers={"authorization": f"Bearer {plain.make_key()}"},
            timeout=20,
        )
        assert r.status_code == 502, r.text  # the upstream's CA is not trusted: never skipped
        db2 = "sqlite:///" + str(ca.ca.parent / "ca-bundle.db")
        bundled = gateway_factory(db2, [route], start=False)
        bundled.settings = dataclasses.replace(bundled.settings, ca_bundle=str(ca.ca))
        bundled.start()
        r = httpx.post(
            bundled.url + "/v1/chat/completions",
            json=body,
            headers={"authorization": f"Bearer {bundled.make_key()}"},
            timeout=20,
        )
        assert r.status_code == 200, r.text
    finally:
        secure_up.stop()


@pytest.mark.slow
def test_serve_command_terminates_tls(
    gateway_factory: Any, up: Upstream, ca: CaFiles, sqlite_url: str
) -> None:
    """`stanchion serve --tls-cert --tls-key` as an operator runs it, in its own process."""
    gw = gateway_factory(sqlite_url, [openai_route(up)], start=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    env.update(STANCHION_ENCRYPTION_KEY=gw.key, STANCHION_DATABASE_URL=sqlite_url)
    cmd = [
        sys.executable,
        "-m",
        "stanchion.cli",
        "serve",
        "--app",
        str(gw.folder),
        "--port",
        str(port),
        "--tls-cert",
        str(ca.cert),
        "--tls-key",
        str(ca.key),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    trusting = ssl.create_default_context(cafile=str(ca.ca))
    try:
        deadline = time.time() + 30
        while True:
            try:
                r = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trusting)
                break
            except httpx.HTTPError:
                assert time.time() < deadline and proc.poll() is None, proc.communicate()[0]
                time.sleep(0.2)
        assert r.status_code == 200 and "max-age=" in r.headers["strict-transport-security"]
        with pytest.raises(httpx.HTTPError):  # plain http on the TLS port is not served
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    half = subprocess.run([*cmd[:-2]], env=env, capture_output=True, text=True)
    assert half.returncode == 2 and "both --tls-cert and --tls-key" in half.stderr


def test_a_refusal_written_with_the_head_carries_hsts(
    gateway_factory: Any, up: Upstream, ca: CaFiles
) -> None:
    # `serve`'s protocol answers a sure 429 before any middleware runs (server/intake.py):
    # over direct TLS it must still carry the HSTS header that Hsts adds to every response.
    import threading

    from stanchion.cli.serve import SERVER

    gw = gateway_factory(
        "sqlite:///" + str(ca.ca.parent / "tls.db"),
        [openai_route(up)],
        start=False,
        limits={"max_in_flight": 1, "max_queue": 0},
    )
    gw.start(**server_options(EdgeSpec(), str(ca.cert), str(ca.key)), **SERVER)
    key, trusting = gw.make_key(), ssl.create_default_context(cafile=str(ca.ca))
    up.default = {"delay": 1.0}
    body = {"model": "gpt", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"authorization": f"Bearer {key}"}
    slow = threading.Thread(
        target=lambda: httpx.post(gw.url + "/v1/chat/completions", json=body, headers=headers,
                                  verify=trusting, timeout=10)
    )  # fmt: skip
    slow.start()
    try:
        time.sleep(0.4)  # the one slot is taken
        r = httpx.post(gw.url + "/v1/chat/completions", json=body, headers=headers, verify=trusting)
    finally:
        slow.join()
    assert r.status_code == 429 and r.json()["error"]["code"] == "overloaded"
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
