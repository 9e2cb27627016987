"""Toxicity: a small hashed n-gram logistic model shipped with the package, plus word lists.

The model (``data/toxicity.json.gz``) is trained by ``training/toxicity/train.py`` on a split
of the Davidson et al. tweets plus benign non-tweet text (docs/guards.md); features are
hashed with CRC-32 so training and serving share :func:`features` and no vocabulary file is
needed. Scoring is pure Python::

    model = ToxicityModel.load()
    model.predict("have a lovely day")   # {'hate': 0.01, 'offensive': 0.05, 'neither': 0.94}
"""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from array import array
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stanchion.guards.base import Finding
from stanchion.guards.normalize import collapse_spacing, normalize

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from stanchion.guards.policy import ToxicitySpec
    from stanchion.pipeline.exchange import Exchange

MODEL_FILE = "toxicity.json.gz"
LEET = str.maketrans("013457@$!", "oieastasi")
_TOKEN = re.compile(r"[a-z][a-z']*")
# Every ASCII character that cannot be in a token, as a space: an ASCII text's tokens are its
# runs of [a-z'] with their leading apostrophes left off (what ``_TOKEN`` finds, in C).
_GAPS = bytes(c if 97 <= c <= 122 or c == 39 else 32 for c in range(256))
_MENTION = re.compile(r"@\w+|https?://\S+|&\w+;")
_REPEAT = re.compile(r"(.)\1{2,}")


# A leet character inside a word ("st1d") or a sigil starting one ("$hit"). The pattern starts
# with the character class (the look-behinds come after it), so the engine skips ahead.
_LEET_CHAR = re.compile(r"[0-9@$!](?:(?<=[a-z].)(?=[a-z0-9@$!]*[a-z])|(?<=\s[@$])(?=[a-z]))")
# Bounded memo tables of feature buckets: words and word pairs repeat across requests.
CACHE_LIMIT = 50_000


def _unleet(m: re.Match[str]) -> str:
    return m.group(0).translate(LEET)


def clean(text: str) -> str:
    """Lower-case, undo confusables, leetspeak, spacing and stretched letters."""
    text = normalize(text).text
    if "@" in text or "&" in text or "http" in text:  # what every mention starts with
        text = _MENTION.sub(" ", text)
    text = collapse_spacing(text.lower())
    text = _LEET_CHAR.sub(_unleet, text)
    return _REPEAT.sub(r"\1\1", text) if _may_repeat(text) else text


def _may_repeat(text: str) -> bool:
    """Whether some character comes three times in a row (``_REPEAT`` tries every position:
    a tenth of a millisecond over 2 KB; this XORs the text with itself shifted by one)."""
    if not text.isascii():
        return True
    raw = text.encode("ascii")
    if len(raw) < 3:
        return False
    diff = int.from_bytes(raw[1:], "big") ^ int.from_bytes(raw[:-1], "big")
    return diff.to_bytes(len(raw) - 1, "big").find(b"\0\0") >= 0


def word_features(word: str) -> list[str]:
    """The features one word brings by itself: the word, its character 3- and 4-grams at
    either end and its 5-grams anywhere. Shorter n-grams inside a word are left out: the
    tweets taught the model that pieces common in ordinary English ("shi", "hip" in
    "shipping") were offensive."""
    padded = f" {word} "
    size = len(padded)
    out = [f"w:{word}"]
    for n in (3, 4):
        if size >= n:
            out += [f"c:{padded[:n]}", f"c:{padded[size - n :]}"]
    out += [f"c:{padded[i : i + 5]}" for i in range(size - 4)]
    return out


def word_grams(word: str) -> set[str]:
    """The character n-grams of :func:`word_features` (its features but the word's own, with
    their "c:" left off), as a set: the slices made in C, for a caller that hashes them in C
    too (``crc32("c:" + gram)`` continues ``crc32("c:")`` over the gram)."""
    padded = f" {word} "
    size = len(padded)
    grams = set(map(padded.__getitem__, map(slice, range(size - 4), range(5, size + 1))))
    for n in (3, 4):
        if size >= n:
            grams.add(padded[:n])
            grams.add(padded[size - n :])
    return grams


def features(text: str) -> list[str]:
    """Word unigrams and bigrams and each word's :func:`word_features` (training and tests)."""
    words = _TOKEN.findall(clean(text))
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in pairwise(words)]
    for w in words:
        out += word_features(w)[1:]
    return out


def tokens(cleaned: str) -> list[str]:
    """``_TOKEN.findall(cleaned)``; an ASCII text is split in C rather than matched."""
    if not cleaned.isascii():
        return _TOKEN.findall(cleaned)
    runs = cleaned.encode("ascii").translate(_GAPS).decode("ascii").split()
    if "'" not in cleaned:
        return runs
    return [t for t in (r.lstrip("'") for r in runs) if t]


def bucket(feature: str, size: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % size


class ToxicityModel:
    """Multinomial logistic regression over hashed, L2-normalised binary features."""

    def __init__(
        self, classes: list[str], size: int, bias: list[float], weights: list[array[float]]
    ) -> None:
        self.classes = classes
        self.size = size
        self.bias = bias
        self.weights = weights
        self._rows = [_float_list(w) for w in weights]
        self._words: dict[str, tuple[int, ...]] = {}
        self._pairs: dict[tuple[str, str], int] = {}
        # Each word's buckets as a set, merged in C (``_union``), where the order the
        # buckets are added in cannot change a score (``exact_sums``).
        self._sets: dict[str, frozenset[int]] = {}
        self._exact = exact_sums(self._rows, size)

    @classmethod
    def load(cls, path: Path | None = None) -> ToxicityModel:
        ref = path or resources.files("stanchion.guards.data").joinpath(MODEL_FILE)
        with gzip.open(str(ref), "rt", encoding="utf-8") as fh:
            raw = json.load(fh)
        size = int(raw["size"])
        weights = []
        for row, scale in zip(raw["weights"], raw["scales"], strict=True):
            dense = array("f", bytes(4 * size))
            for index, value in zip(row["i"], row["q"], strict=True):
                dense[index] = value * scale
            weights.append(dense)
        return cls(list(raw["classes"]), size, [float(b) for b in raw["bias"]], weights)

    def buckets(self, cleaned: str) -> set[int]:
        """The hashed features of a cleaned text: ``{bucket(f) for f in features(text)}``,
        with each word's and each word pair's buckets remembered (hashing was most of the cost).
        """
        words = tokens(cleaned)
        if self._exact:
            return self._union(words)
        unique, bigrams = set(words), set(pairwise(words))
        known, pairs = self._words, self._pairs
        out: set[int] = set()
        try:
            out.update(*map(known.__getitem__, unique), map(pairs.__getitem__, bigrams))
        except KeyError:
            self._remember(known, words, _set_tuple)
            out.update(*map(known.__getitem__, unique), map(pairs.__getitem__, bigrams))
        return out

    def _union(self, words: list[str]) -> set[int]:
        """``buckets`` as the union of each word's set and its pairs' buckets: the same set,
        built in another order (which only the float sums could tell, and they cannot)."""
        known, pairs = self._sets, self._pairs
        try:
            out = set().union(*map(known.__getitem__, words))
            out.update(map(pairs.__getitem__, pairwise(words)))
        except KeyError:
            self._remember(known, words, frozenset)
            out = set().union(*map(known.__getitem__, words))
            out.update(map(pairs.__getitem__, pairwise(words)))
        return out

    def _remember(
        self, known: dict[str, Any], words: list[str], collect: Callable[[Iterable[int]], Any]
    ) -> None:
        """Fill ``known`` (one of the word tables, each word's buckets as ``collect`` keeps
        them) and the pair table for ``words``, each table emptied first once it is full."""
        pairs = self._pairs
        for table in (known, pairs):
            if len(table) > CACHE_LIMIT:
                table.clear()
        for word in words:
            if word not in known:
                known[word] = collect(bucket(f, self.size) for f in word_features(word))
        for a, b in pairwise(words):
            if (a, b) not in pairs:
                pairs[a, b] = bucket(f"b:{a} {b}", self.size)

    def predict(self, text: str) -> dict[str, float]:
        return self.predict_clean(clean(text))

    def predict_clean(self, cleaned: str) -> dict[str, float]:
        """``predict`` on text already passed through :func:`clean`."""
        buckets = self.buckets(cleaned)
        norm = 1.0 / math.sqrt(len(buckets)) if buckets else 0.0
        pick = itemgetter(*buckets) if len(buckets) > 1 else lambda row: [row[i] for i in buckets]
        logits = [b + norm * sum(pick(row)) for b, row in zip(self.bias, self._rows, strict=True)]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


def exact_sums(rows: list[list[float]], size: int) -> bool:
    """Whether every sum of a row's weights over distinct buckets is exact in a double, and
    so the same in whatever order its terms are added. The shipped weights are quantised
    (an integer of at most 127 times the class's scale, stored as float32): each is a whole
    multiple of one small power of two, and ``size`` of the largest in magnitude stay far
    below 2**53 of those steps, so no partial sum is ever rounded. Weights that are not
    (a model trained in full precision) keep the buckets' one order of addition."""
    for row in rows:
        nonzero = [w for w in row if w]
        if not nonzero:
            continue
        step = max(w.as_integer_ratio()[1] for w in nonzero)  # a power of two: 1 / the step
        if max(map(abs, nonzero)) * step * size >= 2.0**52:
            return False
    return True


def _set_tuple(buckets: Iterable[int]) -> tuple[int, ...]:
    """A word's buckets in the order its set iterates, which the inexact sums keep."""
    return tuple(set(buckets))


def _float_list(weights: array[float]) -> list[float]:
    """The weights as a list, sharing one float object per distinct (quantised) value."""
    shared: dict[float, float] = {}
    return [shared.setdefault(v, v) for v in weights]


@lru_cache(maxsize=1)
def shipped_model() -> ToxicityModel:
    return ToxicityModel.load()


class ToxicityGuard:
    """The shipped model, then the app's own words (matched after the same cleaning)."""

    name = "toxicity"
    version = "1"

    def __init__(self, spec: ToxicitySpec, app_dir: Path) -> None:
        self.model = shipped_model()
        self.threshold = spec.threshold
        words = list(spec.words)
        if spec.words_file is not None:
            path = spec.words_file if spec.words_file.is_absolute() else app_dir / spec.words_file
            words += [w.strip() for w in path.read_text().splitlines() if w.strip()]
        listed = sorted(
            {clean(w).strip() for w in words} - {clean(w).strip() for w in spec.allow_words}
        )
        self.words = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, listed)) + r")\b") if listed else None
        )
        self.detector = f"{self.name}@{self.version}"

    def check(self, text: str, exchange: Exchange | None) -> list[Finding]:
        if not text.strip():
            return []
        found: list[Finding] = []
        cleaned = clean(text)
        probs = self.model.predict_clean(cleaned)
        toxic = probs.get("hate", 0.0) + probs.get("offensive", 0.0)
        if toxic >= self.threshold:
            kind = "hate" if probs.get("hate", 0.0) >= 0.5 * toxic else "offensive"
            found.append(Finding(f"toxicity.{kind}", 0, len(text), toxic, self.detector))
        if self.words is not None and self.words.search(cleaned):
            found.append(Finding("toxicity.offensive", 0, len(text), 1.0, f"{self.name}-words@1"))
        return found
