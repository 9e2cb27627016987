"""Model-based grounding checkers: an ONNX model the test builds, an LLM judge through the
real local upstream, and the fallback to the offline checker when either fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.upstream import Upstream

from stanchion.errors import SpecError
from stanchion.knowledge.checkers import (
    CheckerError,
    HashTokenizer,
    LlmJudge,
    OnnxChecker,
    build_checker,
    lexical_overlap,
    parse_scores,
)
from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Grounding, GroundingChecker
from stanchion.providers.egress import Egress
from stanchion.providers.registry import build_provider
from stanchion.spec.model import Route

SOURCES = ["Card refunds take 5 to 7 business days."]
ANSWER = "Refunds take days. Every customer also gets a voucher worth twenty dollars in cash today."


def tiny_nli(path: Path) -> Path:
    """logits = [16 - tokens, 0]: short premise/claim pairs are 'entailed', long ones not."""
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "l"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["n", "l"])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 2])
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["m", "axis"], ["s"], keepdims=1),
        helper.make_node("Mul", ["s", "neg"], ["ns"]),
        helper.make_node("Add", ["ns", "bias"], ["l0"]),
        helper.make_node("Mul", ["s", "zero"], ["l1"]),
        helper.make_node("Concat", ["l0", "l1"], ["logits"], axis=1),
    ]
    init = [
        helper.make_tensor("axis", TensorProto.INT64, [1], [1]),
        helper.make_tensor("neg", TensorProto.FLOAT, [1], [-1.0]),
        helper.make_tensor("bias", TensorProto.FLOAT, [1], [16.0]),
        helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]),
    ]
    graph = helper.make_graph(nodes, "tiny_nli", [ids, mask], [out], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    target = path / "nli.onnx"
    onnx.save(model, str(target))
    return target


async def test_onnx_checker_scores_each_claim_and_reports_findings(tmp_path: Path) -> None:
    tiny_nli(tmp_path)
    spec = GroundingChecker(kind="onnx", model_path="nli.onnx", vocab_size=1000)
    checker = build_checker(spec, tmp_path)
    assert isinstance(checker, OnnxChecker)
    scores = await checker.score(["Refunds take days.", ANSWER.split(". ")[1]], SOURCES, "")
    # CLS + 8 premise + SEP + 3 claim + SEP = 14 tokens -> logit 2; the long claim -> -9.
    assert scores[0] == pytest.approx(1 / (1 + 2.718281828**-2), abs=1e-4)
    assert scores[1] < 0.001
    v = await Validator(Grounding()).acheck(ANSWER, SOURCES, "", checker)
    assert v.checker == "onnx" and not v.grounded
    bad = [f for f in v.findings if f.type == "grounding.unsupported"]
    assert len(bad) == 1 and ANSWER[bad[0].start : bad[0].end].startswith("Every customer")
    assert v.score == min(c.score for c in v.claims)


async def test_onnx_entailment_index_out_of_range_falls_back(tmp_path: Path) -> None:
    tiny_nli(tmp_path)
    spec = GroundingChecker(kind="onnx", model_path="nli.onnx", entailment_index=5)
    checker = build_checker(spec, tmp_path)
    v = await Validator(Grounding()).acheck(ANSWER, SOURCES, "", checker)
    offline = Validator(Grounding()).validate(ANSWER, SOURCES)
    assert v.checker == "offline (fallback)" and v.score == offline.score


def test_onnx_model_path_must_be_an_onnx_file_inside(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    for name in ("missing.onnx", "notes.txt", "../../etc/passwd"):
        with pytest.raises(CheckerError):
            OnnxChecker(GroundingChecker(kind="onnx", model_path=name), tmp_path)
    with pytest.raises(ValueError):
        GroundingChecker(kind="onnx")


def test_onnx_model_outside_the_app_folder_is_refused(tmp_path: Path) -> None:
    """A real model one folder up (or behind a symlink) is still not the app's to load."""
    app = tmp_path / "app"
    app.mkdir()
    model = tiny_nli(tmp_path)
    (app / "linked.onnx").symlink_to(model)
    for name in ("../nli.onnx", str(model), "linked.onnx"):
        with pytest.raises(CheckerError, match="outside the app folder"):
            OnnxChecker(GroundingChecker(kind="onnx", model_path=name), app)


def test_hash_tokenizer_pairs_fit_max_length() -> None:
    tok = HashTokenizer(100, 16)
    ids = tok.pair("word " * 50, "claim words here")
    assert len(ids) <= 16 and ids[0] == 1 and ids[-1] == 2 and max(ids) < 100


async def test_llm_judge_through_real_upstream(up: Upstream) -> None:
    route = Route(name="judge", provider="openai", base_url=up.base_url, model="judge-1")
    provider = build_provider(route, lambda _n: None, Egress.build(urls=[up.base_url]))
    try:
        checker = LlmJudge(GroundingChecker(kind="llm", route="judge"), provider.complete)
        up.script({"content": 'Sure: {"scores": [0.9, 0.1]}'})
        v = await Validator(Grounding()).acheck(ANSWER, SOURCES, "How long?", checker)
        sent = up.requests[-1]["body"]
        assert "Every customer" in sent["messages"][1]["content"]
        assert "Card refunds take 5 to 7" in sent["messages"][1]["content"]
        assert v.checker == "llm" and [round(c.score, 2) for c in v.claims] == [0.9, 0.1]
        assert [f.type for f in v.findings] == ["grounding.unsupported"]
        up.script({"content": "I think it is fine."})
        v = await Validator(Grounding()).acheck(ANSWER, SOURCES, "", checker)
        assert v.checker == "offline (fallback)"
        up.script({"status": 500}, {"status": 500}, {"status": 500})
        v = await Validator(Grounding()).acheck(ANSWER, SOURCES, "", checker)
        assert v.checker == "offline (fallback)"
    finally:
        await provider.aclose()


def test_parse_scores_rejects_what_was_not_asked() -> None:
    assert parse_scores('{"scores": [2, -1]}', 2) == [1.0, 0.0]
    for bad in ('{"scores": [0.5]}', '{"scores": ["x", 1]}', "no json", '{"s": [1, 1]}'):
        with pytest.raises(CheckerError):
            parse_scores(bad, 2)


def test_unbound_judge_and_missing_model_fail_cleanly(tmp_path: Path) -> None:
    from stanchion.knowledge.build import build_knowledge  # noqa: F401  (import check)

    spec = GroundingChecker(kind="llm", route="judge")
    assert isinstance(build_checker(spec, tmp_path), LlmJudge)
    with pytest.raises(CheckerError):
        build_checker(GroundingChecker(kind="onnx", model_path="none.onnx"), tmp_path)
    assert SpecError  # the build wraps CheckerError as a SpecError (see build_knowledge)


def test_lexical_overlap_is_the_share_of_content_words() -> None:
    assert lexical_overlap("Card refunds take days.", SOURCES) == 1.0
    assert lexical_overlap("Vouchers in Norway.", SOURCES) == 0.0
    assert json.dumps(lexical_overlap("", SOURCES)) == "1.0"


def test_ground_eval_by_source_and_leave_one_out(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from stanchion.cli.knowledge import ground

    rows = [
        {"id": f"{d}{i}", "dataset": d, "sources": SOURCES, "label": label,
         "response": "Card refunds take 5 to 7 business days." if label else "Vouchers in Oslo."}
        for d in ("a", "b") for i, label in enumerate((1, 0, 1, 0))
    ]  # fmt: skip
    gold = tmp_path / "g.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for extra in (["--by", "source"], ["--leave-one-out"]):
        result = CliRunner().invoke(ground, ["eval", str(gold), "--json", *extra])
        assert result.exit_code == 0, result.output
        figures = json.loads(result.output)
        assert set(figures) == {"a", "b"}
        assert figures["a"]["checker"] == 1.0 and figures["a"]["lexical"] == 1.0
    table = CliRunner().invoke(ground, ["eval", str(gold), "--leave-one-out"])
    assert "lexical bal.acc" in table.output


async def test_onnx_checker_with_a_tokenizer_file(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    tiny_nli(tmp_path)
    words = ["card", "refunds", "take", "5", "to", "7", "business", "days", "every", "customer"]
    vocab = {
        "[PAD]": 0,
        "[CLS]": 1,
        "[SEP]": 2,
        "[UNK]": 3,
        **{w: i + 4 for i, w in enumerate(words)},
    }
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = tokenizers.normalizers.Lowercase()
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.post_processor = tokenizers.processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", 1), ("[SEP]", 2)],
    )
    tok.save(str(tmp_path / "tokenizer.json"))
    spec = GroundingChecker(
        kind="onnx", model_path="nli.onnx", tokenizer_path="tokenizer.json", max_length=64
    )
    checker = build_checker(spec, tmp_path)
    assert isinstance(checker, OnnxChecker)
    # "Card refunds take 5 to 7 business days ." + "refunds take days ." -> 1+9+1+4+1 = 16.
    scores = await checker.score(["Refunds take days."], SOURCES, "")
    assert scores == [pytest.approx(0.5, abs=1e-6)]
    with pytest.raises(CheckerError):
        OnnxChecker(
            GroundingChecker(kind="onnx", model_path="nli.onnx", tokenizer_path="x.json"), tmp_path
        )
