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


def test_a_wrong_sentence_says_how_much_of_its_source_was_handed_over() -> None:
    from answers_app import Outcome
    from answers_figures import WRONG_SENTENCE, failure_cause

    doc = "# Returns\n\n## Window\nReturn within 30 days.\n\n## After\nWe inspect in 3 days.\n"
    after = doc.index("## After")

    def cause(fact: str, spans: list[list[Any]]) -> str:
        o = Outcome(
            "x",
            "s",
            "dev",
            "c",
            True,
            False,
            [f"missing fact: {fact}"],
            "pass",
            "",
            ["d.md"],
            None,
            0.0,
            spans=spans,
        )
        return failure_cause(o, {"d.md": doc})

    window = [["d.md", doc.index("## Window"), after - 2]]
    assert cause("30 days", window) == WRONG_SENTENCE[0]  # handed, another sentence chosen
    assert cause("3 days", window) == WRONG_SENTENCE[2]  # only its document was handed
    head = [["d.md", after, after + len("## After")]]  # a passage cut from its section
    assert cause("3 days", head) == WRONG_SENTENCE[1]
