"""Issue 8 item 1: a route version pushed through the API may name only the secrets and
hosts the spec allows, never stanchion's own settings; and a version that slipped into the
store before these checks cannot make the gateway send the master key anywhere: a real
listener records every byte that reaches it. On SQLite and PostgreSQL, over a socket."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from stanchion.registry import labels
from stanchion.registry.schema import reg_labels, reg_versions
from stanchion.registry.spec import RegistrySpec
from stanchion.registry.versions import version_id
from stanchion.store.crypto import load_cipher
from tests.conftest import Gateway, openai_route
from tests.registry.conftest import FAST, api, chat
from tests.upstream import Upstream


class Listener:
    """A bare TCP listener on 127.0.0.1 that records what arrives and answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.settimeout(1.0)
            with contextlib.suppress(OSError):
                self.received.append(conn.recv(65536))
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture()
def listener() -> Any:
    lst = Listener()
    yield lst
    lst.close()


def route(name: str = "gpt", **kw: Any) -> dict[str, Any]:
    return {"name": name, "provider": "openai", "model": "up-model", "timeout": 5, **kw}


def push(c: Any, content: dict[str, Any]) -> Any:
    return c.post(
        "/admin/registry/models/versions", json={"name": content["name"], "content": content}
    )


def refused(r: Any, *words: str) -> None:
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    for w in words:
        assert w in err["message"], err["message"]


def plant(
    gw: Gateway, content: dict[str, Any], author: str = "mallory", kind: str = "model"
) -> str:
    """Store a version the way code before this fix accepted it: no checks at all."""
    cipher = load_cipher(gw.key, None)
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
    name = content.get("name", "system")
    vid = version_id(name, digest)
    with gw.store.engine.begin() as conn:
        number = len(conn.execute(select(reg_versions.c.id)).all()) + 100
        conn.execute(
            reg_versions.insert().values(
                app="demo",
                kind=kind,
                id=vid,
                name=name,
                number=number,
                content_hash=digest,
                content_enc=cipher.encrypt(orjson.dumps(content)),
                author=author,
                message="",
                created_at=time.time(),
            )
        )
    return vid


def force_label(gw: Gateway, vid: str, kind: str = "model", label: str = "production") -> None:
    """Point the label at ``vid`` without the API's checks (as an older replica would)."""
    with gw.store.engine.begin() as conn:
        labels.move(
            conn, "demo", kind, label, vid, actor="mallory", rules=RegistrySpec(protected=[])
        )


def test_push_naming_our_own_settings_is_refused(
    db_url: str, up: Upstream, gateway_factory: Any
) -> None:
    gw = gateway_factory(db_url, [openai_route(up)], registry=FAST)
    c = api(gw, gw.make_key("owner", user="ana"))
    for env in ("STANCHION_ENCRYPTION_KEY", "STANCHION_DATABASE_URL", "STANCHION_API_KEY"):
        refused(push(c, route(base_url=up.base_url, api_key_env=env)), "STANCHION_")
    assert c.get("/admin/registry/models/versions").json()["data"] == []


def test_push_outside_the_allowlist_is_refused(
    db_url: str, up: Upstream, gateway_factory: Any, listener: Listener, monkeypatch: Any
) -> None:
    monkeypatch.setenv("UP_KEY", "sk-upstream")
    monkeypatch.setenv("OTHER_KEY", "sk-other")
    gw = gateway_factory(db_url, [openai_route(up, api_key_env="UP_KEY")], registry=FAST)
    c = api(gw, gw.make_key("owner", user="ana"))
    elsewhere = f"http://127.0.0.1:{listener.port}/v1"
    refused(push(c, route(base_url=elsewhere, api_key_env="UP_KEY")), "not in models.allow.hosts")
    refused(push(c, route(base_url=up.base_url, api_key_env="OTHER_KEY")), "models.allow.secrets")
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/latest",
        "http://[::ffff:169.254.169.254]/v1",
        "http://metadata.google.internal/computeMetadata/v1",
        f"http://localhost:{up.port}/v1",  # a name the spec does not list, same address
        "http://2130706433/v1",  # 127.0.0.1 in decimal
        f"http://127.0.0.1:{up.port + 1 if up.port < 65535 else 1}/v1",
    ):
        refused(push(c, route(base_url=url)), "route 'gpt' cannot be served")
    assert listener.connections == 0
    same = push(c, route(base_url=up.base_url, api_key_env="UP_KEY", timeout=7))
    assert same.status_code == 201, same.text


def test_models_allow_widens_what_a_push_may_use(
    db_url: str, up: Upstream, gateway_factory: Any, listener: Listener, monkeypatch: Any
) -> None:
    monkeypatch.setenv("TEAM_B_KEY", "sk-b")
    gw = gateway_factory(
        db_url,
        [openai_route(up)],
        registry={**FAST, "protected": []},
        models={
            "default": "gpt",
            "routes": [openai_route(up)],
            "allow": {"secrets": ["TEAM_*"], "hosts": [f"127.0.0.1:{listener.port}"]},
        },
    )
    c = api(gw, gw.make_key("owner", user="ana"))
    elsewhere = f"http://127.0.0.1:{listener.port}/v1"
    r = push(c, route(base_url=elsewhere, api_key_env="TEAM_B_KEY"))
    assert r.status_code == 201, r.text
    refused(push(c, route(base_url=elsewhere, api_key_env="TEAMB_KEY")), "allow.secrets")


def test_an_approved_version_cannot_send_the_key_anywhere(
    db_url: str, up: Upstream, gateway_factory: Any, listener: Listener, monkeypatch: Any
) -> None:
    """The attack of item 1, end to end: two owners approve, the label moves, a chat runs."""
    gw = gateway_factory(db_url, [openai_route(up)], start=False, registry=FAST)
    monkeypatch.setenv("STANCHION_ENCRYPTION_KEY", gw.key)
    gw.start()
    ana, bob = gw.make_key("owner", user="ana"), gw.make_key("owner", user="bob")
    evil = route(
        base_url=f"http://127.0.0.1:{listener.port}/v1", api_key_env="STANCHION_ENCRYPTION_KEY"
    )
    refused(push(api(gw, ana), evil), "STANCHION_")
    vid = plant(gw, evil, author="ana")  # as if pushed before this fix
    ok = api(gw, bob).post(
        f"/admin/registry/models/versions/{vid}/approve", json={"label": "production"}
    )
    assert ok.status_code == 201, ok.text
    moved = api(gw, ana).put("/admin/registry/models/labels/production", json={"version": vid})
    refused(moved, "STANCHION_")
    with gw.store.engine.connect() as conn:
        assert conn.execute(select(reg_labels)).first() is None
    unlisted = plant(gw, route(base_url=f"http://127.0.0.1:{listener.port}/v1", timeout=6))
    for planted in (vid, unlisted):  # and even if a label points at them anyway
        force_label(gw, planted)
        time.sleep(0.4)
        for _ in range(3):
            assert chat(gw, gw.make_key()).choices[0].message.content == "echo: hello"
        ready = api(gw, ana).get("/readyz").json()
        assert ready["status"] == "degraded" and planted in ready["issues"][0], ready
    assert listener.connections == 0 and listener.received == []
    assert all(gw.key not in str(r["headers"]) for r in up.requests)
