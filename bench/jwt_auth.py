"""What a provider JWT costs per request on the API's authenticate step.

    python bench/jwt_auth.py [--n 20000]

Prints microseconds per call of ``TokenVerifier.principal`` for a first sight (signature,
claims and role mapping) and for a token seen before (the cache), with RS256 and ES256
keys. In process, the provider's keys already fetched; the revocation re-check is left
out (it is one indexed read per user per auth-cache period).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from stanchion.identity.spec import SsoSpec
from stanchion.identity.tokens import TokenVerifier

ISSUER = "https://idp.example.com"


def token(key: Any, alg: str, sub: str) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "api",
        "sub": sub,
        "iat": now,
        "exp": now + 600,
        "email": f"{sub}@example.com",
        "groups": ["staff", "eng"],
    }
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


async def per_call(verifier: TokenVerifier, tokens: list[str]) -> float:
    t0 = time.perf_counter()
    for t in tokens:
        await verifier.principal(t)
    return (time.perf_counter() - t0) / len(tokens) * 1e6


async def main(n: int) -> None:
    spec = SsoSpec(issuer=ISSUER, client_id="c", audience="api", roles={"staff": "user"})
    rows = []
    for alg, key in (
        ("RS256", RSAKey.generate_key(2048, parameters={"kid": "r"}, private=True)),
        ("ES256", ECKey.generate_key("P-256", parameters={"kid": "e"}, private=True)),
    ):
        keys = KeySet([key])

        async def source(kid: str | None, keys: KeySet = keys) -> KeySet:
            return keys

        async def gone(key_id: str) -> str | None:
            return None

        verifier = TokenVerifier(spec, "app", source, gone, recheck=1e9)
        fresh = [token(key, alg, f"u{i}") for i in range(min(n, 2000))]
        first = await per_call(verifier, fresh)
        cached = await per_call(verifier, [fresh[i % len(fresh)] for i in range(n)])
        rows.append((alg, first, cached))
    print(f"{'alg':<6} {'first sight (us)':>17} {'cached (us)':>12}")
    for alg, first, cached in rows:
        print(f"{alg:<6} {first:>17.1f} {cached:>12.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    asyncio.run(main(parser.parse_args().n))
