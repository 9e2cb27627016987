# ruff: noqa: E501  (inline JSONL rows and keys read best on one line)
from __future__ import annotations

import pytest

from stanchion.guards import GuardEngine

KEYS = {
    "secret.aws_access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret.github_token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "secret.openai_key": "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
    "secret.stripe_key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "secret.slack_token": "xoxb-" + "123456789012-abcdefABCDEF",
    "secret.google_api_key": "AIza" + "SyD-abcdefghijklmnopqrstuvwxyz01234",
    "secret.jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}


@pytest.mark.parametrize(("kind", "value"), sorted(KEYS.items()))
def test_provider_keys_block_on_input(engine: GuardEngine, kind: str, value: str) -> None:
    outcome = engine.scan(f"here is my key: {value} thanks", "input", None)
    assert kind in [f.type for f in outcome.findings]
    assert outcome.action == "block"
    assert outcome.reply


def test_private_key_and_credentials_in_urls(engine: GuardEngine) -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"
    assert [f.type for f in engine.detect(pem, "input", None)] == ["secret.private_key"]
    text = "db at postgres://admin:s3cr3tP4ss@db.internal:5432/app"
    (found,) = [f for f in engine.detect(text, "input", None) if f.type.startswith("secret.")]
    assert text[found.start : found.end] == "s3cr3tP4ss"
    conn = "Server=tcp:x.database.windows.net;Database=app;Password=Tr0ub4dor&3;"
    assert "secret.connection_string" in [f.type for f in engine.detect(conn, "input", None)]


def test_high_entropy_assignment(engine: GuardEngine) -> None:
    found = engine.detect('API_SECRET = "q8ZrT2vLx9WmB4nKp7HsD3fJ"', "input", None)
    assert [f.type for f in found] == ["secret.generic"]
    assert engine.detect('api_secret = "your-secret-here"', "input", None) == []
    assert engine.detect("token_count = tokenizer_length", "input", None) == []


def test_secret_in_output_is_redacted(engine: GuardEngine) -> None:
    outcome = engine.scan("use AKIAIOSFODNN7EXAMPLE", "output", None)
    assert outcome.action == "redact"
    assert "AKIA" not in outcome.text and "[REDACTED secret.aws_access_key]" in outcome.text


def test_zero_width_inside_a_key(engine: GuardEngine) -> None:
    text = "AKIA\u200bIOSFODNN7EXAMPLE"
    assert "secret.aws_access_key" in [f.type for f in engine.detect(text, "input", None)]
