"""A claim's features do not depend on the process: set order follows the hash seed, and the
float sums over a claim's terms once did too, so a tie between windows could fall either way
(this claim's top-3 coverage was 0.21 apart between two seeds)."""

import json
import os
import subprocess
import sys

SCRIPT = """
import json
from stanchion.knowledge.sources import Source
from stanchion.knowledge.support import claim_features
source = Source.of([
    "charlie golf. charlie delta lima echo juliet. lima alpha juliet. juliet oscar mike alpha."
])
claim = "charlie oscar bravo foxtrot alpha mike kilo echo delta"
print(json.dumps(claim_features(claim, source)[0]))
"""


def features_with_seed(seed: int) -> list[float]:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout))


def test_claim_features_are_the_same_whatever_the_hash_seed() -> None:
    first = features_with_seed(1)
    assert all(features_with_seed(seed) == first for seed in (2, 3, 4, 5))
