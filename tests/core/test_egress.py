"""The egress allowlist (issue 8 item 1) where connections are made: a base URL is checked
when its client is built, each resolved address when it connects, redirects are not
followed; the spec refuses our own settings as credentials at load. Addresses are real
listeners on 127.0.0.1; DNS answers that cannot be produced locally (a name resolving to
169.254.169.254) come from a fake resolver at the network edge."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.abc import AbstractResolver, ResolveResult

from stanchion.errors import SpecError
from stanchion.providers.base import ChatRequest
from stanchion.providers.egress import Egress, EgressRefused, parse_rule
from stanchion.providers.errors import ProviderError
from stanchion.providers.http import HttpClient, post_json
from stanchion.providers.registry import build_provider, egress_for
from stanchion.providers.resolver import GuardedResolver
from stanchion.spec import load_spec
from stanchion.spec.model import Models, Route
from tests.registry.test_hardening_secrets import Listener


class FakeDNS(AbstractResolver):
    """A DNS server's answers, by name; records every lookup."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: Any = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            {"hostname": host, "host": ip, "port": port, "family": family, "proto": 0, "flags": 0}
            for ip in self.answers[host]
        ]

    async def close(self) -> None:
        return None


@pytest.fixture()
def listener() -> Any:
    lst = Listener()
    yield lst
    lst.close()


def call(client: HttpClient) -> Any:
    async def go() -> Any:
        try:
            return await post_json(client, "chat/completions", {"model": "m", "messages": []})
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_rules_and_urls() -> None:
    egress = Egress.build(
        hosts=["api.example.com", "*.azure.example", "10.1.0.0/16", "vllm.lan:8000", "[::1]:9"],
        secrets=["OPENAI_API_KEY", "AZURE_*"],
    )
    allowed = [
        "https://api.example.com/v1",
        "https://x.azure.example/openai",
        "http://10.1.2.3:8080/v1",
        "http://vllm.lan:8000/v1",
        "http://[::1]:9/v1",
    ]
    for url in allowed:
        assert egress.url_problem(url) is None, url
    refused = {
        "ftp://api.example.com/": "http or https",
        "https://user:pw@api.example.com/": "credentials",
        "https://azure.example/": "not in models.allow.hosts",
        "http://vllm.lan:8001/v1": "not in models.allow.hosts",
        "http://10.2.0.1/v1": "not in models.allow.hosts",
        "http://169.254.169.254/latest": "not in models.allow.hosts",
        "http://[::ffff:169.254.169.254]/": "not in models.allow.hosts",
        "http://[fd00:ec2::254]/": "not in models.allow.hosts",
        "http://metadata.google.internal/": "metadata",
        "http://api.example.com.evil.test/": "not in models.allow.hosts",
    }
    for url, words in refused.items():
        problem = egress.url_problem(url)
        assert problem is not None and words in problem, (url, problem)
    anywhere = Egress.anywhere()
    assert anywhere.url_problem("http://127.0.0.1:1/v1") is None
    for url in ("http://169.254.169.254/", "http://0.0.0.0:80/", "http://[fe80::1]/"):
        assert anywhere.url_problem(url) is not None, url
    assert Egress.build(hosts=["169.254.0.0/16"]).url_problem("http://169.254.1.1/") is None
    assert egress.secret_problem("AZURE_KEY") is None
    assert "allow.secrets" in (egress.secret_problem("HOME") or "")
    for name in ("STANCHION_ENCRYPTION_KEY", "stanchion_database_url"):
        assert "never a provider credential" in (anywhere.secret_problem(name) or "")
    for bad in ("http://x.example", "a b", "host:0", "host:99999", "1.2.3.4/99"):
        with pytest.raises(ValueError):
            parse_rule(bad)


def test_spec_routes_are_implicitly_allowed() -> None:
    routes = [
        Route(name="a", provider="openai", base_url="http://127.0.0.1:8000/v1", api_key_env="K"),
        Route(name="b", provider="openai", base_url="https://api.example.com/v1"),
    ]
    egress = egress_for(Models(default="a", routes=routes))
    assert egress.url_problem("http://127.0.0.1:8000/other") is None
    assert egress.url_problem("https://api.example.com:443/v2") is None
    assert egress.url_problem("http://127.0.0.1:8001/v1") is not None
    assert egress.url_problem("http://api.example.com/v1") is not None  # port 80, not 443
    assert egress.secret_problem("K") is None and egress.secret_problem("J") is not None


def test_spec_refuses_our_settings_at_load(tmp_path: Path) -> None:
    def write(models: dict[str, Any]) -> Path:
        spec = {"app": "a", "goal": {"statement": "s"}, "owners": {"business": "b"}}
        (tmp_path / "stanchion.yaml").write_text(yaml.safe_dump({**spec, "models": models}))
        return tmp_path / "stanchion.yaml"

    route = {"name": "r", "provider": "openai", "base_url": "http://h/v1"}
    bad = [
        {"default": "r", "routes": [{**route, "api_key_env": "STANCHION_ENCRYPTION_KEY"}]},
        {"default": "r", "routes": [route], "allow": {"secrets": ["STANCHION_*"]}},
        {"default": "r", "routes": [route], "allow": {"hosts": ["https://h"]}},
    ]
    for models in bad:
        with pytest.raises(SpecError) as err:
            load_spec(write(models))
        assert "stanchion.yaml:" in str(err.value) and "models." in str(err.value)
    assert load_spec(write({"default": "r", "routes": [route]})).models.allow.hosts == []


def test_build_refuses_what_validation_was_skipped_for() -> None:
    """Defence in depth: a Route built without validation still cannot carry our key."""
    sneaky = Route.model_construct(
        name="r",
        provider="openai",
        base_url="http://127.0.0.1:9/v1",
        api_key_env="STANCHION_ENCRYPTION_KEY",
        model=None,
        timeout=5.0,
        options={},
        fallbacks=[],
    )
    with pytest.raises(SpecError, match="never a provider credential"):
        build_provider(sneaky, lambda _n: "the-master-key")
    outside = Route(name="r", provider="openai", base_url="http://169.254.169.254/v1")
    with pytest.raises(SpecError, match=r"not in models\.allow\.hosts"):
        build_provider(outside, lambda _n: None)
    with pytest.raises(SpecError, match=r"not in models\.allow\.hosts"):
        HttpClient("http://127.0.0.1:9/v1", {}, 5, Egress.build(hosts=["example.com"]))


def test_a_name_resolving_to_link_local_is_refused(listener: Listener) -> None:
    dns = FakeDNS(
        {"meta.test": ["169.254.169.254"], "mixed.test": ["169.254.169.254", "127.0.0.1"]}
    )
    egress = Egress.build(hosts=["meta.test", f"mixed.test:{listener.port}", "other.test"])
    client = HttpClient("http://meta.test/v1", {"authorization": "Bearer k"}, 5, egress, dns)
    with pytest.raises(ProviderError) as err:
        call(client)
    assert err.value.status == 403 and not err.value.retryable
    assert dns.asked == ["meta.test"]
    mixed = HttpClient(
        f"http://mixed.test:{listener.port}/v1", {"authorization": "Bearer k"}, 2, egress, dns
    )
    with pytest.raises(ProviderError):
        call(mixed)  # the listener answers nothing: what matters is where it connected
    assert listener.connections == 1 and b"Bearer k" in listener.received[0]


def test_the_resolver_refuses_unlisted_names_before_dns() -> None:
    dns = FakeDNS({"evil.test": ["127.0.0.1"]})
    guarded = GuardedResolver(Egress.build(hosts=["good.test"]), dns)
    with pytest.raises(EgressRefused):
        asyncio.run(guarded.resolve("evil.test", 80))
    assert dns.asked == []


def test_real_dns_for_localhost(listener: Listener) -> None:
    refused = Egress.build(hosts=[f"127.0.0.1:{listener.port}"])
    with pytest.raises(SpecError):
        HttpClient(f"http://localhost:{listener.port}/v1", {}, 2, refused)
    allowed = Egress.build(hosts=[f"localhost:{listener.port}"])
    with pytest.raises(ProviderError):
        call(HttpClient(f"http://localhost:{listener.port}/v1", {}, 2, allowed))
    assert listener.connections == 1


class Redirector:
    """Answers every request with a 307 to ``target``."""

    def __init__(self, target: str) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        reply = (
            f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n"
        )
        self.reply = reply.encode()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(self.reply)
            conn.close()


def test_redirects_are_not_followed(listener: Listener) -> None:
    redirect = Redirector(f"http://127.0.0.1:{listener.port}/steal")
    try:
        egress = Egress.build(hosts=[f"127.0.0.1:{redirect.port}", f"127.0.0.1:{listener.port}"])
        client = HttpClient(f"http://127.0.0.1:{redirect.port}/v1", {"x-api-key": "k"}, 2, egress)
        with pytest.raises(ProviderError):
            call(client)
        assert listener.connections == 0
    finally:
        redirect.sock.close()


def test_provider_key_goes_only_to_its_listed_host(listener: Listener) -> None:
    route = Route(name="r", provider="openai", base_url=f"http://127.0.0.1:{listener.port}/v1")
    egress = Egress.build(urls=[f"http://127.0.0.1:{listener.port}/v1"])
    provider = build_provider(route, lambda _n: None, egress)

    async def go() -> None:
        try:
            await provider.complete(ChatRequest(model="m", messages=[]))
        finally:
            await provider.aclose()

    with pytest.raises(ProviderError):
        asyncio.run(go())
    assert listener.connections == 1


def test_a_wildcard_name_may_not_resolve_inside(listener: Listener) -> None:
    dns = FakeDNS({"a.corp.test": ["127.0.0.1"], "b.corp.test": ["127.0.0.1"]})
    port = listener.port
    egress = Egress.build(hosts=["*.corp.test", f"b.corp.test:{port}"])
    with pytest.raises(ProviderError) as err:
        call(HttpClient(f"http://a.corp.test:{port}/v1", {}, 2, egress, dns))
    assert err.value.status == 403 and listener.connections == 0
    with pytest.raises(ProviderError) as err:
        call(HttpClient(f"http://b.corp.test:{port}/v1", {}, 2, egress, dns))
    assert err.value.status != 403 and listener.connections == 1
