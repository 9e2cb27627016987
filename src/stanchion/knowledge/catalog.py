"""The catalog check: product facts in an answer against a structured table.

For each sentence that names a product (the table's key column), numbers next to a fact
column's name (``price``, ``seats``, ``storage``...) must equal that product's value, and a
feature the sentence credits the product with must be one of its features: a feature of
another product is a contradiction, a feature of none is unknown.

    catalog = Catalog.from_rows(spec, [{"name": "Pro", "price": 20, "features": "SSO; API"}])
    catalog.check("Pro costs $25 per month.")  # -> [Finding('catalog.contradiction', ...)]
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from stanchion.guards.base import Finding
from stanchion.knowledge.base import Passage
from stanchion.knowledge.catalog_names import (
    NUMBER_WORDS,
    PACK_WORDS,
    NameIndex,
    pack_size,
    tokens,
)
from stanchion.knowledge.grounding import ACTIONS, split_claims
from stanchion.knowledge.spec import Catalog as CatalogSpec
from stanchion.knowledge.text import STOPWORDS, stem, terms
from stanchion.store.db import Store, normalize_url, resolve_sqlite

DETECTOR = "catalog@1"
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
CLAIM_VERBS = re.compile(
    r"\b(?:includes?|including|supports?|offers?|has|have|comes? with|provides?|features?)\b\s+",
    re.I,
)
MONEY = re.compile(r"[$€£]\s?\d|\d[\d,.]*\s?(?:usd|eur|gbp|dollars?|euros?)\b", re.I)
ITEM_SPLIT = re.compile(r",|\band\b|\bor\b|;")
CLAUSE = re.compile(r",|;|\(|\)|\s-\s|\b(?:or|and|but|while|whereas|versus|vs)\b")
PER_UNIT = re.compile(r"\b(?:each|apiece|per (?:unit|piece|item|bulb|device))\b", re.I)
RECURRING = re.compile(r"(?:per|a|/|every)\s*(?:month|year|week)|monthly|yearly|annual", re.I)
FOR_COUNT = re.compile(
    r"\bfor (?:a |the )?(\d+|two|three|four|five|six|eight|ten|twelve)\b"
    r"(?!\s*(?:usd|eur|gbp|days?|weeks?|months?|years?|hours?|minutes?|%|percent|business))",
    re.I,
)
PACK_SIZE_AFTER = re.compile(r"[\s-]*(?:pack|pk|set|bundle|count|ct|x\b)", re.I)
PACK_SIZE_BEFORE = re.compile(r"\b(?:pack|set|bundle|box) of\s*$", re.I)
CURRENCIES = frozenset({"usd", "eur", "gbp", "chf", "cad", "aud", "jpy"})
PRICE_WORDS = frozenset({"price", "cost", "costs", "priced", "per", "month", "year", "pay"})

SEED_WAIT_S = 10.0
CODE_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    facts: dict[str, Any]
    features: tuple[frozenset[str], ...]
    features_text: str = ""


def _num(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    m = NUMBER.search(str(value or ""))
    return float(m.group().replace(",", "")) if m else None


LETTERS = re.compile(r"[a-z]+")


def _column(column: str) -> tuple[bool, frozenset[str], bool, frozenset[str]]:
    """(a price?, the words naming it, a recurring price?, its own terms) of a fact column."""
    is_price = "price" in column.lower() or "cost" in column.lower()
    own = frozenset(terms(column.replace("_", " ")))
    named = own | ({"price"} if is_price else set())
    return is_price, named, RECURRING.search(column) is not None, own


def _feature_terms(raw: str) -> frozenset[str]:
    return frozenset(terms(raw))


def _plain(value: float, money: bool = False) -> str:
    return f"{value:g}" if value == int(value) or not money else f"{value:.2f}"


# what shoppers call the codes and numbers catalog tables name with acronyms
COLUMN_WORDS = {
    "sku": "SKU (product code)",
    "upc": "UPC (barcode)",
    "ean": "EAN (barcode)",
    "gtin": "GTIN (barcode)",
    "mpn": "MPN (model number)",
    "msrp": "list price",
}
CODE_COLUMNS = frozenset(COLUMN_WORDS) - {"msrp"}
PERIODS = frozenset({"hours", "days", "weeks", "months", "years"})


def fact_sentence(name: str, column: str, value: Any) -> str:
    """One fact column as a sentence: "Lumen Hub costs 79 USD.", "Lumen Hub warranty: 2
    years (2-year warranty)." (the unit is the column name's last word, the label the words
    before it; a period is written both ways customers and documents write it).

    >>> fact_sentence("Hub", "sku", "LH-1"), fact_sentence("Hub", "range_ft", 30)
    ('Hub SKU (product code): LH-1.', 'Hub range: 30 ft.')
    """
    if value is None or str(value).strip() == "":
        return ""
    words = [COLUMN_WORDS.get(w, w) for w in column.lower().split("_")]
    code = column.lower() in COLUMN_WORDS or re.fullmatch(r"0\d+", str(value).strip())
    numeric = isinstance(value, int | float) or NUMBER.fullmatch(str(value))
    number = _num(value) if numeric and not code else None  # "0123": a code, not 123
    unit = words[-1] if len(words) > 1 else ""
    if number is not None and ({"price", "cost"} & set(words) or unit in CURRENCIES):
        currency = f" {unit.upper()}" if unit in CURRENCIES else ""
        return f"{name} costs {_plain(number, money=True)}{currency}."
    label = " ".join(words[:-1] if unit else words)
    if number is None:
        return f"{name} {label or unit}: {value}."
    shown = unit[:-1] if number == 1 and unit.endswith("s") else unit
    if unit in PERIODS and label and number == int(number):
        return f"{name} {label}: {_plain(number)} {shown} ({_plain(number)}-{unit[:-1]} {label})."
    return f"{name} {label}: {_plain(number)} {shown}".rstrip() + "."


def row_section(product: Product) -> str:
    """What names a catalog row besides its product's name, as its passage's section: it is a
    product sold, and its codes name it ("how much for item LH-HUB-1" asks the row whose
    SKU sentence is not its price sentence). The gate reads it as each sentence's context
    (``retriever.gate_title``).

    >>> row_section(Product("Hub", {"sku": "LH-1", "price": 9}, ()))
    'Catalog: LH-1'
    """
    codes = [str(v).strip() for c, v in product.facts.items() if c.lower() in CODE_COLUMNS]
    codes = [c for c in codes if c]
    return f"Catalog: {', '.join(codes)}" if codes else "Catalog"


class Catalog:
    def __init__(self, spec: CatalogSpec, products: list[Product]) -> None:
        self.spec = spec
        self.products = sorted(products, key=lambda p: -len(p.name))
        self.by_name = {p.name: p for p in self.products}
        self.names = NameIndex([p.name for p in self.products])
        self.families = {n.name: n.family for n in self.names.names}
        self.all_features = {f for p in products for f in p.features}
        self._fact_words = PRICE_WORDS | {
            t for c in spec.fact_columns for t in terms(c.replace("_", " "))
        }
        self._passages = {p.name: self._passage(p) for p in self.products}
        # per fact column, read once: is it a price, the words that name it, its own terms
        self._columns = {c: _column(c) for p in self.products for c in p.facts}
        # a product's codes (SKU, barcode...) name it as well as its name does
        self.codes = {
            str(v).strip().lower(): p.name
            for p in self.products
            for c, v in p.facts.items()
            if c.lower() in COLUMN_WORDS and str(v or "").strip()
        }

    @classmethod
    def from_rows(cls, spec: CatalogSpec, rows: list[dict[str, Any]]) -> Catalog:
        products = []
        for row in rows:
            raw = str(row.get(spec.features_column, "") or "") if spec.features_column else ""
            feats = tuple(_feature_terms(f) for f in re.split(r"[;,|\n]", raw) if f.strip())
            facts = {c: row.get(c) for c in spec.fact_columns}
            products.append(Product(str(row[spec.key_column]), facts, feats, raw.strip()))
        return cls(spec, products)

    def policy_actions(self) -> dict[str, str]:
        return {
            "catalog.contradiction": self.spec.action,
            "catalog.unknown_feature": self.spec.unknown_feature_action,
        }

    def passages_for(self, question: str) -> list[Passage]:
        """The rows of the products the question names, as cited evidence (one sentence per
        fact). A product the catalog does not hold ("the doorbell pro") gets none, so its
        neighbour's price is never offered as the answer.

        >>> catalog.passages_for("how much r the color bulbs 4 pack")[0].text
        'Lumen Bulb Color 4-pack costs 79 USD. ...'
        """
        named = self.names.match(question).products + self._coded(question)
        return [self._passages[name] for name in dict.fromkeys(named)]

    def _coded(self, question: str) -> list[str]:
        """The products whose code the question writes ("how much is LH-HUB-1")."""
        if not self.codes:
            return []
        found = (self.codes.get(t.lower()) for t in CODE_TOKEN.findall(question))
        return [name for name in found if name is not None]

    def unknown_names(self, question: str) -> list[str]:
        """Phrases of the question that name a model or pack the catalog does not hold
        ("doorbell pro", "hub 2-pack"); a caller may treat one whose words its corpus lacks
        as a reason to decline."""
        unknown = self.names.match(question).unknown
        if unknown and self.codes:  # "LH-HUB-1" is the hub's SKU, not a "hub 1" model
            codes = [t.lower() for t in CODE_TOKEN.findall(question) if t.lower() in self.codes]
            unknown = [u for u in unknown if not any(u.lower() in c for c in codes)]
        return list(unknown)

    def _passage(self, product: Product) -> Passage:
        sentences = [fact_sentence(product.name, c, v) for c, v in product.facts.items()]
        if product.features_text:
            features = "; ".join(f.strip() for f in re.split(r"[;|\n]", product.features_text))
            sentences.append(f"{product.name} features: {features}.")
        body = " ".join(s for s in sentences if s)
        return Passage(
            f"catalog:{product.name}",
            1,
            product.name,
            row_section(product),
            0,
            len(body),
            body,
            1.0,
            "catalog",
        )

    def check(self, answer: str, spans: list[tuple[int, int]] | None = None) -> list[Finding]:
        """``spans``: the answer's sentences (``split_claims``) when the caller has them."""
        out: list[Finding] = []
        for s, e in split_claims(answer) if spans is None else spans:
            sentence = answer[s:e]
            named = self.names.match(sentence).products
            if not named:
                continue
            if NUMBER.search(sentence):
                out += self._facts(sentence, s)
            families = {self.families[n] for n in named}
            if len(families) == 1:  # comparisons across products: the grounding check
                out += self._features(self.by_name[named[0]], sentence, s)
        return out

    def _finding(self, kind: str, start: int, end: int) -> Finding:
        action = (
            self.spec.action
            if kind == "catalog.contradiction"
            else (self.spec.unknown_feature_action)
        )
        return Finding(kind, start, end, 1.0, DETECTOR, "output", ACTIONS[action])

    def _clauses(self, sentence: str) -> list[tuple[int, str, Product | None]]:
        """(offset, text, the product it speaks of) per clause. A clause that names no
        product speaks of the last one named, or of that product's pack when it names a
        quantity ("..., or 79 USD for a pack of four"); a unit or bundle price, or a pack
        size the catalog does not have, is nobody's."""
        out: list[tuple[int, str, Product | None]] = []
        current: Product | None = None
        cuts = [0, *(x for m in CLAUSE.finditer(sentence) for x in m.span()), len(sentence)]
        for start, end in zip(cuts[::2], cuts[1::2], strict=True):
            piece = sentence[start:end]
            match = self.names.match(piece)
            toks = tokens(piece)
            if match.products or match.unknown:
                current = self.by_name[match.products[0]] if len(match.products) == 1 else None
            elif current is not None and (PER_UNIT.search(piece) or PACK_WORDS & set(toks)):
                current = self._member(current, pack_size(toks))
            elif current is not None and (quantity := FOR_COUNT.search(piece)):
                count = NUMBER_WORDS.get(quantity.group(1).lower(), quantity.group(1))
                current = self._member(current, int(count))
            out.append((start, piece, current))
        return out

    def _member(self, product: Product, pack: int | None) -> Product | None:
        family = self.families[product.name]
        for n in self.names.names:
            if pack is not None and n.family == family and n.pack == pack:
                return self.by_name[n.name]
        return None

    def _facts(self, sentence: str, offset: int) -> list[Finding]:
        out = []
        for start, piece, product in self._clauses(sentence):
            if product is None:
                continue
            for m in self._wrong_numbers(product, piece):
                at = offset + start
                out.append(self._finding("catalog.contradiction", at + m.start(), at + m.end()))
        return out

    def _wrong_numbers(self, product: Product, clause: str) -> list[re.Match[str]]:
        out = []
        lowered = clause.lower()
        recurring = RECURRING.search(lowered) is not None
        stems = {stem(w) for w in LETTERS.findall(lowered)}
        for column, value in product.facts.items():
            expected = _num(value)
            if expected is None:
                continue
            is_price, words, recurring_column, _ = self._columns[column]
            if is_price and recurring and not recurring_column:
                continue  # "3.99 USD per month" is a subscription, not the product's price
            near = not words.isdisjoint(stems)
            if not (near or (is_price and MONEY.search(clause))):
                continue
            for m in NUMBER.finditer(clause):
                if PACK_SIZE_AFTER.match(clause, m.end()) or PACK_SIZE_BEFORE.search(
                    clause, 0, m.start()
                ):
                    continue  # "4-pack", "pack of 4": a quantity, never a fact's value
                number = float(m.group().replace(",", ""))
                if number != expected and self._about(column, clause, m, is_price):
                    out.append(m)
        return out

    def _about(self, column: str, sentence: str, m: re.Match[str], is_price: bool) -> bool:
        """Is this number stated as the column's value (currency, or the column's word
        right after it, or right before it)?"""
        if is_price:
            before = sentence[max(0, m.start() - 2) : m.start()]
            return bool(re.search(r"[$€£]", before) or MONEY.match(sentence[m.start() :]))
        names = self._columns[column][3]
        after = terms(" ".join(sentence[m.end() :].split()[:2]))
        before_words = terms(" ".join(sentence[: m.start()].split()[-2:]))
        return bool(names & set(after)) or bool(names & set(before_words))

    def _features(self, product: Product, sentence: str, offset: int) -> list[Finding]:
        if not self.spec.features_column:
            return []
        out = []
        for verb in CLAIM_VERBS.finditer(sentence):
            tail_start = verb.end()
            tail = re.split(r"[.!?:]", sentence[tail_start:])[0]
            pos = tail_start
            for item in ITEM_SPLIT.split(tail):
                start = sentence.find(item, pos)
                pos = start + len(item)
                item_terms = frozenset(t for t in terms(item) if t not in STOPWORDS)
                if not item_terms or NUMBER.search(item) or item_terms & self._fact_words:
                    continue
                kind = self._classify(product, item_terms)
                if kind:
                    stripped = item.strip()
                    at = offset + sentence.find(stripped, start)
                    out.append(self._finding(kind, at, at + len(stripped)))
        return out

    def _classify(self, product: Product, item: frozenset[str]) -> str | None:
        def matches(feature: frozenset[str]) -> bool:
            return bool(feature) and len(item & feature) / len(feature) >= 0.6

        family = self.families[product.name]
        own = [
            f for n in self.names.names if n.family == family for f in self.by_name[n.name].features
        ]
        if any(matches(f) for f in own):
            return None
        if any(matches(f) for f in self.all_features):
            return "catalog.contradiction"
        return "catalog.unknown_feature"


def _rows(engine: Engine, table: str) -> int:
    """Rows in the table, or -1 when it does not exist (yet)."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
    except DBAPIError:
        return -1


def _seed(engine: Engine, spec: CatalogSpec, app_dir: Path) -> None:
    """Load the seed SQL when the catalog table is missing or empty (demos, tests).

    Several replicas may start at once: a loser's statements fail on the winner's rows (or
    its lock), and every replica then waits until the catalog has rows.
    """
    if spec.seed is None or _rows(engine, spec.table) > 0:
        return
    script = (app_dir / spec.seed).read_text(encoding="utf-8")
    failure: DBAPIError | None = None
    try:
        with engine.begin() as conn:
            for statement in (s.strip() for s in re.split(r";[ \t]*(?:\n|$)", script)):
                if statement and not all(ln.startswith("--") for ln in statement.splitlines()):
                    conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        failure = exc
    deadline = time.monotonic() + SEED_WAIT_S
    while _rows(engine, spec.table) <= 0:
        if time.monotonic() > deadline:
            if failure is not None:
                raise failure
            return
        time.sleep(0.05)


def load_catalog(spec: CatalogSpec, store: Store, app_dir: Path) -> Catalog:
    """Read the catalog table once (at start-up) from its URL or the app's store."""
    url = normalize_url(resolve_sqlite(spec.url, app_dir)) if spec.url else None
    engine = create_engine(url) if url else store.engine
    _seed(engine, spec, app_dir)
    columns = [spec.key_column, *spec.fact_columns]
    if spec.features_column:
        columns.append(spec.features_column)
    cols = ", ".join(dict.fromkeys(columns))
    try:
        with engine.connect() as conn:
            rows = [
                dict(r._mapping) for r in conn.execute(text(f"SELECT {cols} FROM {spec.table}"))
            ]
    finally:
        if spec.url:
            engine.dispose()
    return Catalog.from_rows(spec, rows)
