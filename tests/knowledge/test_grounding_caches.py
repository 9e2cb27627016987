"""What the grounding check keeps between answers (issue 12's speed work): each passage's
analysed sentences (kept by its text), each passage set's prepared source and its IDF
weights, the answer split once for the claims and the catalog. Kept work decides exactly
as fresh work does, and never outlives the text it was made from: a new version of a
document is another text, so its facts are made anew."""

from __future__ import annotations

import math
import random
from pathlib import Path

from tests.knowledge.test_query_understanding import knowledge_over

from stanchion.knowledge.catalog import Catalog
from stanchion.knowledge.contrast import (
    CLASS_OF,
    OPENERS,
    POSSESSIVE,
    is_name,
    name_key,
    swapped_value,
    unsupported_names,
    written,
)
from stanchion.knowledge.grounding import Validator, split_claims
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.sources import FACTS_CACHE_SIZE, FactsCache, Source, sentences
from stanchion.knowledge.spec import Catalog as CatalogSpec
from stanchion.knowledge.spec import Grounding
from stanchion.knowledge.text import STOPWORDS, normalize_word, words
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

CATALOG = Catalog.from_rows(
    CatalogSpec(table="plans", fact_columns=["price_usd", "seats"], features_column="features"),
    [
        {"name": "Basic", "price_usd": 10, "seats": 1, "features": "email support"},
        {"name": "Pro", "price_usd": 20, "seats": 10, "features": "SSO; audit logs; API"},
    ],
)
LAMP = "how much does the orbit lamp cost?"
ANSWER = "The Orbit Lamp costs 35 EUR."


def numbers(v: object) -> list[str]:
    return [f.type for f in getattr(v, "findings", []) if f.type.endswith("unsupported_number")]


async def test_a_new_document_version_is_checked_against_its_own_text(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    passages = (await kn.plan([LAMP], 3)).passages
    before = await kn.acheck(ANSWER, passages, LAMP)
    assert "35 EUR" in passages[0].text and not numbers(before)
    assert await kn.acheck(ANSWER, passages, LAMP) == before  # kept work, same verdict
    lamp = app_dir / "docs" / "lamp.md"
    lamp.write_text(lamp.read_text().replace("35 EUR", "45 EUR"))
    ingest(kn.spec, app_dir, store, cipher, app="shop", approve_as="owner")
    await kn.retriever.refresh(force=True)
    passages = (await kn.plan([LAMP], 3)).passages
    assert any("45 EUR" in p.text for p in passages)
    assert not any("35 EUR" in p.text for p in passages)
    after = await kn.acheck(ANSWER, passages, LAMP)
    assert numbers(after) == ["grounding.unsupported_number"]  # the same validator, anew
    kn.close()


def test_kept_sentences_are_a_function_of_the_text() -> None:
    cache: FactsCache = {}
    old, new = "Refunds take 5 days. Cards are free.", "Refunds take 7 days. Cards are free."
    first = sentences(old, cache)
    assert sentences(old, cache) is first
    edited = sentences(new, cache)
    assert edited is not first and "7" in edited[0][0] and "5" not in edited[0][0]
    for i in range(FACTS_CACHE_SIZE + 1):
        sentences(f"Sentence number {i}.", cache)
    assert len(cache) <= FACTS_CACHE_SIZE  # bounded: cleared when full


def test_a_kept_source_checks_as_a_fresh_one_answer_after_answer() -> None:
    rng = random.Random(7)
    vocab = [
        "refund",
        "card",
        "cash",
        "five",
        "5",
        "7",
        "days",
        "not",
        "never",
        "Monday",
        "Friday",
        "Orbit",
        "Lamp",
        "EUR",
        "the",
        "a",
    ]
    texts = [
        "Card refunds take 5 days. Cash refunds are instant on Monday.",
        "The Orbit Lamp costs 35 EUR. It never needs a bulb.",
    ]
    kept = Validator(Grounding())
    for _ in range(200):
        answer = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 14)))
        answer += rng.choice([".", "; ", ". The Orbit Lamp costs 9 EUR."])
        a, b = kept.validate(answer, texts), Validator(Grounding()).validate(answer, texts)
        assert a.to_record() == b.to_record() and repr(a.score) == repr(b.score), answer


def test_idf_weights_are_the_formula_and_kept_for_source_terms_only() -> None:
    source = Source.of(["Refunds take 5 days. Refunds are free.", "Cards take 3 days."])
    n = source.sentences
    uniq = sorted(["refund", "day", "zebra", "card"])
    want = [math.log(1 + n / (1 + source.df.get(t, 0))) + 0.5 for t in uniq]
    assert [repr(w) for w in source.weights(uniq)] == [repr(w) for w in want]
    assert source.weights(uniq) == want  # again, from what was kept
    assert set(source.idf) == {"refund", "day", "card"}  # "zebra" is not kept


def test_the_kept_top_windows_are_their_unions() -> None:
    rng = random.Random(11)
    source = Source.of(
        [
            "Card refunds take 5 days. Cash refunds are instant on Monday. Nothing is free.",
            "The Orbit Lamp costs 35 EUR. It never needs a bulb. Bulbs are sold apart.",
        ]
    )
    count = len(source.windows)
    for _ in range(300):
        order = rng.sample(range(count), min(3, count))
        terms, stems = source.top(order)
        top = [source.windows[i] for i in order]
        assert terms == set().union(*[w.terms for w in top])
        assert stems == set().union(*[w.stems for w in top])
        assert source.top(list(order)) is source.top(order)  # kept by the windows' indices


def reference_swapped_value(stems: set[str], aligned: set[str]) -> bool:
    for t in stems:
        k = CLASS_OF.get(t)
        if k is None or t in aligned:
            continue
        if any(CLASS_OF.get(o) == k for o in aligned if o != t):
            return True
    return False


def test_swapped_value_is_the_word_by_word_rule() -> None:
    rng = random.Random(3)
    pool = [*CLASS_OF, "refund", "card", "day", "lamp"]
    for _ in range(3000):
        stems = set(rng.sample(pool, rng.randint(0, 5)))
        aligned = set(rng.sample(pool, rng.randint(0, 6)))
        assert swapped_value(stems, aligned) == reference_swapped_value(stems, aligned)


def reference_unsupported_names(
    claim: str, tokens: list[tuple[str, int, int]], terms: set[str], texts: tuple[str, ...]
) -> list[tuple[int, int]]:
    """The rule word by word, without the shortcut for claims with no capital."""
    out = []
    for i, (raw, s, e) in enumerate(tokens):
        if not raw[:1].isupper():
            continue
        bare = POSSESSIVE.sub("", raw)
        if not is_name(bare):
            continue
        if i == 0 or claim[:s].rstrip().endswith(OPENERS):
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is None or after[1] != e + 1 or not is_name(after[0]):
                continue
        if normalize_word(raw) in STOPWORDS or name_key(raw) in terms or written(bare, texts):
            continue
        out.append((s, e))
    return out


def test_the_no_capital_shortcut_finds_the_names_the_rule_finds() -> None:
    rng = random.Random(5)
    pieces = ["John", "Smith", "said", "the", "moscow", "Moscow", "deal", ":", '"', "ross's"]
    pieces += ["Q2", "ok", ".", "Ann's", "jane"]
    terms, texts = {"smith", "deal"}, ("Smith deal Jane",)
    shortcuts = 0
    for _ in range(5000):
        claim = "".join(rng.choice([" ", "", " "]) + rng.choice(pieces) for _ in range(9))
        claim = claim.strip()
        tokens = words(claim)
        got = unsupported_names(claim, tokens, terms, texts)
        assert got == reference_unsupported_names(claim, tokens, terms, texts), claim
        shortcuts += claim[1:] == claim[1:].lower()
    assert shortcuts > 100  # the shortcut was taken, and agreed


def test_the_catalog_finds_the_same_with_the_answer_split_once() -> None:
    answers = [
        "The Pro costs $25 per month.  Basic includes SSO; Pro includes Teleport!\nEnd",
        "Basic costs $10. Pro has 12 seats and offers SSO and audit logs.",
    ]
    for answer in answers:
        spans = split_claims(answer)
        assert CATALOG.check(answer, spans) == CATALOG.check(answer)
    assert CATALOG.check(answers[0])  # findings to agree on
    kept = Validator(Grounding(), CATALOG)
    for answer in answers:
        assert (
            kept.validate(answer, ["Pro costs 20 USD."]).findings
            == Validator(Grounding(), CATALOG).validate(answer, ["Pro costs 20 USD."]).findings
        )
