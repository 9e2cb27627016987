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
PRICE_WORDS = frozenset({"price", "cost", "costs", "priced", "per", "month", "year", "pay"})

SEED_WAIT_S = 10.0


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    facts: dict[str, Any]
    features: tuple[frozenset[str], ...]


def _num(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    m = NUMBER.search(str(value or ""))
    return float(m.group().replace(",", "")) if m else None


def _feature_terms(raw: str) -> frozenset[str]:
    return frozenset(terms(raw))


class Catalog:
    def __init__(self, spec: CatalogSpec, products: list[Product]) -> None:
        self.spec = spec
        self.products = sorted(products, key=lambda p: -len(p.name))
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(p.name) for p in self.products) + r")\b", re.I)
            if products
            else None
        )
        self.all_features = {f for p in products for f in p.features}
        self._fact_words = PRICE_WORDS | {
            t for c in spec.fact_columns for t in terms(c.replace("_", " "))
        }

    @classmethod
    def from_rows(cls, spec: CatalogSpec, rows: list[dict[str, Any]]) -> Catalog:
        products = []
        for row in rows:
            raw = str(row.get(spec.features_column, "") or "") if spec.features_column else ""
            feats = tuple(_feature_terms(f) for f in re.split(r"[;,|\n]", raw) if f.strip())
            facts = {c: row.get(c) for c in spec.fact_columns}
            products.append(Product(str(row[spec.key_column]), facts, feats))
        return cls(spec, products)

    def policy_actions(self) -> dict[str, str]:
        return {
            "catalog.contradiction": self.spec.action,
            "catalog.unknown_feature": self.spec.unknown_feature_action,
        }

    def check(self, answer: str) -> list[Finding]:
        if self._pattern is None:
            return []
        by_name = {p.name.lower(): p for p in self.products}
        out: list[Finding] = []
        for s, e in split_claims(answer):
            sentence = answer[s:e]
            named = {m.group(1).lower() for m in self._pattern.finditer(sentence)}
            if len(named) != 1:
                continue  # comparisons across products are left to the grounding check
            product = by_name[named.pop()]
            out += self._facts(product, sentence, s)
            out += self._features(product, sentence, s)
        return out

    def _finding(self, kind: str, start: int, end: int) -> Finding:
        action = (
            self.spec.action
            if kind == "catalog.contradiction"
            else (self.spec.unknown_feature_action)
        )
        return Finding(kind, start, end, 1.0, DETECTOR, "output", ACTIONS[action])

    def _facts(self, product: Product, sentence: str, offset: int) -> list[Finding]:
        out = []
        lowered = sentence.lower()
        for column, value in product.facts.items():
            expected = _num(value)
            if expected is None:
                continue
            is_price = "price" in column.lower() or "cost" in column.lower()
            words = set(terms(column.replace("_", " "))) | ({"price"} if is_price else set())
            near = any(stem(w) in words for w in re.findall(r"[a-z]+", lowered))
            if not (near or (is_price and MONEY.search(sentence))):
                continue
            for m in NUMBER.finditer(sentence):
                number = float(m.group().replace(",", ""))
                if number == expected or not self._about(column, sentence, m, is_price):
                    continue
                out.append(
                    self._finding("catalog.contradiction", offset + m.start(), offset + m.end())
                )
        return out

    @staticmethod
    def _about(column: str, sentence: str, m: re.Match[str], is_price: bool) -> bool:
        """Is this number stated as the column's value (currency, or the column's word
        right after it, or right before it)?"""
        if is_price:
            before = sentence[max(0, m.start() - 2) : m.start()]
            return bool(re.search(r"[$€£]", before) or MONEY.match(sentence[m.start() :]))
        names = set(terms(column.replace("_", " ")))
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

        if any(matches(f) for f in product.features):
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
