"""What a passage answers to without writing it: an address is an email, a number a phone.

Questions and documents are written for these tests (a bicycle shop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.knowledge.conftest import knowledge_from
from tests.linear import grows_linearly

from stanchion.knowledge.text import implied
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Write to repairs@bikes.example for a quote.", ["email"]),
        ("Book online at https://bikes.example/book.", ["link", "websit"]),
        ("Call the workshop on 0800 123 456.", ["phone", "call"]),
        ("Ring +44 (20) 7946 0958 after 9 am.", ["phone", "call"]),
        ("Frames cost 1 299 000 in total.", []),  # thousands, not a phone
        ("Released 2025-01-02, version 2.4.1.", []),  # a date and a version
        ("A pack of four costs 79 EUR.", ["cost", "price", "fee"]),
        ("Tandem: $65 at the counter.", ["cost", "price", "fee"]),  # what it costs, unsaid
        # a unit symbol after a number: the words customers ask with ("what amp rating")
        ("Charger: 2 A output.", ["amp", "amper", "amperag"]),
        ("Motor 250 W, battery 36V.", ["watt", "wattag", "volt", "voltag"]),
        ("Grade A steel, a 5-speed hub.", []),  # a letter that is not after a number
    ],
)
def test_addresses_links_and_phone_numbers_imply_their_words(text: str, found: list[str]) -> None:
    assert implied(text) == found


async def test_who_do_i_call_finds_the_sentence_with_the_number(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    workshop = (
        "# Workshop\n\n## Repairs\nRepairs take 3 days. For a broken frame, ring 0800 123 456."
        "\n\n## Parts\nSpare parts ship in 2 days.\n"
    )
    kn = await knowledge_from(store, cipher, app_dir, {"workshop.md": workshop}, k=2)
    plan = await kn.plan(["who do i call about a broken frame"], 2)
    assert plan.decision == "answer"
    assert "0800 123 456" in plan.passages[0].text
    kn.close()


@pytest.mark.parametrize(
    ("unit", "count"),
    [("|", 100_000), ("w/", 50_000), ("1", 100_000), ("1,", 50_000), ("a@", 50_000)],
)
def test_a_long_hostile_token_is_read_in_linear_time(unit: str, count: int) -> None:
    # a document or an answer is untrusted text: "\S+@" and "[\d,.]*\d" tried at every
    # position of a 100 KB token without a match took 7-27 s of CPU (quadratic)
    grows_linearly(lambda n: implied(f"see {'$' if unit == '1,' else ''}{unit * n} here"), count)
