"""Catalog rows as evidence: products named in messy text, packs, products not sold."""

from __future__ import annotations

from pathlib import Path

from stanchion.knowledge.catalog import Catalog, fact_sentence, load_catalog
from stanchion.knowledge.catalog_names import NameIndex
from stanchion.knowledge.spec import Catalog as CatalogSpec
from stanchion.store.db import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
SPEC = CatalogSpec(
    table="items",
    key_column="title",
    fact_columns=["price_eur", "warranty_months"],
    features_column="perks",
)
# A catalog written for these tests (another brand, so nothing is tuned to the example's).
ROWS = [
    {"title": "Orbit Kettle", "price_eur": 39.5, "warranty_months": 12, "perks": "1.7 litres"},
    {"title": "Orbit Kettle 2-pack", "price_eur": 70, "warranty_months": 12, "perks": "two"},
    {"title": "Orbit Toaster Duo", "price_eur": 55, "warranty_months": 24, "perks": "4 slots"},
    {"title": "Orbit Blender", "price_eur": 89, "warranty_months": 1, "perks": "glass jar"},
]
CATALOG = Catalog.from_rows(SPEC, ROWS)


def titles(question: str) -> list[str]:
    return [p.title for p in CATALOG.passages_for(question)]


def test_partial_lower_case_and_misspelt_names_find_their_row() -> None:
    assert titles("how much is the toaster?") == ["Orbit Toaster Duo"]
    assert titles("whats the warranty on the blendr") == ["Orbit Blender"]
    assert titles("ORBIT KETTLE price") == ["Orbit Kettle"]
    assert sorted(titles("kettle and blender prices pls")) == ["Orbit Blender", "Orbit Kettle"]


def test_a_pack_is_chosen_only_when_the_quantity_is_asked_for() -> None:
    assert titles("price for 2 kettles in a pack") == ["Orbit Kettle 2-pack"]
    assert titles("kettle two pack cost?") == ["Orbit Kettle 2-pack"]
    assert titles("a pack of two kettles") == ["Orbit Kettle 2-pack"]
    assert titles("how much does one kettle cost") == ["Orbit Kettle"]


def test_a_product_not_sold_gets_no_neighbours_row() -> None:
    assert titles("how much is the orbit kettle pro") == []
    assert CATALOG.unknown_names("how much is the orbit kettle pro") == ["kettle pro"]
    assert titles("do you sell a 6-pack of kettles") == []
    assert CATALOG.unknown_names("do you sell a 6-pack of kettles") == ["6-pack of kettles"]
    assert titles("price of the blender 3") == []
    assert titles("what does a microwave cost") == []


def test_the_unknown_name_is_quoted_from_the_question_after_a_dotted_capital_i() -> None:
    # "İ" lower-cases to two characters: the spans were the lowered text's, one off per "İ"
    assert CATALOG.unknown_names("İİİ İstanbul: how much is the orbit kettle pro") == ["kettle pro"]


def test_a_code_in_the_question_names_its_product() -> None:
    # "how much is OK-BL-2": a SKU names its row (and is no "blender 2" model not sold)
    spec = SPEC.model_copy(update={"fact_columns": ["price_eur", "sku"]})
    rows = [{**row, "sku": f"OK-{i}"} for i, row in enumerate(ROWS)]
    rows[3]["sku"] = "OK-BL-2"
    catalog = Catalog.from_rows(spec, rows)
    assert [p.title for p in catalog.passages_for("how much is item ok-bl-2?")] == ["Orbit Blender"]
    assert catalog.unknown_names("price of OK-BL-2 pls") == []
    assert catalog.unknown_names("price of the blender 2") == ["blender 2"]
    assert catalog.passages_for("is OK-BL-9 in stock") == []


def test_rows_read_as_cited_sentences() -> None:
    (passage,) = CATALOG.passages_for("orbit blender")
    assert passage.doc_id == "catalog:Orbit Blender" and passage.source == "catalog"
    assert passage.text == (
        "Orbit Blender costs 89 EUR. Orbit Blender warranty: 1 month (1-month warranty). "
        "Orbit Blender features: glass jar."
    )
    assert fact_sentence("Orbit Kettle", "price_eur", 39.5) == "Orbit Kettle costs 39.50 EUR."
    assert fact_sentence("X", "colour", "red") == "X colour: red."
    assert fact_sentence("X", "weight_kg", None) == ""


def test_rows_speak_as_customers_and_documents_do() -> None:
    # a period both ways ("2 years", "a 2-year warranty"); an acronym column with its
    # everyday name, so "what's the product code" finds the SKU row
    assert fact_sentence("X", "guarantee_years", 5) == "X guarantee: 5 years (5-year guarantee)."
    assert fact_sentence("X", "trial_days", 1) == "X trial: 1 day (1-day trial)."
    assert fact_sentence("X", "sku", "X-1") == "X SKU (product code): X-1."
    assert fact_sentence("X", "upc", "0123") == "X UPC (barcode): 0123."
    assert fact_sentence("X", "battery_hours", 7.5) == "X battery: 7.5 hours."


def test_the_example_catalog_is_evidence_for_its_own_products(tmp_path: Path) -> None:
    spec = CatalogSpec(
        url=f"sqlite:///{tmp_path / 'catalog.db'}",
        seed=str(EXAMPLE / "catalog.sql"),
        table="products",
        fact_columns=["price_usd", "warranty_years"],
        features_column="features",
    )
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        catalog = load_catalog(spec, store, EXAMPLE)
    finally:
        store.dispose()
    (plug,) = catalog.passages_for("how much is the plug mini")
    assert "costs 19 USD" in plug.text and "Warranty" not in plug.title
    (pack,) = catalog.passages_for("whats a 4 pack of colour bulbs cost")
    assert pack.text.startswith("Lumen Bulb Color 4-pack costs 79 USD.")
    assert catalog.passages_for("price of the lumen doorbell pro") == []


def test_words_that_only_stem_like_a_name_do_not_name_it() -> None:
    names = NameIndex(["Acme Doorbell Cam", "Acme Hub", "Acme Plug"])
    assert names.match("the shipping email came this morning").products == []
    assert names.match("is lumen plus worth it").products == []  # 'plus' is no typo of 'plug'
    assert names.match("two doorbell cams and a hub").products == ["Acme Doorbell Cam", "Acme Hub"]


def test_a_colour_or_model_number_the_catalog_lacks_is_a_product_not_sold() -> None:
    assert titles("orbit kettle white price") == []
    assert titles("is the kettle 2 out yet") == []
    assert titles("kettle 2 years warranty?") == ["Orbit Kettle"]
