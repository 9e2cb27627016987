"""A small OpenID Connect provider for tests, on a real socket: discovery, JWKS, authorize
(the signed-in user is whoever the test says), token (authorization code with PKCE, and
refresh tokens that stop working once the user is removed). Tokens are signed with RSA keys
through joserfc, as a real provider's would be.

    idp = OidcProvider(); idp.start()
    idp.add_user("u1", "ana@example.com", ["ai-admins"])
    token = idp.access_token("u1")          # a JWT for the API
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.upstream import serve_in_thread

CLIENT_ID = "stanchion-test"
CLIENT_SECRET = "s3cret-client"
API_AUDIENCE = "stanchion-api"


@dataclass
class User:
    sub: str
    email: str
    groups: list[str]
    removed: bool = False


@dataclass
class Issued:
    sub: str
    nonce: str
    challenge: str
    redirect_uri: str
    used: bool = False


@dataclass
class OidcProvider:
    users: dict[str, User] = field(default_factory=dict)
    codes: dict[str, Issued] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> sub
    signed_in: str | None = None  # who the "browser" is signed in as at the provider
    token_requests: list[dict[str, str]] = field(default_factory=list)
    jwks_fetches: int = 0
    port: int = 0
    scheme: str = "http"

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.server: Any = None

    @property
    def issuer(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, **tls: Any) -> None:
        """Serve; ``tls`` (ssl_certfile, ssl_keyfile) serves it over https."""
        self.scheme = "https" if tls else "http"
        app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
            ]
        )
        self.server, self.port = serve_in_thread(app, **tls)

    def stop(self) -> None:
        self.server.should_exit = True
        self.server.thread.join(10)

    def add_user(self, sub: str, email: str, groups: list[str]) -> User:
        self.users[sub] = User(sub, email, groups)
        return self.users[sub]

    def rotate_key(self, kid: str) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)

    def sign(self, claims: dict[str, Any], key: Any = None, alg: str = "RS256") -> str:
        key = key or self.key
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)

    def claims(self, sub: str, aud: str, **over: Any) -> dict[str, Any]:
        user, now = self.users[sub], int(time.time())
        base = {"iss": self.issuer, "sub": sub, "aud": aud, "iat": now, "exp": now + 300}
        return {**base, "email": user.email, "groups": list(user.groups), **over}

    def access_token(self, sub: str, **over: Any) -> str:
        return self.sign(self.claims(sub, API_AUDIENCE, **over))

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        ok = (
            q.get("response_type") == "code"
            and q.get("client_id") == CLIENT_ID
            and q.get("code_challenge_method") == "S256"
            and q.get("code_challenge")
            and "openid" in q.get("scope", "").split()
        )
        if not ok:
            return JSONResponse({"error": "invalid_request"}, 400)
        back = q["redirect_uri"]
        who = self.signed_in
        if who is None or who not in self.users or self.users[who].removed:
            return RedirectResponse(
                f"{back}?{urlencode({'error': 'access_denied', 'state': q['state']})}", 302
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = Issued(who, q.get("nonce", ""), q["code_challenge"], back)
        return RedirectResponse(f"{back}?{urlencode({'code': code, 'state': q['state']})}", 302)

    def _tokens(self, sub: str, nonce: str | None) -> dict[str, Any]:
        rt = secrets.token_urlsafe(24)
        self.refresh[rt] = sub
        extra = {"nonce": nonce} if nonce else {}
        return {
            "token_type": "Bearer",
            "access_token": self.access_token(sub),
            "id_token": self.sign(self.claims(sub, CLIENT_ID, azp=CLIENT_ID, **extra)),
            "refresh_token": rt,
            "expires_in": 300,
        }

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "authorization_code":
            return self._code_grant(form)
        if form.get("grant_type") == "refresh_token":
            sub = self.refresh.pop(str(form.get("refresh_token")), None)  # rotated: single use
            if sub is None or self.users[sub].removed:
                return JSONResponse({"error": "invalid_grant"}, 400)
            return JSONResponse(self._tokens(sub, None))
        return JSONResponse({"error": "unsupported_grant_type"}, 400)

    def _code_grant(self, form: dict[str, Any]) -> Response:
        issued = self.codes.get(str(form.get("code")))
        if issued is None or issued.used or issued.redirect_uri != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant"}, 400)
        issued.used = True
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != issued.challenge:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        return JSONResponse(self._tokens(issued.sub, issued.nonce))
