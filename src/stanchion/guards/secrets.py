"""Secrets: provider keys and tokens, private keys, JWTs, credentials in URLs and connection
strings, and high-entropy values assigned to secret-sounding names.

All provider patterns are one compiled alternation (one pass over the text); the group that
matched names the kind, so adding a provider is one line in ``PROVIDERS``::

    SecretsGuard(SecretsSpec()).check("key=AKIAIOSFODNN7EXAMPLE", None)[0].type
    # 'secret.aws_access_key'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from stanchion.guards.base import Finding
from stanchion.guards.normalize import normalize

if TYPE_CHECKING:
    from stanchion.guards.policy import SecretsSpec
    from stanchion.pipeline.exchange import Exchange

VERSION = "1"

PROVIDERS: dict[str, str] = {
    "private_key": r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)",
    "aws_access_key": r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b",
    "github_token": r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    "gitlab_token": r"\bglpat-[A-Za-z0-9_-]{20,}",
    "slack_token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    "slack_webhook": r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
    "stripe_key": r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}",
    "anthropic_key": r"\bsk-ant-[A-Za-z0-9_-]{20,}",
    "openai_key": r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
    "google_api_key": r"\bAIza[0-9A-Za-z_-]{35}",
    "sendgrid_key": r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}",
    "twilio_key": r"\b(?:SK|AC)[0-9a-f]{32}\b",
    "npm_token": r"\bnpm_[A-Za-z0-9]{36}\b",
    "pypi_token": r"\bpypi-AgE[A-Za-z0-9_-]{50,}",
    "huggingface_token": r"\bhf_[A-Za-z]{30,40}\b",
    "azure_storage_key": r"AccountKey=[A-Za-z0-9+/]{80,90}={0,2}",
    "jwt": r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    "bearer_token": r"(?i:\bbearer)\s+[A-Za-z0-9._~+/-]{20,}=*",
    "url_password": r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,64}:[^\s/@]{3,128}@[^\s/]+",
    "connection_string": r"(?:^|[;\s\"'])(?i:password|pwd)\s*=\s*[^;\s\"']{3,}",
}
_PROVIDERS = re.compile("|".join(f"(?P<{k}>{v})" for k, v in PROVIDERS.items()), re.MULTILINE)
_ASSIGNMENT = re.compile(
    r"(?i)\b([\w.-]*(?:secret|token|api[_-]?key|apikey|access[_-]?key|passw(?:or)?d|passwd|pwd"
    r"|auth|credential|private[_-]?key|client[_-]?secret)[\w.-]*)[\"']?\s*(?::=|=>|[:=])\s*"
    r"[\"']?([^\s\"',;}{)<>]{6,})"
)
_PLACEHOLDER = re.compile(r"(?i)^(?:\$|<|\{|%|x{4,}|\*{3,}|your|example|changeme|none|null|true|false)")


def shannon_entropy(value: str) -> float:
    """Bits per character: random keys sit near 4-6, words and identifiers lower."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


class SecretsGuard:
    """Provider patterns first; assignments to secret-like names judged by entropy."""

    name = "secrets"
    version = VERSION

    def __init__(self, spec: SecretsSpec) -> None:
        self.entropy_threshold = spec.entropy_threshold
        self.detector = f"{self.name}@{self.version}"

    def check(self, text: str, exchange: Exchange | None) -> list[Finding]:
        view = normalize(text)
        found: list[Finding] = []
        for m in _PROVIDERS.finditer(view.text):
            kind = m.lastgroup or "generic"
            start, end = view.span(*_value_span(m, kind))
            found.append(Finding(f"secret.{kind}", start, end, 0.95, self.detector))
        taken = [(f.start, f.end) for f in found]
        for m in _ASSIGNMENT.finditer(view.text):
            score = self._assignment_score(m.group(1), m.group(2))
            start, end = view.span(m.start(2), m.end(2))
            if score and all(end <= s or start >= e for s, e in taken):
                found.append(Finding("secret.generic", start, end, score, self.detector))
        return found

    def _assignment_score(self, name: str, value: str) -> float:
        if _PLACEHOLDER.match(value) or value.isalpha() and value.islower():
            return 0.0
        is_password = bool(re.search(r"(?i)pass|pwd", name))
        entropy = shannon_entropy(value)
        if is_password:
            return 0.8 if (len(value) >= 6 and not value.isdigit()) or entropy > 3.0 else 0.0
        classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[_\-+/=]"))
        if len(value) >= 16 and entropy >= self.entropy_threshold and classes >= 2:
            return 0.85
        return 0.0


def _value_span(m: re.Match[str], kind: str) -> tuple[int, int]:
    """Report the secret itself, not the key word or the prefix around it."""
    start, end = m.span(kind)
    value = m.group(kind)
    if kind == "connection_string":
        after = value.index("=") + 1
        return start + after + len(value[after:]) - len(value[after:].lstrip()), end
    if kind == "url_password":
        scheme_user = value.index("://") + 3
        colon = value.index(":", scheme_user)
        return start + colon + 1, start + value.rindex("@")
    return start, end
