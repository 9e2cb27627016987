"""Lexical evidence for one claim against its sources, and the model that scores it.

Each claim is aligned to the source sentences (single sentences and adjacent pairs) that
cover most of its IDF-weighted terms; besides whole-source coverage, the features look at
that alignment: the best sentence's coverage, the top-3 sentences' joint coverage, and
mismatches against them (negation present on one side only, an antonym of a claim word in
place of the word). Coverage against all sources grows with their length, so the number of
source sentences is a feature too. An answer mixes its claims' mean and weakest evidence
(``aggregate``). Weights are fitted leave-one-source-out by ``bench/grounding_loso.py
--fit`` on the public grounding sets and ship as constants.

    s = Source.of(["Refunds take 5 days."])
    feats, _ = claim_features("Refunds take 9 days.", s)
    assert feats[FEATURES.index("novel_number")] == 1.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, pairwise
from operator import add, is_not, itemgetter, mul

from stanchion.knowledge.contrast import may_name, swapped_value, unsupported_names
from stanchion.knowledge.sources import (
    DIGITS,
    FIRST_PERSON,
    NEGATES,
    Reading,
    Source,
    read_denies,
    reading,
)
from stanchion.knowledge.text import WORD

NUMBER = re.compile(r"^\d[\d.,]*$")
# Taken in C (``map``, ``filter``, ``compress``): a match's text; a reading's stem, content
# term and opposites; whether a reading's term is one (stop words have none).
_TEXT = itemgetter(0)
_STEM, _TERM, _OPPOSED = itemgetter(1), itemgetter(2), itemgetter(4)
_IS_TERM = partial(is_not, None)
TOP = 3
FEATURES = (
    "idf_coverage",
    "align",
    "cover_top3",
    "bigrams",
    "novel_number",
    "novel_name",
    "novel_count",
    "negation_mismatch",
    "antonym",
    "length",
)
EVIDENCE = 4  # the first four are evidence (an answer takes their mean and minimum)
LENGTH = FEATURES.index("length")
# What an answer's strongest claim contradicts. The count of novel words and the length are
# left out of the answer's model: both grow with an answer's length and wording, not with
# its errors (a long abstractive summary lacks many source words and is still faithful),
# and leaving them out raised the leave-one-source-out mean (bench/grounding_loso.py).
CONTRADICTIONS = tuple(
    FEATURES.index(f) for f in ("novel_number", "novel_name", "negation_mismatch", "antonym")
)
ANSWER_FEATURES = (
    *(f"mean_{f}" for f in FEATURES[:EVIDENCE]),
    *(f"min_{f}" for f in FEATURES[:EVIDENCE]),
    *(f"max_{FEATURES[i]}" for i in CONTRADICTIONS),
    "source_sentences",
    "claims",
)
NEUTRAL = (1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
# Bias first, then ANSWER_FEATURES in order. Fitted by bench/grounding_loso.py --fit on the
# dev halves with the vetoes applied (``vetoed``, with the swapped values and unsupported
# names of ``contrast``), C chosen by leave-one-source-out: 1.0 (mean 0.768, against 0.763
# at 0.1; the answer's length, whose sign flips between QA and dialogue, is no longer in).
WEIGHTS: tuple[float, ...] = (
    *(-2.178, 1.159, 0.282, 0.084, 1.314, -0.374, 0.759, -0.39, 0.727),
    *(-2.592, -1.885, -0.529, -1.16, 0.32, -0.324),
)
SLOPES = WEIGHTS[1:]
_PICK = itemgetter(*CONTRADICTIONS)
_ZERO = (0.0,) * EVIDENCE


def _alignment(
    read: list[Reading], uniq: list[str], weights: list[float], total: float, source: Source
) -> tuple[float, float, float, float, set[str], bool, bool]:
    """(best window coverage, top-3 joint coverage, negation mismatch, antonym swap, the
    claim's stems, whether the claim denies what its best sentence states, whether it puts
    another value of a closed class where they write one: ``contrast.swapped_value``).
    ``weights``: the IDF weight of each of ``uniq``'s terms, ``total`` their sum."""
    stems = set(map(_STEM, read))
    negated = any(map(NEGATES, read))
    windows = source.windows
    if not windows:
        return 0.0, 0.0, float(negated), 0.0, stems, False, False
    # Each window's covered weight, its terms' weights added in ``uniq``'s order (the order
    # fixes the float sum's last bits, and so which window wins a tie).
    covered = [0.0] * len(windows)
    where = source.where
    for t, w in zip(uniq, weights, strict=True):
        for i in where.get(t, ()):
            covered[i] += w
    scores = [c / total for c in covered] if total else [1.0] * len(covered)
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:TOP]
    best = windows[order[0]]
    top_terms, top_stems = source.top(order)
    negation = float(negated != best.negated)
    # ``swapped`` for each claim word with an opposite, from its reading (most have none)
    opposed = list(compress(read, map(_OPPOSED, read)))
    antonym = float(any(r[1] not in top_stems and not r[4].isdisjoint(top_stems) for r in opposed))
    denial = not best.negated and negated and read_denies(read)
    cover = _covered(uniq, weights, top_terms, total)
    value = swapped_value(stems, top_stems)
    return scores[order[0]], cover, negation, antonym, stems, denial, value


def _covered(uniq: list[str], weights: list[float], within: set[str], total: float) -> float:
    """The share of the claim's term weight that ``within`` covers."""
    if not total:
        return 1.0
    return sum(compress(weights, map(within.__contains__, uniq))) / total


@dataclass(slots=True)
class Marks:
    """What a claim's features do not say by themselves: the spans of its unsupported words
    and numbers, whether the sources contradict it outright (a number they lack, a word
    swapped for its antonym or negated by a prefix, a denial its best sentence does not
    make, another value of a closed class than they write, a proper name they never write:
    ``names``) and whether it speaks in the speaker's own voice (first person, or a question)
    where the sources never do."""

    missing: list[tuple[int, int]] = field(default_factory=list)
    numbers: list[tuple[int, int]] = field(default_factory=list)
    contradicted: bool = False
    personal: bool = False
    names: list[tuple[int, int]] = field(default_factory=list)


def personal(claim: str, stems: set[str], source: Source) -> bool:
    """The speaker's opinion, experience or question, not a statement the sources can back
    ("I love skiing", "have you been?"); unless the sources speak in the first person too."""
    voiced = claim.rstrip().endswith("?") or not FIRST_PERSON.isdisjoint(stems)
    return voiced and not source.first_person


def vetoed(marks: Marks, kind: str) -> bool:
    """A claim the sources contradict is unsupported however well its words are covered;
    so, in dialogue, is the speaker's own voice (a knowledge-grounded turn that adds an
    opinion, an experience or a question is not attributable to the knowledge). In other
    kinds of answer a question back ("Which plan are you on?") makes no claim to check."""
    return marks.contradicted or (kind == "dialogue" and marks.personal)


def novel_number(term: str, digits: set[str]) -> bool:
    """A number the sources never write, alone or with its unit or suffix: "30th", "5bn" and
    "10km" are numbers too (each run of digits must be among the sources')."""
    if NUMBER.match(term):
        return term not in digits
    return any(d not in digits for d in DIGITS.findall(term))


def claim_features(claim: str, source: Source) -> tuple[list[float], Marks]:
    """Feature vector of one claim (FEATURES), plus its ``Marks``. A claim without content
    words ("So there it is.") gets NEUTRAL, length 0."""
    # The words' matches, their texts, readings and content terms taken in C; a word's span
    # is made only for the words the sources lack (``words`` made a tuple of three for
    # every word).
    found = list(WORD.finditer(claim))
    read = list(map(reading, map(_TEXT, found)))
    terms = list(filter(_IS_TERM, map(_TERM, read)))
    if not terms:
        return list(NEUTRAL), Marks()
    # The spans of the words the sources lack (of which the numbers they never write, and
    # whether a capitalised one is a name): one pass over the words, only when there are any.
    missing: list[tuple[int, int]] = []
    numbers: list[tuple[int, int]] = []
    known, digits, novel_name = source.terms, source.digits, False
    if not known.issuperset(terms):
        for m, r in zip(found, read, strict=True):
            t = r[2]
            if t is None or t in known:
                continue
            span = m.span()
            missing.append(span)
            if novel_number(t, digits):
                numbers.append(span)
            novel_name = novel_name or (span[0] > 0 and m[0][0].isupper())
    # Sorted: a set's order changes with the process's hash seed, and with it the last bits of
    # the float sums, which window wins a tie and so the top-3 coverage (up to 0.06 apart).
    uniq = sorted(set(terms))
    weights = source.weights(uniq)
    total = sum(weights)
    align, cover, negation, antonym, stems, denial, value = _alignment(
        read, uniq, weights, total, source
    )
    if len(terms) > 1:
        bigrams = sum(map(source.bigrams.__contains__, pairwise(terms))) / (len(terms) - 1)
    else:
        bigrams = len(terms) - len(missing)  # whether its one term is the sources'
    feats = [
        # every term the sources': the whole weight over itself (x / x is 1.0 exactly)
        _covered(uniq, weights, known, total) if missing else 1.0,
        align,
        cover,
        min(bigrams, 1.0),
        float(bool(numbers)),
        float(novel_name),
        math.log1p(len(missing)),
        negation,
        antonym,
        math.log1p(len(terms)),
    ]
    unnamed: list[tuple[int, int]] = []
    if may_name(claim):  # the words as ``words`` gives them, from the matches already made
        tokens = [(m[0], *m.span()) for m in found]
        unnamed = unsupported_names(claim, tokens, known, source.texts)
    contradicted = bool(numbers) or antonym > 0 or denial or value or bool(unnamed)
    marks = Marks(missing, numbers, contradicted, personal(claim, stems, source), unnamed)
    return feats, marks


def aggregate(per_claim: list[list[float]], source: Source) -> list[float]:
    """An answer's features (ANSWER_FEATURES): mean and weakest evidence over its claims,
    its strongest contradiction of each kind, the size of its sources and its claim count.
    Claims without content words (length 0) do not count unless no claim has any."""
    if len(per_claim) == 1 and per_claim[0][LENGTH] > 0:
        claims = per_claim  # each claim's own score: no list to filter
    else:
        claims = [f for f in per_claim if f[LENGTH] > 0] or [list(NEUTRAL)]
    if len(claims) == 1:  # the same figures without the columns
        (one,) = claims
        evidence = one[:EVIDENCE]
        # the means: 0.0 + v is what sum((v,)) / 1 gives, -0.0 included; log(1) claims
        return [*map(add, _ZERO, evidence), *evidence, *_PICK(one), source.spread, 0.0]
    cols = list(zip(*claims, strict=True))
    return (
        [sum(c) / len(c) for c in cols[:EVIDENCE]]
        + [min(c) for c in cols[:EVIDENCE]]
        + [max(cols[i]) for i in CONTRADICTIONS]
        + [source.spread, math.log(len(claims))]
    )


def support(feats: list[float]) -> float:
    if len(feats) != len(SLOPES):
        raise ValueError(f"{len(feats)} features for {len(SLOPES)} weights")
    z = WEIGHTS[0] + sum(map(mul, SLOPES, feats))  # the products added in the same order
    return 1.0 / (1.0 + math.exp(-z))


_W = WEIGHTS[0]
_A, _B, _C, _D, _E, _F, _G, _H, _I, _J, _K, _L, _M, _N = SLOPES


def claim_score(feats: list[float], source: Source) -> float:
    """``support(aggregate([feats], source))``, one claim's score, without the lists: the
    same products added in the same order (``sum`` adds floats left to right from its first),
    so the same float to the last bit. A claim's score is made for every claim of every
    answer; this is a third of what the two calls cost."""
    if not feats[LENGTH] > 0:
        feats = list(NEUTRAL)
    e0, e1, e2, e3, n0, n1, _, n2, n3, _ = feats
    z = _W + (
        _A * (0.0 + e0)
        + _B * (0.0 + e1)
        + _C * (0.0 + e2)
        + _D * (0.0 + e3)
        + _E * e0
        + _F * e1
        + _G * e2
        + _H * e3
        + _I * n0
        + _J * n1
        + _K * n2
        + _L * n3
        + _M * source.spread
        + _N * 0.0
    )
    return 1.0 / (1.0 + math.exp(-z))


def answer_score(per_claim: list[list[float]], source: Source) -> float:
    """``support(aggregate(per_claim, source))`` without the lists, as ``claim_score``: the
    means (``sum(c) / len(c)``), minimums and maximums of the same columns, in the same
    order. An answer of one claim (with content words) scores as that claim."""
    claims = [f for f in per_claim if f[LENGTH] > 0] or [list(NEUTRAL)]
    if len(claims) == 1:
        return claim_score(claims[0], source)
    e0, e1, e2, e3, n0, n1, _, n2, n3, _ = zip(*claims, strict=True)
    k = len(claims)
    z = _W + (
        _A * (sum(e0) / k)
        + _B * (sum(e1) / k)
        + _C * (sum(e2) / k)
        + _D * (sum(e3) / k)
        + _E * min(e0)
        + _F * min(e1)
        + _G * min(e2)
        + _H * min(e3)
        + _I * max(n0)
        + _J * max(n1)
        + _K * max(n2)
        + _L * max(n3)
        + _M * source.spread
        + _N * math.log(k)
    )
    return 1.0 / (1.0 + math.exp(-z))
