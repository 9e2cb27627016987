"""The ``onnx`` embedder through real boundaries: a tiny sentence-embedding model built here
with the ``onnx`` package, a real ``tokenizer.json``, real ingest and hybrid retrieval on
SQLite.

The model is an embedding table looked up per token (``Gather``): words of one meaning
share a row ("reimbursed" and "refund"), so a text and its paraphrase pool to the same
direction while sharing no word, as with a real sentence encoder.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from stanchion.errors import SpecError
from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.embedders import build_embedder
from stanchion.knowledge.embedders_onnx import OnnxEmbedder
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.query import split_asks
from stanchion.knowledge.schema import kn_vectors
from stanchion.knowledge.spec import Embeddings, KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

pytest.importorskip("onnxruntime")
tokenizers = pytest.importorskip("tokenizers")
onnx = pytest.importorskip("onnx")

MEANINGS = [
    ["refund", "refunds", "refunded", "reimbursed", "reimbursement", "money", "repaid"],
    ["processed", "process"],
    ["days", "long", "until", "within"],
    ["shipping", "ship", "parcel", "delivery", "arrives"],
    ["express", "fast"],
    ["gift", "cards"],
]
DIM = len(MEANINGS) + 1  # the last: every other word
REFUNDS = "# Refunds\n\nRefunds are processed within 5 business days after the item arrives.\n"
SHIPPING = "# Shipping\n\nStandard shipping takes 3 to 7 days. Express shipping takes 1 day.\n"
PARAPHRASE = "how long until I am repaid"  # no word (nor built-in paraphrase) of the refunds page


def tiny_encoder(folder: Path) -> tuple[str, str]:
    """A token-state model (``[n, tokens, DIM]``) and its tokenizer; returns their names."""
    from onnx import TensorProto, helper

    vocab = {"[PAD]": 0, "[UNK]": 1}
    rows = [[0.0] * DIM, [0.0] * (DIM - 1) + [1.0]]
    for meaning, words in enumerate(MEANINGS):
        for word in words:
            vocab[word] = len(rows)
            rows.append([float(i == meaning) for i in range(DIM)])
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "l"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["n", "l"])
    out = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["n", "l", DIM])
    table = helper.make_tensor(
        "table", TensorProto.FLOAT, [len(rows), DIM], [x for r in rows for x in r]
    )
    node = helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)
    graph = helper.make_graph([node], "tiny_encoder", [ids, mask], [out], [table])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    (folder / "models").mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(folder / "models" / "enc.onnx"))
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = tokenizers.normalizers.Lowercase()
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok.save(str(folder / "models" / "tokenizer.json"))
    return "models/enc.onnx", "models/tokenizer.json"


def embeddings(**extra: Any) -> dict[str, Any]:
    return {
        "provider": "onnx",
        "model": "tiny",
        "model_path": "models/enc.onnx",
        "tokenizer_path": "models/tokenizer.json",
        "min_similarity": 0.5,
        **extra,
    }


def spec_for(**extra: Any) -> KnowledgeSpec:
    retrieval = {"k": 3, "min_answerability": 0.0, "refresh_seconds": 0.01}
    retrieval["embeddings"] = embeddings(**extra)
    return KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": retrieval}
    )


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "refunds.md").write_text(REFUNDS)
    (folder / "docs" / "shipping.md").write_text(SHIPPING)
    tiny_encoder(folder)
    return folder


async def test_vectors_are_pooled_over_the_mask_unit_and_in_order(app: Path) -> None:
    embedder = build_embedder(Embeddings(**embeddings(batch_size=2)), lambda _: None, app)
    assert isinstance(embedder, OnnxEmbedder) and embedder.model.startswith("onnx:tiny@")
    texts = ["refund", "a b c reimbursed express", "parcel", "refund refund money", "zzz"]
    batched = await embedder.embed(texts)
    alone = [(await embedder.embed([t], query=True))[0] for t in texts]
    assert len(batched) == len(texts)
    for got, want in zip(batched, alone, strict=True):  # padding changes nothing
        assert list(got) == pytest.approx(list(want), abs=1e-6)
        assert math.isclose(sum(x * x for x in got), 1.0, rel_tol=1e-5)
    assert list(batched[0]) == pytest.approx(list(batched[3]))  # one meaning, one direction
    assert list(batched[0]) == pytest.approx([1.0] + [0.0] * (DIM - 1))
    assert batched[1][0] == pytest.approx(batched[1][4]) and batched[1][0] < batched[1][-1]


def best_cosine(k: Any, text: str) -> float:
    """Exact: the set is far smaller than the pre-filter's pool."""
    vec = k.retriever.dense.embedder.embed_sync([text])[0]
    return float(k.retriever.dense.vectors.nearest(vec, 100)[0][1])


async def test_ingested_documents_get_vectors_and_a_paraphrase_finds_them(
    app: Path, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'app.db'}")
    store.upgrade()
    cipher = Cipher(bytes(32))
    spec = spec_for()
    report = ingest(spec, app, store, cipher, "shop", approve_as="owner")
    with store.engine.connect() as conn:
        models = {r.model for r in conn.execute(select(kn_vectors.c.model))}
    assert report.counts()["error"] == 0 and report.embedded >= 2
    assert len(models) == 1 and next(iter(models)).startswith("onnx:tiny@")

    words_spec = KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": {"min_answerability": 0.0}}
    )
    words = build_knowledge(words_spec, tmp_path / "words", store, cipher, app="shop")
    hybrid = build_knowledge(spec, app, store, cipher, app="shop")
    await words.start()
    await hybrid.start()
    assert await words.retriever.search(PARAPHRASE, 3) == []
    hits = await hybrid.retriever.search(PARAPHRASE, 3)
    assert hits[0].doc_id == "docs/refunds.md" and hits[0].score >= 0.5
    assert (await hybrid.retriever.search("fast parcel", 3))[0].doc_id == "docs/shipping.md"
    # the answerability gate weighs the similarity only when the question has a vector
    asked = "when are refunds reimbursed"
    dense = (await hybrid.planner.plan([asked], 3)).parts[0].assessment.features
    lexical = (await words.planner.plan([asked], 3)).parts[0].assessment.features
    assert dense["dense"] == pytest.approx(best_cosine(hybrid, asked) - 0.5, abs=1e-4)
    assert lexical and "dense" not in lexical
    # a follow-up is embedded with the turn it leans on, a new question alone
    turns = ["how long are refunds processed", "and what about it?"]
    assert hybrid.planner.standalone(turns, split_asks(turns[-1])) == [" ".join(turns)]
    fresh = [turns[0], "does express shipping take 1 day"]
    assert hybrid.planner.standalone(fresh, split_asks(fresh[-1])) == [fresh[-1]]
    await words.aclose()
    await hybrid.aclose()
    store.dispose()


def test_a_new_model_file_is_a_new_model(app: Path) -> None:
    spec = Embeddings(**embeddings())
    before = build_embedder(spec, lambda _: None, app).model
    (app / "models" / "enc.onnx").unlink()
    tiny = app / "elsewhere"
    tiny_encoder(tiny)
    (tiny / "models" / "enc.onnx").rename(app / "models" / "enc.onnx")
    assert build_embedder(spec, lambda _: None, app).model == before  # same bytes, same id
    with (app / "models" / "enc.onnx").open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(SpecError):  # a file onnxruntime cannot read: at load, not at request
        build_embedder(spec, lambda _: None, app)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("model_path", "models/missing.onnx", "no .onnx file"),
        ("model_path", "models/tokenizer.json", "no .onnx file"),
        ("model_path", "../outside.onnx", "outside the app folder"),
        ("model_path", "/etc/passwd", "outside the app folder"),
        ("tokenizer_path", "../outside.json", "outside the app folder"),
        ("tokenizer_path", "models/enc.onnx", "no .json file"),
    ],
)
def test_a_bad_model_path_is_a_spec_error_at_load(
    app: Path, tmp_path: Path, field: str, value: str, says: str
) -> None:
    (tmp_path / "outside.onnx").write_bytes((app / "models" / "enc.onnx").read_bytes())
    (tmp_path / "outside.json").write_text((app / "models" / "tokenizer.json").read_text())
    store = Store(f"sqlite:///{tmp_path / 'app.db'}")
    store.upgrade()
    with pytest.raises(SpecError, match=says):
        build_knowledge(spec_for(**{field: value}), app, store, Cipher(bytes(32)), app="shop")
    store.dispose()


def test_onnx_needs_both_files_in_the_spec() -> None:
    for missing in ("model_path", "tokenizer_path"):
        raw = embeddings()
        del raw[missing]
        with pytest.raises(ValidationError, match="needs model_path and tokenizer_path"):
            Embeddings(**raw)
