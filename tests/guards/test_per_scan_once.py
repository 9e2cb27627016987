"""What the guards now do once instead of on every scan gives what the plain per-scan work
gave (issue 12): the PII guard's recognisers asked for their ``find``, type and rank once
(the candidates in the same order, so the same overlaps are kept), and the canary's HMAC
keyed states made once per engine (the same token as ``hmac.new`` over the secret)."""

from __future__ import annotations

import os
import random

from stanchion.guards.base import Finding
from stanchion.guards.leakage import Canaries, make_canary
from stanchion.guards.needles import NeedleIndex
from stanchion.guards.normalize import normalize
from stanchion.guards.pii import PRIORITY, PiiGuard
from stanchion.guards.pii_overlaps import Candidate, resolve_overlaps
from stanchion.guards.policy import PiiSpec
from stanchion.guards.toxicity import clean, exact_sums, shipped_model

TEXTS = [
    "Call me on +44 20 7946 0958 or write to ana.lopez@example.org, Ana.",
    "My card is 4111 1111 1111 1111 and my SSN 078-05-1120; I live at 221B Baker Street.",
    "Dr. Maria Garcia was born on 14/03/1985 in Madrid and works for Acme Corp.",
    "Server 192.168.0.12 and fe80::1ff:fe23:4567:890a answered at 10:45 pm yesterday.",
    "IBAN GB82 WEST 1234 5698 7654 32, zip 94105, see https://example.org/u/ana.",
    "A\u200bna's e\u200bmail is a\u200bna@exam\u200bple.org,"
    " and her phone ０２０ ７９４６ ０９５８.",
    "How long do card refunds take after you receive my return?",
    "",
]


def plain_check(guard: PiiGuard, text: str) -> list[Finding]:
    """The scan as it was written before the recognisers' plan: one comprehension per
    recogniser, the rank looked up per scan."""
    view = normalize(text)
    found: list[Candidate] = []
    for recogniser in guard.recognisers:
        kind = recogniser.type
        rank = -PRIORITY.get(kind, 0)
        if view.offsets is None:
            found += [
                (rank, -score, s - e, n, s, e, kind)
                for n, (s, e, score) in enumerate(recogniser.find(view.text), len(found))
            ]
            continue
        for start, end, score in recogniser.find(view.text):
            s, e = view.span(start, end)
            found.append((rank, -score, s - e, len(found), s, e, kind))
    return [
        Finding(kind, s, e, -negated, guard.detector)
        for _, negated, _, _, s, e, kind in resolve_overlaps(found)
    ]


def _same(a: list[Finding], b: list[Finding]) -> bool:
    return [(f.type, f.start, f.end, repr(f.score)) for f in a] == [
        (f.type, f.start, f.end, repr(f.score)) for f in b
    ]


def test_the_pii_scan_finds_what_the_plain_scan_finds() -> None:
    rng = random.Random(5)
    pieces = [w for t in TEXTS for w in t.split(" ")]
    mixed = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(150)]
    guard = PiiGuard(PiiSpec(types=["all"]))
    found = 0
    for text in TEXTS + mixed:
        got = guard.check(text, None)
        assert _same(got, plain_check(guard, text)), text
        found += len(got)
    assert found > 50  # the texts hold PII: the comparison is not of empty lists


def test_a_guard_with_recognisers_dropped_scans_with_the_rest() -> None:
    guard = PiiGuard(PiiSpec(types=["all"]))
    guard.without(lambda kind: kind in ("pii.email", "pii.phone"))
    assert all(r.type not in ("pii.email", "pii.phone") for r in guard.recognisers)
    for text in TEXTS:
        got = guard.check(text, None)
        assert not any(f.type in ("pii.email", "pii.phone") for f in got)
        assert _same(got, plain_check(guard, text)), text


def test_the_canary_is_the_hmac_of_the_exchange_id() -> None:
    for size in (0, 1, 16, 63, 64, 65, 200):
        secret = os.urandom(size)
        canaries = Canaries(secret)
        for exchange_id in ("a", "ex-1", "0193a8f2-6c1e-7b3a-9d2f-4e5a6b7c8d9e", "é" * 70):
            assert canaries.token(exchange_id) == make_canary(secret, exchange_id)
            assert canaries.token(exchange_id) == canaries.token(exchange_id)  # states unspent


def test_a_needle_group_is_present_when_one_of_its_needles_is() -> None:
    words = ["ignore", "previous", "system", "you are", "act as", "developer mode", "no rules"]
    words += ["mot de passe", "ignore all", "system prompt", "from now", "do anything"]
    words += ["pretend to", "you will", "as an ai", "reveal your"]
    index = NeedleIndex(words)
    rng = random.Random(3)
    few = index.group(words[:5])  # tested in turn
    many = index.group(words)  # tested by the bits of their keys
    assert few.by_bit is None and many.by_bit is not None
    pieces = [*words, "ignor", "rule", "system's", "act", "as", " ", ". ", "promp", "you", "t"]
    tried = 0
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        for scan in (index.scan, index.scan_words):
            present = scan(text)
            for group, needles in ((few, words[:5]), (many, words)):
                want = any(n in text for n in needles)
                if present.mask & group.pure or present.mask & group.keys:
                    assert present.any(group) == want, (text, needles)
                    tried += 1
                else:
                    assert not want, text
    assert tried > 1000


def test_toxicity_scores_the_same_with_word_sets_merged() -> None:
    """The shipped weights are quantised, so a text's buckets summed in any order give the
    same floats: the merged word sets score exactly as the buckets added one by one."""
    model = shipped_model()
    assert model._exact
    rng = random.Random(9)
    vocab = [
        "you",
        "are",
        "a",
        "stupid",
        "idiot",
        "and",
        "I",
        "hate",
        "all",
        "of",
        "the",
        "people",
        "here",
        "lovely",
        "day",
        "refund",
    ]
    vocab += ["sh1t", "f*ck", "st00pid", "b!tch", "don't", "won't", "café", "naïve", "ok"]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 60))) for _ in range(400)]
    texts += TEXTS
    for text in texts:
        cleaned = clean(text)
        model._exact = True
        merged, got = model.buckets(cleaned), model.predict_clean(cleaned)
        model._exact = False
        added, want = model.buckets(cleaned), model.predict_clean(cleaned)
        model._exact = True
        assert merged == added, text
        assert {k: repr(v) for k, v in got.items()} == {k: repr(v) for k, v in want.items()}


def test_full_precision_weights_keep_one_order_of_addition() -> None:
    rng = random.Random(1)
    rows = [[rng.uniform(-3, 3) for _ in range(64)] for _ in range(3)]
    assert not exact_sums(rows, 64)  # 53-bit weights: the order of the sum would show
    quantised = [[float(rng.randint(-127, 127)) * 0.0625 for _ in range(64)] for _ in range(3)]
    assert exact_sums(quantised, 64)
    assert exact_sums([[0.0] * 64], 64)
