"""Places and carriers a question may name that a corpus must name too to answer it.

A city ("I live in Boston") does not make a shipping question unanswerable; a country or a
carrier the documents never name does ("do you ship to Australia?", "do you use DHL?").
Names that are also common words (Chad, Jordan, Turkey, Georgia) are left out.
"""

from __future__ import annotations

from stanchion.knowledge.query.glossary import Phrase, phrase_terms

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
CARRIERS = """ups|fedex|dhl|usps,postal service|royal mail|canada post|australia post|purolator|
ontrac|lasership|tnt|hermes,evri|dpd|gls|la poste|deutsche post|japan post|aramex|
amazon logistics"""


def _groups(table: str) -> list[tuple[Phrase, ...]]:
    out = []
    for entry in table.replace("\n", "").split("|"):
        phrases = tuple(p for p in (phrase_terms(n) for n in entry.split(",")) if p)
        if phrases:
            out.append(phrases)
    return out


GROUPS = _groups(COUNTRIES) + _groups(CARRIERS)
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
