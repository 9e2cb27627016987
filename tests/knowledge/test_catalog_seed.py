"""The catalog seed runs once even when several replicas start at the same moment."""

from __future__ import annotations

import threading
from pathlib import Path

from stanchion.knowledge.catalog import load_catalog
from stanchion.knowledge.spec import Catalog
from stanchion.store.db import Store

SEED = (
    "CREATE TABLE IF NOT EXISTS products (name TEXT PRIMARY KEY, price NUMERIC);\n"
    "INSERT INTO products VALUES ('Hub', 79);\n"
    "INSERT INTO products VALUES ('Bulb', 24);\n"
)


def test_concurrent_seeding_loads_one_catalog(tmp_path: Path) -> None:
    (tmp_path / "seed.sql").write_text(SEED)
    spec = Catalog(
        url="sqlite:///cat.db", seed="seed.sql", table="products", fact_columns=["price"]
    )
    store = Store("sqlite://")
    errors: list[BaseException] = []
    names: list[set[str]] = []

    def start() -> None:
        try:
            catalog = load_catalog(spec, store, tmp_path)
            names.append({p.name for p in catalog.products})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert names == [{"Hub", "Bulb"}] * 6
    store.dispose()
