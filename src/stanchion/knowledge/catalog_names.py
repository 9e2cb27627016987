"""Which catalog products a piece of messy text names: lower case, partial names ("the
doorbell"), typos ("thermostst"), plurals and packs ("color bulbs 4 pack"), and names of
products the catalog does not hold ("the doorbell pro", "a 2-pack of hubs").

The word leading (nearly) every name (the brand) does not identify a product; the others
do. A product is named when one of its identifying tokens is in the text; among the products
named, the one whose identifying tokens the text covers best wins, and a pack row wins over
its single row only when the text asks for that quantity.

    names = NameIndex(["Lumen Hub", "Lumen Bulb Color", "Lumen Bulb Color 4-pack"])
    names.match("how much r 4 color bulbs in a pack").products  # -> ["Lumen Bulb Color 4-pack"]
    names.match("price of the hub pro").unknown                 # -> ["hub pro"]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from stanchion.knowledge.text import STOPWORDS

_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
NUMBER_WORDS = {
    "one": "1",
    "single": "1",
    "two": "2",
    "pair": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "eight": "8",
    "ten": "10",
    "twelve": "12",
    "dozen": "12",
}
PACK_WORDS = frozenset({"pack", "pk", "set", "bundle", "kit", "multipack", "box"})
# Words that make a different model of a named product ("Doorbell Pro", "Hub 2nd gen").
_VARIANTS = (
    "pro max plus ultra lite mini micro nano xl xxl gen generation ii iii iv se neo air duo "
    "elite premium deluxe outdoor indoor white black red blue green grey gray silver gold "
    "pink purple yellow orange brown"
)
# Words after a number that make it a quantity, not a model ("hub 2 YEARS", "2 BULBS").
_UNIT_WORDS = (
    "year month week day hour minute second usd eur gbp dollar euro percent gb tb mb "
    "watt volt lumen inch cm mm m ft foot feet meter device piece unit time"
)
_UNITS = frozenset(_UNIT_WORDS.split())
VARIANT_WORDS = frozenset(_VARIANTS.split())


def singular(word: str) -> str:
    """Plural to singular only ("bulbs", "batteries", "boxes"); a full stemmer would make
    "came" the name token "cam"."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


def spans(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end): lower-cased, singular, number words as digits; letters and
    digits split ("4pack"). The indices are the text's own: "İ" lower-cases to two
    characters (an "i" and a combining dot), which would shift every span after it, so it is
    read as a plain "i"."""
    low = text.lower()
    if len(low) != len(text):
        low = text.replace("\u0130", "i").lower()
    out = []
    for m in _TOKEN.finditer(low):
        word = NUMBER_WORDS.get(m.group(), m.group())
        out.append((singular(word) if word.isalpha() else word, m.start(), m.end()))
    return out


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t, _, _ in spans(text))


@lru_cache(maxsize=65_536)
def close(word: str, name_token: str) -> bool:
    """The same token, a typo of it (one edit, two for long words; none under five letters,
    where "plus" and "plug" are different words), or a shortening ("thermo" for
    "thermostat"); a longer word is not its name token's extension ("came" is no "cam")."""
    if word == name_token:
        return True
    if not (word.isalpha() and name_token.isalpha()):
        return False
    if len(word) >= 5 and name_token.startswith(word):
        return True
    if min(len(word), len(name_token)) < 5:
        return False
    return within_edits(word, name_token, 2 if len(name_token) >= 8 else 1)


def within_edits(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance <= limit (a transposition is one edit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def pack_at(toks: Sequence[str]) -> tuple[int, int, int] | None:
    """(quantity, first, last token) of a pack the tokens speak of: "4 pack", "pack of 4",
    "set of two"."""
    for i, t in enumerate(toks):
        if t not in PACK_WORDS:
            continue
        for j in (i - 1, i + 1, i + 2):
            if 0 <= j < len(toks) and toks[j].isdigit() and (j != i + 2 or toks[i + 1] == "of"):
                return int(toks[j]), min(i, j), max(i, j)
    return None


def pack_size(toks: Sequence[str]) -> int | None:
    found = pack_at(toks)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    ident: frozenset[str]  # tokens that identify it (not the brand)
    family: frozenset[str]  # ident without pack words and the pack quantity
    pack: int | None


@dataclass(slots=True)
class Match:
    products: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


class NameIndex:
    """Product names prepared once; ``match`` is cached per text."""

    def __init__(self, names: list[str]) -> None:
        toks = {n: tokens(n) for n in names}
        leads: dict[str, int] = {}
        for ts in toks.values():
            if ts:
                leads[ts[0]] = leads.get(ts[0], 0) + 1
        # the brand: a leading word of (nearly) every name; it names no product by itself
        self.brand = frozenset(
            t for t, c in leads.items() if len(names) >= 2 and c >= 0.8 * len(names)
        )
        self.names = [self._name(n, ts) for n, ts in toks.items()]
        self.vocab = frozenset(t for n in self.names for t in n.ident)
        self.match = lru_cache(maxsize=4096)(self._match)
        self.near = lru_cache(maxsize=16_384)(self._near)

    def _near(self, token: str) -> tuple[str, ...]:
        """The name tokens ``token`` is close to, in ``vocab``'s order: one lookup per word
        of a new sentence instead of one per word and name token."""
        return tuple(v for v in self.vocab if close(token, v))

    def _name(self, name: str, toks: Sequence[str]) -> Name:
        ident = frozenset(t for t in toks if t not in self.brand and t not in STOPWORDS)
        ident = ident or frozenset(toks)
        pack = pack_size(toks)
        family = frozenset(t for t in ident if t not in PACK_WORDS and t != str(pack))
        return Name(name, ident, family, pack)

    def _hits(self, toks: list[str]) -> dict[str, set[int]]:
        """Per name token, the positions of the text's tokens close to it."""
        hits: dict[str, set[int]] = {}
        for i, t in enumerate(toks):
            if t in STOPWORDS or t in self.brand:
                continue
            for v in self.near(t):
                hits.setdefault(v, set()).add(i)
        return hits

    def _match(self, text: str) -> Match:
        found = spans(text)
        toks = [t for t, _, _ in found]
        hits = self._hits(toks)
        named = [n for n in self.names if n.family & hits.keys()]
        best = [n for n in named if not any(_beats(o, n, hits) for o in named)]
        out = Match()
        unknown: list[tuple[int, int]] = []
        picked: list[tuple[str, list[int]]] = []
        families = list(dict.fromkeys(n.family for n in best))
        places = {fam: sorted(i for t in fam for i in hits.get(t, ())) for fam in families}
        pack = pack_at(toks)
        owner = min(families, key=lambda f: _distance(pack, places[f]), default=None)
        for fam in families:
            members = [n for n in self.names if n.family == fam]
            where = places[fam]
            asked, lo, hi = _quantity(toks, where, pack if fam == owner else None)
            before = self._before(toks, where[0]) if where else ""
            if asked is None and before.isdigit() and any(n.pack == int(before) for n in members):
                asked = int(before)  # "four color bulbs cost 79 USD": the 4-pack row
            chosen = next((n for n in members if n.pack == asked), None)
            own = frozenset().union(*(n.ident for n in members))
            variant = self._variant(toks, hits, fam, own)
            if variant is None and asked not in (None, 1) and chosen is None:
                variant = (min(lo, where[0]), max(hi, where[-1]))
            if variant is not None:
                unknown.append(variant)
                phrase = text[found[variant[0]][1] : found[variant[1]][2]]
                out.unknown += [phrase] if phrase not in out.unknown else []
                continue
            name = chosen or next((n for n in best if n.family == fam), members[0])
            picked.append((name.name, where))
        # "mini thermostat": 'mini' is in the unknown model's name, not the Plug Mini
        out.products = [
            name
            for name, where in picked
            if not all(any(a <= i <= b for a, b in unknown) for i in where)
        ]
        return out

    def _before(self, toks: Sequence[str], first: int) -> str:
        """The token before a name, past the brand ("three Nova lamps" -> "3")."""
        i = first - 1
        while i >= 0 and toks[i] in self.brand:
            i -= 1
        return toks[i] if i >= 0 else ""

    def _variant(
        self, toks: list[str], hits: dict[str, set[int]], fam: frozenset[str], own: frozenset[str]
    ) -> tuple[int, int] | None:
        """The token span of a model word next to the name that the name does not have:
        "doorbell PRO", "MINI thermostat", "hub 2" (a bare number right after the name)."""
        where = sorted(i for t in fam for i in hits.get(t, ()))
        if not where:
            return None
        lo, hi = where[0], where[-1]
        around = [(lo - 1, -1), (hi + 1, 1)]
        for i, side in around:
            if not 0 <= i < len(toks):
                continue
            t = toks[i]
            # another product's name next to this one is a list ("hub bulb and plug
            # prices"), not a model; a model word, a colour or a bare number is
            bare = t.isdigit() and side == 1 and not _quantity_of(toks, i, self.vocab)
            if (t in VARIANT_WORDS and t not in own) or bare:
                return min(i, lo), max(i, hi)
        return None


def _quantity_of(toks: list[str], i: int, names: frozenset[str]) -> bool:
    """Is the number at ``i`` a quantity ("2 years", "2 bulbs") rather than a model ("2")?"""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    return after in _UNITS or after in PACK_WORDS or after in names


def _distance(pack: tuple[int, int, int] | None, where: list[int]) -> int:
    if pack is None or not where:
        return 1 << 30
    return min(abs(pack[1] - i) for i in where)


def _quantity(
    toks: list[str], where: list[int], pack: tuple[int, int, int] | None
) -> tuple[int | None, int, int]:
    """(quantity, first, last token) of the pack asked for: the pack phrase nearest this
    name, or a number just before the name when a pack word is in the text ("4 color
    bulbs in a pack")."""
    if pack is not None:
        return pack
    if where and any(t in PACK_WORDS for t in toks) and pack_at(toks) is None:
        before = where[0] - 1
        if before >= 0 and toks[before].isdigit():
            return int(toks[before]), before, before
    return None, len(toks), -1


def _beats(a: Name, b: Name, hits: dict[str, set[int]]) -> bool:
    """Does ``a`` explain the text better than ``b`` (covers more of it, or as much with
    fewer tokens the text does not mention)?"""
    got_a, got_b = a.ident & hits.keys(), b.ident & hits.keys()
    if got_b < got_a:
        return True
    return got_a == got_b and len(a.ident - got_a) < len(b.ident - got_b)
