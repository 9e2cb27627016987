"""The ``sso:`` section of the app spec: one OpenID Connect provider for the console and the API.

sso:
  issuer: https://login.example.com/realms/acme
  client_id: stanchion
  client_secret_env: OIDC_CLIENT_SECRET
  roles: {support-leads: reviewer, ai-admins: admin}   # group -> role, first listed wins
  default_role: user                                   # signed in, in no listed group
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SAFE_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"})


def https_or_loopback(url: str) -> str:
    """An identity provider is reached over TLS; plain http only on this machine (tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return url.rstrip("/")
    raise ValueError("must be an https:// URL (http:// only for localhost)")


class SsoSpec(BaseModel):
    """Sign-in with an OpenID Connect provider (authorization code + PKCE) for the console, and
    the provider's JWT access tokens as bearer tokens for the API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(description="the provider's issuer URL (discovery is read from it)")
    client_id: str = Field(min_length=1, max_length=200)
    client_secret_env: str | None = Field(
        None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="env var holding the client secret"
    )
    audience: str | None = Field(None, description="aud of API tokens (default: client_id)")
    scopes: list[str] = ["openid", "profile", "email"]
    user_claim: str = Field("email", description="claim naming the user (falls back to sub)")
    groups_claim: str = "groups"
    roles: dict[str, str] = Field({}, description="group -> role; the first listed match wins")
    default_role: str | None = Field(None, description="role of a user in no listed group")
    algorithms: list[str] = ["RS256", "ES256", "EdDSA"]
    leeway_seconds: int = Field(30, ge=0, le=300)
    max_token_age_seconds: int = Field(
        900, gt=0, le=86400, description="API tokens issued longer ago than this are refused"
    )
    session_recheck_seconds: int = Field(
        300, gt=0, le=86400, description="a console session is re-checked with the provider"
    )
    jwks_refresh_seconds: int = Field(300, ge=10, le=86400)
    redirect_url: str | None = Field(
        None, description="the console's callback URL as the provider knows it"
    )
    ca_bundle: str | None = Field(None, description="PEM file of CAs trusted for the provider")

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, v: str) -> str:
        return https_or_loopback(v)

    @field_validator("redirect_url")
    @classmethod
    def _redirect(cls, v: str | None) -> str | None:
        if v is not None:
            https_or_loopback(v)
            if not urlsplit(v).path.endswith("/ui/sso/callback"):
                raise ValueError("must end with /ui/sso/callback")
        return v

    @field_validator("algorithms")
    @classmethod
    def _algorithms(cls, v: list[str]) -> list[str]:
        bad = [a for a in v if a not in SAFE_ALGORITHMS]
        if bad or not v:
            raise ValueError(f"use asymmetric algorithms from {sorted(SAFE_ALGORITHMS)}")
        return v

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str]) -> list[str]:
        if "openid" not in v or any(not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e]+", s) for s in v):
            raise ValueError("scopes must include openid and be plain scope tokens")
        return v

    def role_for(self, groups: list[str]) -> str | None:
        """The role of a user in ``groups``: the first mapping listed that matches."""
        member = set(groups)
        for group, role in self.roles.items():
            if group in member:
                return role
        return self.default_role

    def unknown_roles(self, known: set[str]) -> list[str]:
        wanted = [*self.roles.values(), *([self.default_role] if self.default_role else [])]
        return sorted({r for r in wanted if r not in known})
