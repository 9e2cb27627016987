"""Word lists behind the contextual PII types: places, groups, titles and organisations.

Places come from GeoNames (``data/places.txt.gz``, CC BY 4.0, see ``data/LICENSES.md``); the
closed classes below (nationalities, religions, political groups, honorifics, job-title heads,
legal forms) were written for this project from general knowledge (Apache-2.0, as the code)::

    kind_of_place("Norway"), kind_of_place("helsinki"), kind_of_place("Reading")
    # ('c', 't', None): Reading is a town, but far more often a word
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

# Cues strong enough to make an unknown capitalised name a place.
STRONG_PLACE_CUES = (
    "flew to", "grew up in", "moved here from", "moved to", "moved from", "arrived at",
    "arrived in", "coming to", "i'm in", "i am in", "live in", "lives in", "lived in",
    "based in", "born in", "trip to", "travelled to", "traveled to", "located in", "visit",
    "from the city of", "town of", "city of",
)  # fmt: skip


# A word of each strong cue that stands in it both as a word and as a letter run: a text
# without it holds the cue nowhere (``Listed.phrase_at`` finds nothing), so one intersection
# with the text's words leaves the few cues worth looking for.
PLACE_CUE_KEYS = {
    "flew": ("flew to",), "grew": ("grew up in",), "moved": ("moved here from", "moved to",
    "moved from"), "arrived": ("arrived at", "arrived in"), "coming": ("coming to",),
    "in": ("i'm in",), "am": ("i am in",), "live": ("live in",), "lives": ("lives in",),
    "lived": ("lived in",), "based": ("based in",), "born": ("born in",), "trip": ("trip to",),
    "travelled": ("travelled to",), "traveled": ("traveled to",), "located": ("located in",),
    "visit": ("visit",), "city": ("from the city of", "city of"), "town": ("town of",),
}  # fmt: skip
PLACE_CUE_KEY_SET = frozenset(key for key, cues in PLACE_CUE_KEYS.items() if cues)

# Nationalities and peoples (adjective or noun); a trailing "s"/"es" plural is accepted.
NATIONALITIES = frozenset(
    """afghan albanian algerian american andorran angolan argentine argentinian armenian
    australian austrian azerbaijani azeri bahamian bahraini bangladeshi barbadian belarusian
    belgian belizean beninese bhutanese bolivian bosnian botswanan brazilian british briton
    bruneian bulgarian burkinabe burmese burundian cambodian cameroonian canadian chadian
    chilean chinese colombian congolese costa rican croatian cuban cypriot czech danish dane
    djiboutian dominican dutch ecuadorean ecuadorian egyptian emirati english englishman
    englishmen englishwoman eritrean estonian ethiopian fijian filipino finnish finn french
    frenchman gabonese gambian georgian german ghanaian greek greenlander grenadian guatemalan
    guinean guyanese haitian honduran hungarian icelandic icelander indian indonesian iranian
    iraqi irish israeli italian ivorian jamaican japanese jordanian kazakh kenyan korean
    kosovar kuwaiti kyrgyz lao laotian latvian lebanese liberian libyan lithuanian
    luxembourgish luxembourger macedonian malagasy malawian malaysian maldivian malian maltese
    mauritanian mauritian mexican moldovan monegasque mongolian montenegrin moroccan
    mozambican namibian nepalese nepali dutchman nicaraguan nigerian nigerien norwegian omani
    pakistani palestinian panamanian paraguayan peruvian polish pole portuguese qatari
    romanian russian rwandan salvadoran samoan saudi scottish scot senegalese serbian
    seychellois singaporean slovak slovakian slovenian slovene somali south african spanish
    spaniard sri lankan sudanese surinamese swazi swedish swede swiss syrian taiwanese tajik
    tanzanian thai togolese tongan trinidadian tunisian turkish turkmen ugandan ukrainian
    uruguayan uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean
    european african asian latino latina hispanic arab arabic kurdish persian caucasian
    aboriginal""".split()  # noqa: SIM905
)
RELIGIONS = frozenset(
    """christian catholic protestant orthodox anglican lutheran methodist baptist evangelical
    mormon muslim moslem islamic sunni shia shii shiite jewish jew hindu buddhist sikh jain
    taoist atheist agnostic""".split()  # noqa: SIM905
)
POLITICAL = frozenset(
    """democrat democrats republican republicans socialist socialists communist communists
    libertarian libertarians tory tories labourite marxist marxists fascist fascists
    nationalist nationalists""".split()  # noqa: SIM905
)
# Words of those lists that are ordinary words too often to count without a capital letter.
LOWER_CASE_AMBIGUOUS = frozenset("pole finn scot dane swede jew turkish english french".split())  # noqa: SIM905
# Demonyms written as two words.
NRP_PAIRS = frozenset(["costa rican", "south african", "sri lankan", "new zealander"])

HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir dame madam madame rev fr capt sgt lt col gen hon".split()  # noqa: SIM905
)
# The last word of a job title; the words before it are its modifiers ("labor relations").
JOB_HEADS = frozenset(
    """accountant actor administrator advisor adviser agent analyst architect artist assistant
    associate attendant auditor baker banker barber bartender biologist bookkeeper buyer
    captain carpenter cashier ceo cfo chef chemist cleaner clerk coach consultant controller
    coordinator counselor counsellor curator designer developer dentist director doctor
    driver economist editor electrician engineer executive farmer firefighter geologist
    hairdresser historian inspector installer instructor intern investigator janitor
    journalist judge lawyer lecturer librarian lifeguard machinist manager mechanic nurse
    officer operator packager paralegal pharmacist photographer physician physicist pilot
    planner plumber president producer professor programmer psychologist recruiter
    representative researcher scientist secretary specialist statistician supervisor surgeon
    surveyor teacher technician technologist therapist trainer translator treasurer tutor
    underwriter veterinarian welder worker writer cinematographer echocardiographer
    radiographer sonographer cartographer choreographer""".split()  # noqa: SIM905
)
# The last word of an organisation's name: legal forms and kinds of institution.
ORG_TAILS = frozenset(
    """inc inc. incorporated llc llp ltd ltd. limited plc corp corp. corporation co co. company
    gmbh ag sa nv bv oy ab as spa srl group holdings bank university college institute
    hospital foundation association society agency partners services solutions systems
    technologies labs laboratories consulting insurance industries enterprises ventures
    capital media networks software pharmaceuticals airlines motors school academy museum
    church council ministry clinic""".split()  # noqa: SIM905
)


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Lower-cased place name -> kind: ``c`` country, ``r`` region, ``t`` town or city."""
    ref = resources.files("stanchion.guards.data").joinpath("places.txt.gz")
    out: dict[str, str] = {}
    with gzip.open(str(ref), "rt", encoding="utf-8") as fh:
        for line in fh:
            kind, _, name = line.rstrip("\n").partition(" ")
            out[name] = kind
    return out


_GROUPS = NATIONALITIES | RELIGIONS | POLITICAL
# Every form a group word takes: as listed, and with a plural "s" or "es" ("surinameses").
NRP_FORMS = _GROUPS | {w + "s" for w in _GROUPS} | {w + "es" for w in _GROUPS}


def is_nrp(word: str) -> bool:
    """A nationality, religion or political group, singular or with a plural ending."""
    return word.lower() in NRP_FORMS


@lru_cache(maxsize=2)
def place_heads(cased: bool = True) -> frozenset[str]:
    """The first word of every place name (a word that is none cannot start a place); with
    ``cased=False`` only of countries and regions, the places found in lower case too."""
    names = [n for n, kind in places().items() if cased or kind != "t"]
    return frozenset(name.split(" ")[0] for name in (*names, *COUNTRY_ALIASES))


@lru_cache(maxsize=1)
def place_names_by_head() -> dict[str, tuple[str, ...]]:
    """First word -> the country and region names (and aliases) it starts, lower-cased."""
    out: dict[str, list[str]] = {}
    names = [n for n, kind in places().items() if kind != "t"]
    for name in (*names, *COUNTRY_ALIASES):
        out.setdefault(name.split(" ")[0], []).append(name)
    return {head: tuple(found) for head, found in out.items()}


@lru_cache(maxsize=1)
def place_prefixes() -> tuple[frozenset[str], frozenset[str]]:
    """(first words of the place names of two or more words, first two words of those of
    three or more): a phrase is looked up only when its start begins some name that long."""
    names = [name.split(" ") for name in (*places(), *COUNTRY_ALIASES)]
    two = frozenset(parts[0] for parts in names if len(parts) >= 2)
    three = frozenset(" ".join(parts[:2]) for parts in names if len(parts) >= 3)
    return two, three


# Bits of ``lexicon()``: the lists a word is in.
PLACE_LOWER, NRP, TITLE, ORG_TAIL = 1, 2, 4, 8


@lru_cache(maxsize=1)
def lexicon() -> dict[str, int]:
    """Word -> the lists it is in (``pii_words`` bits), for the one pass over a text's words."""
    out: dict[str, int] = {}
    groups = (
        (place_heads(cased=False), PLACE_LOWER),
        (NRP_FORMS | {p.split(" ")[0] for p in NRP_PAIRS}, NRP),
        (HONORIFICS | JOB_HEADS, TITLE),
        (ORG_TAILS, ORG_TAIL),
    )
    for listed, bit in groups:
        for word in listed:
            out[word] = out.get(word, 0) | bit
    return out


def kind_of_place(name: str) -> str | None:
    """The kind of a place name, or None (unknown, or a town named like a common word)."""
    lower = name.lower()
    kind = "c" if lower in COUNTRY_ALIASES else places().get(lower)
    if kind == "t" and (lower in _TOWN_WORDS or len(lower) < 4):
        return None
    return kind


# Countries by the names people use besides GeoNames' own.
COUNTRY_ALIASES = frozenset(
    [
        "czech republic", "usa", "u.s.a", "uk", "great britain", "england", "scotland", "wales",
        "northern ireland", "holland", "the netherlands", "ivory coast", "south korea",
        "north korea", "russia", "burma", "cape verde", "swaziland", "macedonia", "east timor",
        "america", "the united states", "united states of america", "vatican",
    ]
)  # fmt: skip
# Towns whose names are ordinary English words, names of days or first names first.
_TOWN_WORDS = frozenset(
    """reading bath mobile independence union liberty opportunity providence concord
    victoria florence charlotte aurora beaumont marion jackson lincoln washington franklin
    hamilton clinton madison salem enterprise temple commerce normal marathon eagle orange
    centre center university college cork split nice mission hope harmony date
    mode van""".split()  # noqa: SIM905
)
