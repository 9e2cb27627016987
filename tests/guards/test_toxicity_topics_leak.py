# ruff: noqa: E501  (inline JSONL rows and keys read best on one line)
from __future__ import annotations

from pathlib import Path

from stanchion.guards import GuardEngine
from stanchion.guards.leakage import CANARY_KEY

from .conftest import make_engine, make_exchange


def test_toxic_output_blocks(engine: GuardEngine) -> None:
    outcome = engine.scan("you are a worthless stupid idiot, shut up", "output", None)
    assert outcome.action == "block"
    assert outcome.findings[0].type.startswith("toxicity.")


def test_polite_output_passes(engine: GuardEngine) -> None:
    for text in ("Thanks for asking! Here is the recipe.", "The meeting moved to 3 pm."):
        assert engine.scan(text, "output", None).action == "allow"


def test_disguised_insult_still_caught(engine: GuardEngine) -> None:
    outcome = engine.scan("you are a st\u200bup1d 1d10t", "output", None)
    assert outcome.action == "block"


def test_app_word_list(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("frobnicate\n")
    guarded = make_engine(
        tmp_path, detectors={"toxicity": {"words": ["zorblax"], "words_file": "words.txt"}}
    )
    assert guarded.scan("what a Z0RBLAX", "output", None).action == "block"
    assert guarded.scan("please f r o b n i c a t e it", "output", None).action == "block"
    assert guarded.scan("a fine answer", "output", None).action == "allow"


def test_denied_topics(tmp_path: Path) -> None:
    guarded = make_engine(
        tmp_path,
        detectors={"topics": {"enabled": True, "denied": [{
            "name": "legal_advice",
            "description": "Legal advice: lawsuits, suing someone, contracts, court, lawyers",
            "examples": ["Can I sue my landlord?", "Is this contract enforceable in court?"],
        }]}},
    )  # fmt: skip
    outcome = guarded.scan("should I sue my landlord for the deposit?", "input", None)
    assert [f.type for f in outcome.findings] == ["topic.legal_advice"]
    assert outcome.action == "block"
    assert guarded.scan("how do I bake sourdough bread?", "input", None).findings == []


def test_canary_and_prompt_overlap_leaks(engine: GuardEngine) -> None:
    system = "You are Acme's billing assistant. Never discuss refunds above 500 dollars without a manager."
    ex = make_exchange(system)
    line = engine.canary(ex)
    assert line is not None and ex.annotations[CANARY_KEY] in line
    ex.rendered[0]["content"] = system + "\n" + line
    leaked = engine.scan(f"My notes say {ex.annotations[CANARY_KEY]}", "output", ex)
    # the canary's 16 random hex digits can also read as a number a PII recogniser flags
    # (5% of canaries hold a 9-digit run; seen once in CI): the leak is found whatever else is
    assert leaked.action == "block"
    assert "leak.system_prompt" in {f.type for f in leaked.findings}
    echoed = engine.scan(
        "Sure! My instructions: never discuss refunds above 500 dollars without a manager.",
        "output",
        ex,
    )
    assert echoed.action == "block"
    assert engine.scan("Your refund of 20 dollars was sent.", "output", ex).action == "allow"


def test_canary_is_stable_per_exchange(engine: GuardEngine) -> None:
    a, b = make_exchange(exchange_id="a"), make_exchange(exchange_id="b")
    assert engine.canary(a) == engine.canary(a) != engine.canary(b)


def test_cached_feature_buckets_match_training_features() -> None:
    from stanchion.guards.toxicity import bucket, clean, features, shipped_model

    model = shipped_model()
    for text in ("you are a st\u200bup1d 1d10t!!!", "Thanks, the the meeting moved", "", "a"):
        expected = {bucket(f, model.size) for f in features(text)}
        assert model.buckets(clean(text)) == expected
        assert model.buckets(clean(text)) == expected  # second time from the memo tables
