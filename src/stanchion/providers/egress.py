"""Where upstream calls may go and which secrets they may carry: the operator's allowlist.

The spec (the file an operator controls) names it; the spec's own routes are always in it::

    models:
      allow:
        secrets: [OPENAI_API_KEY, "AZURE_*"]         # env names or globs
        hosts: [api.openai.com, "vllm.lan:8000", 10.1.0.0/16, "*.openai.azure.com"]

A route version pushed through the API may name only those secrets and hosts. Addresses are
checked where the connection is made (``resolver.GuardedResolver``, after DNS): link-local and cloud
metadata addresses are refused unless a listed network holds them, so a name that resolves
to 169.254.169.254 is refused like the literal; a name matched only by a ``*.`` rule may not
resolve to private or loopback addresses either. No ``STANCHION_*`` variable (the encryption
key, the database URL) is ever a provider credential.

    egress = Egress.build(hosts=["api.openai.com"], secrets=["OPENAI_API_KEY"])
    egress.url_problem("http://169.254.169.254/latest")  # -> "... is not in models.allow.hosts"
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field

from yarl import URL

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Net = ipaddress.IPv4Network | ipaddress.IPv6Network
RESERVED_PREFIX = "STANCHION_"
_HOST_NAME = re.compile(
    r"^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$"
)
_NEVER: tuple[Net, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this host": 0.0.0.0 reaches loopback
        "169.254.0.0/16",  # link-local, AWS/GCP/Azure metadata at 169.254.169.254
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "168.63.129.16/32",  # Azure wire server
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "ff00::/8",
    )
)
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


class EgressRefused(OSError):
    """A connection the allowlist does not permit; raised before any byte is sent."""


def reserved_secret(name: str) -> bool:
    """True for names that may never be a provider credential (stanchion's own settings)."""
    return name.upper().startswith(RESERVED_PREFIX)


@dataclass(frozen=True, slots=True)
class HostRule:
    """One ``models.allow.hosts`` entry: a name (``*.`` for subdomains) or a network,
    optionally with a port."""

    name: str | None = None
    net: Net | None = None
    port: int | None = None

    def matches_name(self, host: str, port: int) -> bool:
        if self.name is None or (self.port is not None and self.port != port):
            return False
        if self.name.startswith("*."):
            return host.endswith(self.name[1:])
        return host == self.name

    def holds(self, ip: IP, port: int | None) -> bool:
        if self.net is None or (self.port is not None and port is not None and self.port != port):
            return False
        return ip.version == self.net.version and ip in self.net


def ip_of(text: str) -> IP | None:
    """An address, IPv4-mapped IPv6 unwrapped (``::ffff:169.254.169.254`` is link-local)."""
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped if mapped is not None else ip


def parse_rule(entry: str) -> HostRule:
    """``host``, ``host:port``, ``[v6]:port``, an IP or a CIDR; ValueError otherwise."""
    text = entry.strip().lower()
    if "://" in text:
        raise ValueError(f"{entry!r}: give a host, host:port or CIDR, not a URL")
    if "/" in text:
        return HostRule(net=ipaddress.ip_network(text, strict=False))
    host, port = text, None
    if text.startswith("[") and "]:" in text:
        host, _, rest = text[1:].partition("]:")
        port = int(rest)
    elif text.count(":") == 1:
        host, _, rest = text.partition(":")
        port = int(rest) if rest.isdigit() else -1
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"{entry!r}: the port must be 1-65535")
    ip = ip_of(host)
    if ip is not None:
        return HostRule(net=ipaddress.ip_network(ip), port=port)
    if not _HOST_NAME.match(host):
        raise ValueError(f"{entry!r} is not a host name, host:port, IP address or CIDR")
    return HostRule(name=host.rstrip("."), port=port)


def _never(ip: IP) -> bool:
    return any(ip.version == n.version and ip in n for n in _NEVER)


@dataclass(frozen=True, slots=True)
class Egress:
    """The allowlist: ``any_host`` (no route came from an untrusted source) skips the host
    list but never the address checks."""

    rules: tuple[HostRule, ...] = ()
    secrets: tuple[str, ...] = ()
    any_host: bool = False
    any_secret: bool = False
    tls: ssl.SSLContext | None = field(default=None, compare=False)  # custom CA bundle

    @classmethod
    def build(
        cls, *, hosts: Iterable[str] = (), secrets: Iterable[str] = (), urls: Iterable[str] = ()
    ) -> Egress:
        """Listed hosts plus the hosts (with their ports) of ``urls``: the spec's routes."""
        rules = [parse_rule(h) for h in hosts]
        for url in urls:
            parts = URL(url)
            if parts.host:
                port = parts.port or 0
                ip = ip_of(parts.host)
                rules.append(
                    HostRule(net=ipaddress.ip_network(ip), port=port)
                    if ip is not None
                    else HostRule(name=parts.host.lower().rstrip("."), port=port)
                )
        return cls(tuple(dict.fromkeys(rules)), tuple(dict.fromkeys(secrets)))

    @classmethod
    def anywhere(cls) -> Egress:
        """For clients configured only by the operator: any host, never a metadata address."""
        return cls(any_host=True, any_secret=True)

    def secret_problem(self, name: str) -> str | None:
        if reserved_secret(name):
            return f"{name} is one of stanchion's own settings and never a provider credential"
        if self.any_secret or any(fnmatch.fnmatchcase(name, g) for g in self.secrets):
            return None
        return f"secret {name} is not in models.allow.secrets"

    def name_listed(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        return self.any_host or any(r.matches_name(host, port) for r in self.rules)

    def named_exactly(self, host: str, port: int) -> bool:
        """Listed by its own name (not a ``*.`` rule): the operator vouches for where it
        resolves, private addresses included."""
        host = host.lower().rstrip(".")
        return self.any_host or any(r.name == host and r.port in (None, port) for r in self.rules)

    def address_ok(self, ip: IP, port: int | None, private_ok: bool = True) -> bool:
        """A listed network admits anything in it; otherwise never link-local or metadata,
        and private or loopback only for a name listed exactly (``private_ok``)."""
        if any(r.holds(ip, port) for r in self.rules):
            return True
        return not _never(ip) and (private_ok or ip.is_global)

    def url_problem(self, url: str) -> str | None:
        """Why ``url`` may not be called, or None: scheme, credentials, host, address. Parsed
        by yarl, the parser the connection itself uses, so the two cannot disagree."""
        try:
            parts = URL(url)
            port = parts.port or 0
        except ValueError as exc:
            return f"base_url is not a valid URL: {exc}"
        if parts.scheme not in DEFAULT_PORTS:
            return "base_url must use http or https"
        if parts.user is not None or parts.password is not None:
            return "base_url must not carry credentials"
        host = (parts.host or "").lower().rstrip(".")
        if not host:
            return "base_url has no host"
        ip = ip_of(host)
        if ip is not None:
            held = self.any_host or any(r.holds(ip, port) for r in self.rules)
            if not held or not self.address_ok(ip, port):
                return f"host {host}:{port} is not in models.allow.hosts"
            return None
        if host in METADATA_NAMES and not any(r.name == host for r in self.rules):
            return f"host {host} is a cloud metadata service"
        if not self.name_listed(host, port):
            return f"host {host}:{port} is not in models.allow.hosts"
        return None
