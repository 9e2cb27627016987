"""The messy-question sets and the harness that runs them (bench/answers.py) keep working."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import orjson

from stanchion.evals.datasets import parse_jsonl

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "examples" / "support-assistant" / "evals"
CLAPNQ = ROOT / "bench" / "data" / "clapnq"
sys.path.insert(0, str(ROOT / "bench"))

import answers  # noqa: E402


def rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_text().splitlines() if line.strip()]


def split_of(example_id: str) -> str:
    return "dev" if hashlib.sha256(example_id.encode()).digest()[0] < 154 else "heldout"


def test_sets_parse_split_and_label() -> None:
    for name in ("messy", "messy2"):
        everything = []
        for split in ("dev", "heldout"):
            path = EVALS / f"{name}-{split}.jsonl"
            parse_jsonl(path.read_text(), path.name)
            found = rows(path)
            assert {split_of(r["id"]) for r in found} == {split}
            everything += found
        assert len({r["id"] for r in everything}) == len(everything)
        unanswerable = sum(not r["answerable"] for r in everything) / len(everything)
        assert 0.2 <= unanswerable <= 0.35
        for r in everything:
            assert r["category"] and r["tags"] == [r["category"]]
            assert bool(r["facts"]) == r["answerable"], r["id"]
            if "messages" in r:
                assert [m["role"] for m in r["messages"]][-1] == "user"


def test_clapnq_variants_point_at_real_passages() -> None:
    corpus = {r["_id"] for r in rows(CLAPNQ / "corpus.jsonl")}
    for split in ("dev", "heldout"):
        for r in rows(CLAPNQ / f"queries-{split}.jsonl"):
            assert bool(r["relevant"]) == r["answerable"], r["id"]
            assert set(r["relevant"]) <= corpus
            assert r["text"] != "" and r["original"] != ""
            assert {split_of(i) for i in r["original_ids"]} == {split}


def test_harness_runs_examples_through_the_pipeline(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    argv = ["--sets", "messy,questions", "--splits", "dev", "--limit", "2", "--json", str(out)]
    result = answers.main([*argv, "--verbose"])
    assert set(result["summaries"]) == {"messy/dev", "questions/dev"}
    for outcome in result["results"]:
        assert outcome["decision"] in ("pass", "redact", "refuse", "hold", "block")
        # the trace was read back over GET /v1/traces/{id}
        assert "trace_error" not in outcome["annotations"], outcome
        assert outcome["annotations"].get("model_version") or outcome["decision"] == "refuse"
    assert orjson.loads(out.read_bytes())["summaries"]["questions/dev"]["n"] == 2
