""" "İ" (U+0130) lower-cases to two characters ("i" and a combining dot). The guards read a
lower-cased copy of the text and map match indices back through it, so before ``lowered``
kept one character for one, every index after an "İ" was shifted: a secret after
"İstanbul" went unseen, a match near the end indexed past it (a 500 on a chat message).
"""

from __future__ import annotations

import pytest

from stanchion.guards import GuardEngine
from stanchion.guards.normalize import lowered
from stanchion.guards.pii import valid_iban


@pytest.mark.parametrize("text", ["İ", "İSTANBUL", "aİb", "İ" * 50, "ıİiI", "Straße İ ǅ"])
def test_lowered_keeps_one_character_for_one(text: str) -> None:
    low = lowered(text)
    assert len(low) == len(text)
    assert low == text.replace("İ", "i").lower()


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("İstanbul office: api_secret=Zx81kQ2mWp0vLr7s", "secret.generic", "Zx81kQ2mWp0vLr7s"),
        ("İİİİ then token = Qm93LkR7vT2pXs8n end", "secret.generic", "Qm93LkR7vT2pXs8n"),
        ("İİİİİİ call John Smith at 555-0100", "pii.person", "John Smith"),
        ("İİ İban DE89 3704 0044 0532 0130 00 please", "pii.iban", "DE89 3704 0044 0532 0130 00"),
    ],
)
def test_findings_after_a_dotted_capital_i_cover_their_own_characters(
    engine: GuardEngine, text: str, kind: str, value: str
) -> None:
    spans = {(f.type, text[f.start : f.end]) for f in engine.detect(text, "input", None)}
    assert (kind, value) in spans


@pytest.mark.parametrize(
    "text",
    [
        "( & 4111 1111 1111 1111 ;base64:New York' \nso00000000000000000000İ John > myUSD |``` I"
        " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx A base64:@ a butthe, > password:but \u200b\t  ",
        "[    ;Z\x00 \xa0Smithkey=\u2028 +1 555 0100Smith>Street\x1bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        " --İ on İ.  Iso base64:password:ſinstructions. ",
    ],
)
@pytest.mark.parametrize("direction", ["input", "output"])
def test_texts_that_raised_are_scanned(engine: GuardEngine, text: str, direction: str) -> None:
    engine.scan(text, direction, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", ["GB82WEST12345698765İ32", "DE89 3704 0044 0532 0130 ſ0", "DE89\u212a7040044053201300"]
)
def test_an_iban_candidate_with_a_letter_outside_ascii_is_no_iban(value: str) -> None:
    assert valid_iban(value) is False
