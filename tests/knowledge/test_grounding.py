"""Output validation: unsupported claims and numbers, catalog contradictions, policy."""

from __future__ import annotations

from stanchion.knowledge.catalog import Catalog
from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Catalog as CatalogSpec
from stanchion.knowledge.spec import Grounding

SOURCES = [
    "Refunds go back to the original payment method. Card refunds take 5 to 7 "
    "business days to appear after we receive the return."
]
CATALOG = Catalog.from_rows(
    CatalogSpec(
        table="products",
        key_column="name",
        fact_columns=["price_usd", "warranty_years"],
        features_column="features",
    ),
    [
        {
            "name": "Lumen Hub",
            "price_usd": 79,
            "warranty_years": 2,
            "features": "up to 64 devices; status light",
        },
        {
            "name": "Lumen Doorbell Cam",
            "price_usd": 129,
            "warranty_years": 2,
            "features": "1080p video; night vision; two-way audio",
        },
    ],
)


def test_supported_answer_passes() -> None:
    v = Validator(Grounding()).validate(
        "Card refunds take 5 to 7 business days to appear.", SOURCES
    )
    assert v.grounded and not v.findings and v.caveat is None


def test_made_up_claim_and_number_are_flagged_with_caveat() -> None:
    answer = (
        "Card refunds take 5 to 7 business days. "
        "We also send a 20 dollar voucher to every customer in Norway."
    )
    v = Validator(Grounding(action="caveat")).validate(answer, SOURCES)
    kinds = {f.type for f in v.findings}
    assert {"grounding.unsupported", "grounding.unsupported_number"} <= kinds
    bad = next(f for f in v.findings if f.type == "grounding.unsupported")
    assert answer[bad.start : bad.end].startswith("We also send")
    assert v.caveat and not v.grounded and v.claims[0].supported


def test_catalog_contradiction_and_unknown_feature() -> None:
    answer = (
        "The Lumen Hub costs $99. The Lumen Doorbell Cam includes night vision and "
        "a built-in siren. The Lumen Hub has two-way audio."
    )
    v = Validator(Grounding(enabled=False), CATALOG).validate(answer, [])
    found = {(f.type, answer[f.start : f.end]) for f in v.findings}
    assert ("catalog.contradiction", "99") in found
    assert ("catalog.unknown_feature", "a built-in siren") in found
    assert ("catalog.contradiction", "two-way audio") in found
    assert all(f.action == "hold" for f in v.findings if f.type == "catalog.contradiction")


def test_catalog_agrees_with_correct_facts() -> None:
    answer = "The Lumen Hub costs $79 and has a status light."
    assert Validator(Grounding(enabled=False), CATALOG).validate(answer, []).findings == []


def test_words_echoed_from_the_question_are_not_excused() -> None:
    question = "Do Visa refunds to Norway take 5 to 7 business days?"
    answer = "Visa refunds to Norway take 5 to 7 business days."
    v = Validator(Grounding()).validate(answer, SOURCES, question)
    assert not v.grounded
    assert {answer[s:e] for s, e in v.claims[0].unsupported} == {"Visa", "Norway"}


def test_answer_mixes_mean_and_weakest_claim() -> None:
    supported = "Refunds go back to the original payment method."
    made_up = "Refunds also earn loyalty points redeemable at partner airlines."
    validator = Validator(Grounding())
    one = validator.validate(supported, SOURCES)
    mixed = validator.validate(f"{supported} {made_up}", SOURCES)
    assert one.grounded and not mixed.grounded
    assert mixed.claims[0].score > validator.policy.threshold > mixed.claims[1].score


def test_claims_without_content_words_do_not_dilute_the_answer() -> None:
    answer = "Card refunds take 5 to 7 business days to appear."
    validator = Validator(Grounding())
    plain = validator.validate(answer, SOURCES)
    chatty = validator.validate(f"So there it is. {answer}", SOURCES)
    assert chatty.score == plain.score and chatty.claims[0].supported
