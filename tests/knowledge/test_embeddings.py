"""Hybrid retrieval through real boundaries: a real local OpenAI-shaped ``/v1/embeddings``
server with deterministic vectors, on SQLite (local index) and PostgreSQL (shared backend).

The server: a text's vector is a hashed bag of its words, after a small synonym table maps words of
one meaning to one word ("reimbursed" -> "refund"), so texts that say the same thing in
other words are close while sharing no term. ``script`` queues HTTP statuses for the next
requests; every request is recorded (path, body, headers).
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.upstream import serve_in_thread

from stanchion.knowledge.build import Knowledge, build_knowledge
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.schema import kn_chunks, kn_vectors
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DIM = 128
SYNONYMS = {
    "reimbursed": "refund",
    "reimbursement": "refund",
    "refunds": "refund",
    "refunded": "refund",
    "money": "refund",
    "repaid": "refund",
    "processed": "process",
    "parcel": "ship",
    "delivery": "ship",
    "delivered": "ship",
    "shipping": "ship",
    "arrive": "ship",
    "long": "days",
    "until": "within",
}
STOP = {
    "the",
    "a",
    "an",
    "is",
    "are",
    "am",
    "to",
    "of",
    "in",
    "be",
    "i",
    "my",
    "will",
    "when",
    "how",
    "do",
}


def embed(text: str, dim: int = DIM) -> list[float]:
    vec = [0.0] * dim
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in STOP:
            continue
        word = SYNONYMS.get(word, word)
        vec[int(hashlib.sha256(word.encode()).hexdigest(), 16) % dim] += 1.0
    return vec


class EmbeddingServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: deque[int] = deque()
        self.port = 0
        self._server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *statuses: int) -> None:
        self.queue.extend(statuses)

    def reset(self) -> None:
        self.requests.clear()
        self.queue.clear()

    def inputs(self) -> list[str]:
        return [text for r in self.requests for text in r["body"]["input"]]

    async def embeddings(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append({"body": body, "headers": dict(request.headers)})
        if self.queue:
            status = self.queue.popleft()
            return JSONResponse(
                {"error": {"message": f"scripted {status}"}},
                status_code=status,
                headers={"retry-after": "0"},
            )
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dim = int(body.get("dimensions") or DIM)
        data = [
            {"object": "embedding", "index": i, "embedding": embed(t, dim)}
            for i, t in reversed(list(enumerate(texts)))
        ]
        return JSONResponse({"object": "list", "data": data, "model": body["model"]})

    def start(self) -> None:
        app = Starlette(routes=[Route("/v1/embeddings", self.embeddings, methods=["POST"])])
        self._server, self.port = serve_in_thread(app)

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


REFUNDS = """# Refunds

## Timing

Refunds are processed within 5 business days after the returned item arrives.

## Exceptions

Gift cards cannot be refunded.
"""
SHIPPING = "# Shipping\n\nStandard shipping takes 3 to 7 days. Express shipping takes 1 day.\n"
SYNONYM_QUERY = "how long until I am repaid"  # no term (nor built-in paraphrase) of the page
KEY = {"EMB_KEY": "sk-embed-test"}


@pytest.fixture(scope="session")
def embedding_server() -> Iterator[EmbeddingServer]:
    server = EmbeddingServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emb(embedding_server: EmbeddingServer) -> EmbeddingServer:
    embedding_server.reset()
    return embedding_server


def spec_for(store: Store, server: EmbeddingServer | None, **embeddings: Any) -> KnowledgeSpec:
    retrieval: dict[str, Any] = {
        "k": 3,
        "min_score": 0.2,
        "min_answerability": 0.0,
        "backend": "local" if store.is_sqlite else "postgres",
        "refresh_seconds": 0.01,
    }
    if server is not None:
        retrieval["embeddings"] = {
            "base_url": server.base_url,
            "model": "hash-bow",
            "api_key_env": "EMB_KEY",
            "min_similarity": 0.5,
            "retries": 3,
            **embeddings,
        }
    return KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": retrieval}
    )


def write_docs(app_dir: Path) -> None:
    (app_dir / "docs" / "refunds.md").write_text(REFUNDS)
    (app_dir / "docs" / "shipping.md").write_text(SHIPPING)


def knowledge(spec: KnowledgeSpec, app_dir: Path, store: Store, cipher: Cipher) -> Knowledge:
    return build_knowledge(spec, app_dir, store, cipher, app="shop", secret=KEY.get)


def vector_rows(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(kn_vectors.c.chunk_id, kn_vectors.c.model))]


async def test_hybrid_finds_a_passage_the_words_miss(
    store: Store, cipher: Cipher, app_dir: Path, emb: EmbeddingServer
) -> None:
    write_docs(app_dir)
    spec = spec_for(store, emb)
    report = ingest(spec, app_dir, store, cipher, "shop", approve_as="owner", secret=KEY.get)
    assert report.counts()["error"] == 0 and report.embedded == len(vector_rows(store)) > 0
    assert {r["headers"]["authorization"] for r in emb.requests} == {"Bearer sk-embed-test"}

    words = knowledge(spec_for(store, None), app_dir.parent / "words", store, cipher)
    hybrid = knowledge(spec, app_dir, store, cipher)
    await words.start()
    await hybrid.start()
    assert await words.retriever.search(SYNONYM_QUERY, 3) == []
    hits = await hybrid.retriever.search(SYNONYM_QUERY, 3)
    assert hits and hits[0].doc_id == "docs/refunds.md" and "5 business days" in hits[0].text
    assert hits[0].score >= 0.5  # admitted by its cosine, not by coverage
    # what the words find still comes first when the words match
    lexical = await hybrid.retriever.search("express shipping days", 3)
    assert lexical[0].doc_id == "docs/shipping.md"
    # the answerability check is lexical: with it on, a passage sharing no term is refused
    strict = spec.model_copy(deep=True)
    strict.retrieval.min_answerability = 0.3
    gated = knowledge(strict, app_dir.parent / "gated", store, cipher)
    await gated.start()
    assert await gated.retriever.search(SYNONYM_QUERY, 3) == []
    for k in (words, hybrid, gated):
        await k.aclose()


async def test_drafts_and_retired_never_come_back_through_the_dense_path(
    store: Store, cipher: Cipher, app_dir: Path, emb: EmbeddingServer
) -> None:
    write_docs(app_dir)
    spec = spec_for(store, emb)
    ingest(spec, app_dir, store, cipher, "shop", secret=KEY.get)
    assert vector_rows(store)  # drafts are embedded at ingest, approval needs no call
    first = knowledge(spec, app_dir, store, cipher)
    await first.start()
    assert await first.retriever.search(SYNONYM_QUERY, 3) == []  # drafts only
    embedded = len(emb.requests)
    await first.approve("docs/refunds.md", None, actor="owner")
    assert len(emb.requests) == embedded + 0  # query vector cached from the first search
    assert (await first.retriever.search(SYNONYM_QUERY, 3))[0].doc_id == "docs/refunds.md"

    # a replica that has not re-synced yet: the shared backend filters at query time
    slow_spec = spec.model_copy(deep=True)
    slow_spec.retrieval.refresh_seconds = 3600
    slow = knowledge(slow_spec, app_dir.parent / "slow", store, cipher)
    await slow.start()
    assert await slow.retriever.search(SYNONYM_QUERY, 3)
    await first.retire("docs/refunds.md", None, actor="owner")
    assert await first.retriever.search(SYNONYM_QUERY, 3) == []
    if not store.is_sqlite:
        assert await slow.retriever.search(SYNONYM_QUERY, 3) == []
    await slow.retriever.refresh(force=True)
    assert await slow.retriever.search(SYNONYM_QUERY, 3) == []
    assert len(slow.retriever.dense.vectors) == 0  # type: ignore[union-attr]
    await first.aclose()
    await slow.aclose()


async def test_unchanged_content_is_not_re_embedded_and_a_new_model_is(
    store: Store, cipher: Cipher, app_dir: Path, emb: EmbeddingServer
) -> None:
    write_docs(app_dir)
    spec = spec_for(store, emb, batch_size=2)
    ingest(spec, app_dir, store, cipher, "shop", approve_as="owner", secret=KEY.get)
    with store.engine.connect() as conn:
        chunks = conn.execute(select(func.count()).select_from(kn_chunks)).scalar_one()
    assert len(emb.inputs()) == chunks and len(emb.requests) == -(-chunks // 2)  # batches of 2

    emb.reset()
    again = ingest(spec, app_dir, store, cipher, "shop", secret=KEY.get)
    assert again.counts()["unchanged"] == 2 and again.embedded == 0 and emb.requests == []

    (app_dir / "docs" / "shipping.md").write_text(SHIPPING.replace("1 day", "2 days"))
    changed = ingest(spec, app_dir, store, cipher, "shop", secret=KEY.get)
    assert (
        changed.counts()["changed"] == 1
        and emb.inputs()
        and all("Shipping" in t for t in emb.inputs())
    )

    emb.reset()
    other = spec_for(store, emb, model="hash-bow-2", dimensions=64)
    ingest(other, app_dir, store, cipher, "shop", secret=KEY.get)
    rows = vector_rows(store)
    assert {m for _, m in rows} == {"openai:hash-bow-2@64"}
    assert len(emb.inputs()) == len(rows)  # every live chunk once, with the new model
    assert {r["body"]["dimensions"] for r in emb.requests} == {64}
    hybrid = knowledge(other, app_dir, store, cipher)
    await hybrid.start()
    assert (await hybrid.retriever.search(SYNONYM_QUERY, 3))[0].doc_id == "docs/refunds.md"
    await hybrid.aclose()


async def test_retries_on_429_and_5xx_and_reports_what_it_cannot_embed(
    store: Store, cipher: Cipher, app_dir: Path, emb: EmbeddingServer
) -> None:
    write_docs(app_dir)
    spec = spec_for(store, emb)
    emb.script(429, 503)
    report = ingest(spec, app_dir, store, cipher, "shop", approve_as="owner", secret=KEY.get)
    assert report.counts()["error"] == 0 and len(emb.requests) == 3 and vector_rows(store)

    (app_dir / "docs" / "refunds.md").write_text(REFUNDS + "\nStore credit is instant.\n")
    emb.reset()
    emb.script(400)
    failed = ingest(spec, app_dir, store, cipher, "shop", secret=KEY.get)
    assert [(r.doc_id, r.status) for r in failed.errors] == [("embeddings", "error")]
    assert "400" in failed.errors[0].message and len(emb.requests) == 1  # no retry on 400
    emb.reset()
    healed = ingest(spec, app_dir, store, cipher, "shop", secret=KEY.get)
    assert healed.counts()["unchanged"] == 2 and healed.embedded > 0  # what was missing


async def test_query_vectors_are_cached_and_a_failing_embedder_falls_back_to_words(
    store: Store, cipher: Cipher, app_dir: Path, emb: EmbeddingServer
) -> None:
    write_docs(app_dir)
    spec = spec_for(store, emb)
    ingest(spec, app_dir, store, cipher, "shop", approve_as="owner", secret=KEY.get)
    hybrid = knowledge(spec, app_dir, store, cipher)
    await hybrid.start()
    emb.reset()
    for _ in range(3):
        assert await hybrid.retriever.search(SYNONYM_QUERY, 3)
    assert emb.inputs() == [SYNONYM_QUERY]

    emb.script(500)
    hits = await hybrid.retriever.search("express shipping days", 3)
    assert hits[0].doc_id == "docs/shipping.md"  # words alone, no retry on the query path
    assert len(emb.requests) == 2
    await hybrid.aclose()


def test_an_unknown_embedder_or_missing_key_is_a_spec_error(
    tmp_path: Path, cipher: Cipher, emb: EmbeddingServer
) -> None:
    from stanchion.errors import SpecError

    store = Store(f"sqlite:///{tmp_path / 'app.db'}")
    spec = spec_for(store, emb)
    with pytest.raises(SpecError, match="EMB_KEY is not set"):
        build_knowledge(spec, tmp_path, store, cipher, app="shop", secret=lambda _: None)
    bad = spec_for(store, emb, provider="nowhere")
    with pytest.raises(SpecError, match="unknown provider 'nowhere'"):
        build_knowledge(bad, tmp_path, store, cipher, app="shop", secret=KEY.get)
    with pytest.raises(ValueError, match="without credentials"):
        spec_for(store, emb, base_url="https://user:sk-inline@api.example.com/v1")
    store.dispose()
