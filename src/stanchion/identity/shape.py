"""Whether a bearer credential has a JWT's shape (the SSO path) rather than an API key's.

A shape check only, with no JOSE library: the modules that route a credential (``access``,
the UI's sign-in) import it without loading the verifier (``tokens``), which costs about
0.15 s of CPU to import, so store-only CLI commands never pay for it.
"""

from __future__ import annotations

import re

MAX_JWT = 8192
_JWT = re.compile(r"[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+")


def could_be_jwt(token: str) -> bool:
    return len(token) <= MAX_JWT and _JWT.fullmatch(token) is not None
