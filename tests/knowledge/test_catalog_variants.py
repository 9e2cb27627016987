"""The catalog check reads variants, packs and bundles: a price is compared with the row
the words around it speak of (single, pack, bundle), and a real contradiction is held."""

from __future__ import annotations

from pathlib import Path

from stanchion.knowledge.catalog import Catalog, load_catalog
from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Catalog as CatalogSpec
from stanchion.knowledge.spec import Grounding
from stanchion.store.db import Store

SPEC = CatalogSpec(
    table="items", fact_columns=["price_usd", "warranty_years"], features_column="features"
)
CATALOG = Catalog.from_rows(
    SPEC,
    [
        {"name": "Nova Lamp", "price_usd": 30, "warranty_years": 2, "features": "dimmable"},
        {"name": "Nova Lamp 3-pack", "price_usd": 80, "warranty_years": 2, "features": "x"},
        {"name": "Nova Speaker", "price_usd": 120, "warranty_years": 1, "features": "stereo"},
        {"name": "Nova Speaker + Lamp Bundle", "price_usd": 140, "warranty_years": 1},
        {"name": "Nova Sensor", "price_usd": 15, "warranty_years": 3, "features": "motion"},
    ],
)


def held(answer: str) -> list[str]:
    findings = Validator(Grounding(enabled=False), CATALOG).validate(answer, []).findings
    return [answer[f.start : f.end] for f in findings if f.type == "catalog.contradiction"]


def test_single_and_pack_prices_in_one_sentence_are_not_a_contradiction() -> None:
    assert held("The Nova Lamp costs 30 USD, or 80 USD for a pack of three.") == []
    assert held("A Nova Lamp is 30 USD; a 3-pack is 80 USD.") == []
    assert held("Nova lamps cost 30 USD each, or 80 USD for three.") == []
    assert held("The Nova Lamp 3-pack costs 80 USD.") == []
    assert held("Three Nova Lamps cost 80 USD.") == []


def test_a_price_is_matched_to_the_row_its_words_name() -> None:
    assert held("The Nova Lamp costs 30 USD, or 75 USD for a pack of three.") == ["75"]
    assert held("The Nova Lamp 3-pack costs 30 USD.") == ["30"]
    assert held("The lamp costs 80 USD.") == ["80"]
    assert held("The Nova Speaker costs 120 USD and the Nova Sensor costs 19 USD.") == ["19"]


def test_bundles_and_pack_sizes_the_catalog_lacks_are_not_misread() -> None:
    assert held("The Nova Speaker costs 120 USD, or 140 USD in the Speaker + Lamp bundle.") == []
    assert held("The Nova Speaker costs 120 USD, or 150 USD in the Speaker + Lamp bundle.") == [
        "150"
    ]
    # no 2-pack row: the catalog cannot say, the grounding check judges it
    assert held("The Nova Lamp costs 30 USD, or 55 USD for a pack of two.") == []
    # a subscription next to a product is not the product's price
    assert held("The Nova Sensor works with Nova Cloud, which costs 2.99 USD per month.") == []


def test_a_pack_size_is_not_read_as_a_fact() -> None:
    assert held("The Nova Lamp 3-pack has a 2-year warranty.") == []
    assert held("A pack of 3 Nova Lamps has a 2-year warranty.") == []
    assert held("The Nova Lamp 3-pack has a 5-year warranty.") == ["5"]


def test_a_real_contradiction_is_still_held() -> None:
    v = Validator(Grounding(enabled=False), CATALOG).validate("The lamp costs 19 USD.", [])
    assert [f.type for f in v.findings] == ["catalog.contradiction"]
    assert v.findings[0].action == "hold"
    assert held("The Nova Sensor has a 2-year warranty.") == ["2"]
    assert held("The Nova Sensor has a 3-year warranty.") == []


def test_no_sentence_of_the_example_documents_contradicts_the_example_catalog(
    tmp_path: Path,
) -> None:
    app = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
    spec = CatalogSpec(
        url=f"sqlite:///{tmp_path / 'catalog.db'}",
        seed=str(app / "catalog.sql"),
        table="products",
        fact_columns=["price_usd", "warranty_years"],
        features_column="features",
    )
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        catalog = load_catalog(spec, store, app)
    finally:
        store.dispose()
    for doc in sorted((app / "docs").glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        found = [f for f in catalog.check(text) if f.type == "catalog.contradiction"]
        assert found == [], (doc.name, [text[f.start : f.end] for f in found])
    rows = " ".join(p.text for p in catalog.passages_for("hub bulb color 4 pack thermostat"))
    assert rows and catalog.check(rows) == []
