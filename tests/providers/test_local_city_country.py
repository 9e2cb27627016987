"""A city the message names as a place is held by a sentence naming its country (issue 15):
"we're based in Glasgow" is answered by the row for the United Kingdom, as the gate reads a
passage's cities. The courier partners and questions are written for these tests, not taken
from any evaluation set."""

from __future__ import annotations

from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

PARTNERS = """## Delivery partners

| Partner | Regions | Tracking |
|---|---|---|
| Parcelio | Canada, United States | in the app |
| Postaro | United Kingdom, Ireland | by text message |
| Vanloop | Germany, Austria | by email |"""


def _reply(question: str) -> str:
    return answer(question, [PARTNERS], analyzer=Analyzer()).text


def test_a_city_is_held_by_its_country_row() -> None:
    got = _reply("we're based in Glasgow, which partner delivers to us")
    assert got.startswith("Partner: Postaro"), got
    got = _reply("which partner do you use if i live in Toronto")
    assert got.startswith("Partner: Parcelio"), got
