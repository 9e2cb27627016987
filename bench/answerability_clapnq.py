"""The clapnq DEV questions of the answerability studies (``answerability_fit.py``,
``gate_cases.py``): a planner over the clapnq corpus, and the messy wording of the DEV file.

Only DEV questions are read here: the fit's half of clapnq's own queries is chosen by its
callers, and bench/data/clapnq/queries-heldout.jsonl is never opened.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from stanchion.knowledge.plan import Planner
from stanchion.knowledge.spec import Answerability
from stanchion.store.crypto import Cipher

CLAPNQ = Path(__file__).resolve().parents[2] / "shared" / "datasets/retrieval/clapnq"
CLAPNQ_MESSY = Path(__file__).resolve().parent / "data" / "clapnq" / "queries-dev.jsonl"


def messy_clapnq() -> list[tuple[str, list[str], bool, set[str]]]:
    """clapnq's DEV questions as customers type them (bench/data/clapnq/queries-dev.jsonl):
    (id, turns, answerable, relevant passage ids)."""
    rows = [json.loads(line) for line in CLAPNQ_MESSY.read_text().splitlines() if line.strip()]
    return [(r["id"], [r["text"]], bool(r["answerable"]), set(r["relevant"])) for r in rows]


def clapnq_planner(tmp: Path, gate: Answerability) -> tuple[Planner, Any, Any]:
    """A planner over the clapnq corpus indexed in ``tmp``, its BEIR set and its index (the
    caller closes it)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from retrieval_size import beir_index, retriever_over

    from stanchion.knowledge.evaluation import Beir
    from stanchion.knowledge.index_local import beir_words

    beir = Beir.load(CLAPNQ)
    cipher = Cipher(bytes(32))
    index = beir_index(beir, tmp, cipher)
    return Planner(retriever_over(index, cipher, beir_words(beir)), gate), beir, index
