"""Toxicity: a small hashed n-gram logistic model shipped with the package, plus word lists.

The model (``data/toxicity.json.gz``) is trained by ``training/toxicity/train.py`` on a split
of the Davidson et al. tweets; features are hashed with CRC-32 so training and serving share
:func:`features` and no vocabulary file is needed. Scoring is pure Python::

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
from pathlib import Path
from typing import TYPE_CHECKING

from stanchion.guards.base import Finding
from stanchion.guards.normalize import collapse_spacing, normalize

if TYPE_CHECKING:
    from stanchion.guards.policy import ToxicitySpec
    from stanchion.pipeline.exchange import Exchange

MODEL_FILE = "toxicity.json.gz"
LEET = str.maketrans("013457@$!", "oieastasi")
_TOKEN = re.compile(r"[a-z][a-z']*")
_MENTION = re.compile(r"@\w+|https?://\S+|&\w+;")
_REPEAT = re.compile(r"(.)\1{2,}")


def clean(text: str) -> str:
    """Lower-case, undo confusables, leetspeak, spacing and stretched letters."""
    text = _MENTION.sub(" ", normalize(text).text).lower()
    text = collapse_spacing(text)
    text = re.sub(
        r"(?<=[a-z])[0-9@$!](?=[a-z0-9@$!]*[a-z])|(?<=\s)[@$](?=[a-z])",
        lambda m: m.group(0).translate(LEET),
        text,
    )
    return _REPEAT.sub(r"\1\1", text)


def features(text: str) -> list[str]:
    """Word unigrams and bigrams and character 2-5-grams inside words."""
    words = _TOKEN.findall(clean(text))
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in pairwise(words)]
    for w in words:
        padded = f" {w} "
        for n in (3, 4, 5):
            out += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    return out


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

    def predict(self, text: str) -> dict[str, float]:
        buckets = {bucket(f, self.size) for f in features(text)}
        norm = 1.0 / math.sqrt(len(buckets)) if buckets else 0.0
        logits = [
            b + norm * sum(w[i] for i in buckets)
            for b, w in zip(self.bias, self.weights, strict=True)
        ]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


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
        probs = self.model.predict(text)
        toxic = probs.get("hate", 0.0) + probs.get("offensive", 0.0)
        if toxic >= self.threshold:
            kind = "hate" if probs.get("hate", 0.0) >= 0.5 * toxic else "offensive"
            found.append(Finding(f"toxicity.{kind}", 0, len(text), toxic, self.detector))
        if self.words is not None and self.words.search(clean(text)):
            found.append(Finding("toxicity.offensive", 0, len(text), 1.0, f"{self.name}-words@1"))
        return found
