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
from stanchion.guards.literals import Literals
from stanchion.guards.normalize import lowered, normalize
from stanchion.guards.pii_words import matches_at

if TYPE_CHECKING:
    from stanchion.guards.policy import SecretsSpec
    from stanchion.pipeline.exchange import Exchange

VERSION = "1"

# No pattern starts with \b or a look-behind: a literal first character lets the regex
# engine skip ahead, which keeps one pass over a 2 KB prompt in the tens of microseconds.
# The word boundary is checked after the match (``_starts_word``).
PROVIDERS: dict[str, str] = {
    "private_key": (
        r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)"
    ),
    "aws_access_key": r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b",
    "github_token": r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    "gitlab_token": r"glpat-[A-Za-z0-9_-]{20,}",
    "slack_token": r"xox[abposr]-[A-Za-z0-9-]{10,}",
    "slack_webhook": r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
    "stripe_key": r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}",
    "anthropic_key": r"sk-ant-[A-Za-z0-9_-]{20,}",
    "openai_key": r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
    "google_api_key": r"AIza[0-9A-Za-z_-]{35}",
    "sendgrid_key": r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}",
    "twilio_key": r"(?:SK|AC)[0-9a-f]{32}\b",
    "npm_token": r"npm_[A-Za-z0-9]{36}\b",
    "pypi_token": r"pypi-AgE[A-Za-z0-9_-]{50,}",
    "huggingface_token": r"hf_[A-Za-z]{30,40}\b",
    "azure_storage_key": r"AccountKey=[A-Za-z0-9+/]{80,90}={0,2}",
    "jwt": r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    "bearer_token": r"(?:[Bb]earer|BEARER)\s+[A-Za-z0-9._~+/-]{20,}=*",
    "url_password": r"://[^\s:/@]{1,64}:[^\s/@]{3,128}@[^\s/]+",
    "connection_string": r"(?:[Pp]assword|PASSWORD|[Pp]wd|PWD)\s*=\s*[^;\s\"']{3,}",
}
# Literals every match of a provider contains: a pattern runs only when one is in the text
# (``in`` is a memchr-speed scan), so a prompt without key-like text costs a few microseconds.
NEEDLES: dict[str, tuple[str, ...]] = {
    "private_key": ("-----BEGIN ",),
    "aws_access_key": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"),
    "github_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab_token": ("glpat-",),
    "slack_token": ("xox",),
    "slack_webhook": ("https://hooks.slack.com/services/",),
    "stripe_key": ("_live_", "_test_"),
    "anthropic_key": ("sk-ant-",),
    "openai_key": ("sk-",),
    "google_api_key": ("AIza",),
    "sendgrid_key": ("SG.",),
    "twilio_key": ("SK", "AC"),
    "npm_token": ("npm_",),
    "pypi_token": ("pypi-AgE",),
    "huggingface_token": ("hf_",),
    "azure_storage_key": ("AccountKey=",),
    "jwt": ("eyJ",),
    "bearer_token": ("earer", "EARER"),
    "url_password": ("://",),
    "connection_string": ("assword", "ASSWORD", "wd", "WD"),
}
# One pattern each: a union of them would lose the first-character skip and run 10x slower.
_PROVIDERS = {kind: re.compile(pattern) for kind, pattern in PROVIDERS.items()}
# All needles are found in one pass (``Literals``: ~40 searches of 2 KB cost ~50,000
# instructions); a provider's pattern runs only when the mask holds one of its needles.
_NEEDLES = Literals(n for kind in _PROVIDERS for n in NEEDLES[kind])
_GATED = [(kind, _NEEDLES.any_of(NEEDLES[kind]), pattern) for kind, pattern in _PROVIDERS.items()]
# Every secret-sounding name of ``_ASSIGNMENT`` holds one of these (lower-cased text).
_NAME_NEEDLES = ("secret", "token", "key", "passw", "pwd", "auth", "credential")
_ASSIGNMENT = re.compile(
    r"(secret|token|api[_-]?key|apikey|access[_-]?key|passw(?:or)?d|passwd|pwd|auth|credential"
    r"|private[_-]?key|client[_-]?secret)[\w.-]*[\"']?\s*(?::=|=>|[:=])\s*[\"']?([^\s\"',;}{)<>]{6,})"
)
# What every match of ``_ASSIGNMENT`` starts with.
_NAME_STARTS = (
    "secret", "token", "api", "access", "passw", "pwd", "auth", "credential", "private", "client",
)  # fmt: skip
# The names' needles and first words, found in the lower-cased text in one pass.
_NAMES = Literals((*_NAME_NEEDLES, *_NAME_STARTS))
_ANY_NAME = _NAMES.any_of(_NAME_NEEDLES)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:\$|<|\{|%|x{4,}|\*{3,}|your|example|changeme|none|null|true|false)"
)


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
        present = _NEEDLES.mask(view.text)
        for kind, needles, pattern in _GATED:
            if not present & needles:
                continue
            for m in pattern.finditer(view.text):
                if not _starts_word(view.text, m.start()) and kind != "url_password":
                    continue
                start, end = view.span(*_value_span(kind, m))
                found.append(Finding(f"secret.{kind}", start, end, 0.95, self.detector))
        lower = lowered(view.text)
        names = _NAMES.mask(lower)
        if not names & _ANY_NAME:
            return found
        taken = [(f.start, f.end) for f in found]
        # Every match starts with a name's first word: tried there, not at every position
        # (the pattern over 2 KB cost ~300,000 instructions).
        starts = sorted(_NAMES.every_index(names, lower, _NAME_STARTS))
        for m in matches_at(_ASSIGNMENT, lower, starts):
            score = self._assignment_score(m.group(1), view.text[m.start(2) : m.end(2)])
            start, end = view.span(m.start(2), m.end(2))
            if score and all(end <= s or start >= e for s, e in taken):
                found.append(Finding("secret.generic", start, end, score, self.detector))
        return found

    def _assignment_score(self, name: str, value: str) -> float:
        if _PLACEHOLDER.match(value) or (value.isalpha() and value.islower()):
            return 0.0
        is_password = bool(re.search(r"(?i)pass|pwd", name))
        entropy = shannon_entropy(value)
        if is_password:
            return 0.8 if (len(value) >= 6 and not value.isdigit()) or entropy > 3.0 else 0.0
        classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[_\-+/=]"))
        if len(value) >= 16 and entropy >= self.entropy_threshold and classes >= 2:
            return 0.85
        return 0.0


def _value_span(kind: str, m: re.Match[str]) -> tuple[int, int]:
    """Report the secret itself, not the key word or the prefix around it."""
    start, end = m.span()
    value = m.group(0)
    if kind == "connection_string":
        after = value.index("=") + 1
        return start + after + len(value[after:]) - len(value[after:].lstrip()), end
    if kind == "url_password":
        colon = value.index(":", 3)
        return start + colon + 1, start + value.rindex("@")
    return start, end


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")
