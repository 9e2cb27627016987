"""Places and carriers a question may name that a corpus must name too to answer it.

A city ("I live in Boston") does not make a shipping question unanswerable; a country or a
carrier the documents never name does ("do you ship to Australia?", "do you use DHL?").
Names that are also common words (Chad, Jordan, Turkey, Georgia) are left out.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from stanchion.knowledge.query.english import commonness
from stanchion.knowledge.query.glossary import TOKEN, Phrase, phrase_terms

COUNTRIES = """afghanistan|albania|algeria|andorra|angola|argentina|armenia|australia|austria|
azerbaijan|bahamas|bahrain|bangladesh|barbados|belarus|belgium|belize|benin|bhutan|bolivia|
bosnia|botswana|brazil|brunei|bulgaria|burkina faso|burundi|cambodia|cameroon|canada|
cape verde|chile|china|colombia|comoros|congo|costa rica|croatia|cuba|cyprus|czechia,
czech republic|denmark|djibouti|dominican republic|ecuador|egypt|el salvador|eritrea|estonia|
eswatini|ethiopia|fiji|finland|france|gabon|gambia|germany|ghana|greece|grenada|guatemala|
guyana|haiti|honduras|hungary|iceland|india|indonesia|iran|iraq|ireland|israel|italy|
ivory coast|jamaica|japan|kazakhstan|kenya|kiribati|kosovo|kuwait|kyrgyzstan|laos|latvia|
lebanon|lesotho|liberia|libya|liechtenstein|lithuania|luxembourg|madagascar|malawi|malaysia|
maldives|mali|malta|mauritania|mauritius|mexico|micronesia|moldova|monaco|mongolia|
montenegro|morocco|mozambique|myanmar|namibia|nauru|nepal|netherlands,holland|new zealand|
nicaragua|nigeria|north korea|north macedonia|norway|oman|pakistan|palau|panama|
papua new guinea|paraguay|peru|philippines|poland|portugal|qatar|romania|russia|rwanda|
saudi arabia|senegal|serbia|seychelles|sierra leone|singapore|slovakia|slovenia|somalia|
south africa|south korea,korea|south sudan|spain|sri lanka|sudan|suriname|sweden|
switzerland|syria|taiwan|tajikistan|tanzania|thailand|togo|tonga|trinidad|tunisia|
turkmenistan|tuvalu|uganda|ukraine|united arab emirates,uae|united kingdom,uk,britain,
great britain,england,scotland,wales|united states,usa,u.s,u.s.a,america|uruguay|uzbekistan|
vanuatu|venezuela|vietnam|yemen|zambia|zimbabwe|puerto rico|hawaii,alaska|hong kong|
greenland|europe|asia|africa|south america|latin america"""
# The countries of each region the table names (by their first way of being written): a
# passage naming one of them speaks of its region ("EU countries, Norway" of Europe)
REGIONS = {
    "europe": """eu|european union|albania|andorra|austria|belarus|belgium|bosnia|bulgaria|
croatia|cyprus|czechia|denmark|estonia|finland|france|germany|greece|hungary|iceland|ireland|
italy|kosovo|latvia|liechtenstein|lithuania|luxembourg|malta|moldova|monaco|montenegro|
netherlands|north macedonia|norway|poland|portugal|romania|russia|serbia|slovakia|slovenia|
spain|sweden|switzerland|ukraine|united kingdom""",
    "asia": """afghanistan|armenia|azerbaijan|bahrain|bangladesh|bhutan|brunei|cambodia|china|
hong kong|india|indonesia|iran|iraq|israel|japan|kazakhstan|kuwait|kyrgyzstan|laos|lebanon|
malaysia|maldives|mongolia|myanmar|nepal|north korea|oman|pakistan|philippines|qatar|
saudi arabia|singapore|south korea|sri lanka|syria|taiwan|tajikistan|thailand|turkmenistan|
united arab emirates|uzbekistan|vietnam|yemen""",
    "africa": """algeria|angola|benin|botswana|burkina faso|burundi|cameroon|cape verde|comoros|
congo|djibouti|egypt|eritrea|eswatini|ethiopia|gabon|gambia|ghana|ivory coast|kenya|lesotho|
liberia|libya|madagascar|malawi|mali|mauritania|mauritius|morocco|mozambique|namibia|nigeria|
rwanda|senegal|seychelles|sierra leone|somalia|south africa|south sudan|sudan|tanzania|togo|
tunisia|uganda|zambia|zimbabwe""",
    "south america": """argentina|bolivia|brazil|chile|colombia|ecuador|guyana|paraguay|peru|
suriname|uruguay|venezuela""",
}
REGIONS["latin america"] = (
    REGIONS["south america"]
    + """|mexico|guatemala|honduras|
el salvador|nicaragua|costa rica|panama|cuba|dominican republic|haiti|puerto rico"""
)
CARRIERS = """ups|fedex|dhl|usps,postal service|royal mail|canada post|australia post|purolator|
ontrac|lasership|tnt|hermes,evri|dpd|gls|la poste|deutsche post|japan post|aramex|
amazon logistics"""


def name_groups(table: str) -> list[tuple[Phrase, ...]]:
    """A table of names, one group a '|' entry, its ways of writing split by ',', as phrases."""
    out = []
    for entry in table.replace("\n", "").split("|"):
        phrases = tuple(p for p in (phrase_terms(n) for n in entry.split(",")) if p)
        if phrases:
            out.append(phrases)
    return out


COUNTRY_GROUPS = name_groups(COUNTRIES)
GROUPS = COUNTRY_GROUPS + name_groups(CARRIERS)
_BY_FIRST: dict[str, list[tuple[Phrase, int]]] = {}
for _i, _group in enumerate(GROUPS):
    for _phrase in _group:
        _BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _i))


def named_places(keys: list[str]) -> list[tuple[str, tuple[Phrase, ...]]]:
    """(name as written in terms, its group of aliases) for each place or carrier in keys."""
    found = []
    for i, key in enumerate(keys):
        for phrase, group in _BY_FIRST.get(key, ()):
            if tuple(keys[i : i + len(phrase)]) == phrase:
                found.append((" ".join(phrase), GROUPS[group]))
                break
    return found


# A city names its country: "I'm in Toronto" asks about Canada. Where a place is meant: after
# one of these words, or written with a capital inside a sentence.
_LOCATIVE = "in to from near at around outside into live living based located"
LOCATIVE = frozenset(_LOCATIVE.split())
EVERYDAY = 5.0  # a lower-case city name this common in English is a word ("nice", "reading")
_CALENDAR = """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday"""
CALENDAR = frozenset(_CALENDAR.split())


@dataclass(frozen=True, slots=True)
class City:
    name: str  # as written
    country: str  # the country's name, readable ("canada")
    aliases: tuple[Phrase, ...]  # the city's terms, then its country's ways of being written


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[tuple[tuple[str, ...], str, tuple[Phrase, ...]]]]:
    """City words (lower case, as tokens) -> (words, country, the city's terms and its
    country's aliases), indexed by first word: a question's tokens are looked up as written,
    so no word is stemmed unless it starts a city's name."""
    raw = files("stanchion.knowledge.query.data").joinpath("cities.txt.gz").read_bytes()
    index: dict[str, list[tuple[tuple[str, ...], str, tuple[Phrase, ...]]]] = {}
    for line in gzip.decompress(raw).decode().splitlines():
        country, _, names = line.partition("\t")
        aliases = _country_aliases(country)
        for name in names.split("|"):
            words = tuple(m.group() for m in TOKEN.finditer(name))
            phrase = phrase_terms(name)
            if words and phrase and not words[0][0].isdigit():
                index.setdefault(words[0], []).append((words, country, (phrase, *aliases)))
    return index


def load() -> None:
    """Read the cities table now (once per process) rather than on the first question."""
    _cities()


def _country_aliases(country: str) -> tuple[Phrase, ...]:
    """The gazetteer's group for a GeoNames country name ("bosnia and herzegovina" is the
    group of "bosnia"), or the name alone."""
    terms = phrase_terms(country)
    for phrase, group in _BY_FIRST.get(terms[0], ()) if terms else ():
        if terms[: len(phrase)] == phrase and group < len(COUNTRY_GROUPS):
            return GROUPS[group]
    return (terms,) if terms else ()


@lru_cache(maxsize=4096)
def cities(text: str) -> tuple[City, ...]:
    """The cities ``text`` names as places (see LOCATIVE), each with its country (cached: a
    part's text is looked at by the planner and by answerability)."""
    return tuple(city for _, _, city in city_spans([m.group() for m in TOKEN.finditer(text)]))


def city_spans(tokens: list[str]) -> list[tuple[int, int, City]]:
    """(first token, number of tokens, city) for each city the tokens name as a place."""
    index = _cities()
    lower = [t.lower() for t in tokens]
    out: list[tuple[int, int, City]] = []
    for i, word in enumerate(lower):
        for words, country, aliases in index.get(word, ()):
            raw = tokens[i : i + len(words)]
            if tuple(lower[i : i + len(words)]) == words and _meant(tokens, i, raw):
                out.append((i, len(words), City(" ".join(raw), country, aliases)))
                break
    return out


def _meant(tokens: list[str], i: int, raw: list[str]) -> bool:
    word = " ".join(raw).lower()
    if word in CALENDAR:
        return False
    capital = all(r[:1].isupper() for r in raw) and not raw[0].isupper()
    if i and tokens[i - 1].lower() in LOCATIVE:
        return capital or len(raw) > 1 or commonness(word) < EVERYDAY
    return capital and i > 0 and commonness(word) < EVERYDAY


@lru_cache(maxsize=4096)
def city_countries(text: str) -> frozenset[str]:
    """The terms of the countries whose cities ``text`` names as places: a passage giving a
    store's address "102 Queen Street, Cardiff" speaks of the United Kingdom (and so of
    Wales), as one naming "UK" would. Cached: passages are immutable versions."""
    return frozenset(t for c in cities(text) for alias in c.aliases[1:] for t in alias)


@lru_cache(maxsize=1)
def _regions() -> tuple[tuple[Phrase, tuple[Phrase, ...]], ...]:
    """Each region's phrase and every way of writing its countries (and the EU's)."""
    groups = {group[0]: group for group in COUNTRY_GROUPS}
    out = []
    for region, table in REGIONS.items():
        members = [phrase_terms(n) for n in table.replace("\n", "").split("|")]
        ways = [p for m in members if m for p in groups.get(m, (m,))]
        out.append((phrase_terms(region), tuple(ways)))
    return tuple(out)


def held_regions(bag: set[str] | frozenset[str]) -> frozenset[str]:
    """The terms of the regions ``bag`` speaks of by naming one of their countries: passages
    listing "EU countries, Iceland, Norway" answer what is asked of Europe."""
    return frozenset(
        t for region, ways in _regions() if any(_held(p, bag) for p in ways) for t in region
    )


def _held(phrase: Phrase, bag: set[str] | frozenset[str]) -> bool:
    return all(t in bag for t in phrase)


def unserved_cities(text: str, bag: set[str] | frozenset[str]) -> list[str]:
    """The cities of ``text`` whose country passages naming other countries leave out: "I'm in
    Sydney, how long is delivery?" against "Orders to Canada take 5 to 8 days" cannot be
    answered; against passages that name no country at all it can."""
    found = cities(text)
    if not found or not any(_held(p, bag) for group in COUNTRY_GROUPS for p in group):
        return []
    return [c.name.lower() for c in found if not any(_held(p, bag) for p in c.aliases)]
