"""``build_knowledge``: the one object the pipeline holds for retrieval and validation.

knowledge = build_knowledge(spec.knowledge, app_dir, store, cipher, app="support")
await knowledge.start()
passages = await knowledge.retriever.search("how long do refunds take?", 5)
if not passages:
    reply = knowledge.no_evidence_reply
validation = knowledge.validate(answer, passages)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from stanchion.errors import SpecError
from stanchion.knowledge import index_local, index_pg  # noqa: F401  (register backends)
from stanchion.knowledge.backends import BACKENDS, Backend
from stanchion.knowledge.base import Passage
from stanchion.knowledge.catalog import Catalog, load_catalog
from stanchion.knowledge.checkers import Checker, CheckerError, Complete, LlmJudge, build_checker
from stanchion.knowledge.dense import ChunkSource, DenseIndex
from stanchion.knowledge.embedders import Secret, build_embedder
from stanchion.knowledge.grounding import Validation, Validator
from stanchion.knowledge.plan import Plan, Planner
from stanchion.knowledge.query import Glossary
from stanchion.knowledge.retokenize import retokenize
from stanchion.knowledge.retriever import KnowledgeRetriever
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.versions import VersionInfo, approve, opened, retire
from stanchion.settings import Settings
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

Change = Callable[[Connection, str, str, int | None, str], VersionInfo]


@dataclass(slots=True)
class Knowledge:
    spec: KnowledgeSpec
    app: str
    store: Store
    retriever: KnowledgeRetriever
    validator: Validator
    planner: Planner
    checker: Checker | None = None
    _closing: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def no_evidence_reply(self) -> str:
        return self.spec.no_evidence.reply

    async def plan(self, turns: list[str], k: int, reply: str = "") -> Plan:
        """Passages and the answerability decision for the last of the user's ``turns``;
        ``reply``: the assistant's answer to the turn before it."""
        return await self.planner.plan(turns, k, reply)

    async def start(self) -> None:
        """Bring the index up to date with the store (call once at start-up); term bags
        stored by an older tokenizer are rewritten first."""
        await self.store.run(self._retokenize)
        await self.retriever.refresh(force=True)

    def _retokenize(self) -> int:
        with self.store.engine.begin() as conn:
            return retokenize(conn, self.retriever.cipher, self.app)

    def validate(self, answer: str, passages: list[Passage], question: str = "") -> Validation:
        """Check an answer against its passages and the catalog (sync, CPU only); the
        question, when given, keeps its own words from counting as unsupported."""
        return self.validator.validate(answer, [p.text for p in passages], question)

    async def acheck(self, answer: str, passages: list[Passage], question: str = "") -> Validation:
        """``validate`` through the checker the spec picked (model checkers fall back to the
        offline one when they fail)."""
        texts = [p.text for p in passages]
        return await self.validator.acheck(answer, texts, question, self.checker)

    def bind_judge(self, complete: Complete) -> None:
        """Give an ``llm`` checker its way to the model (the runtime's router)."""
        if isinstance(self.checker, LlmJudge):
            self.checker.complete = complete

    async def approve(self, doc_id: str, version: int | None, actor: str) -> VersionInfo:
        info = await self.store.run(self._change, approve, doc_id, version, actor)
        await self.retriever.refresh(force=True)
        return info

    async def retire(self, doc_id: str, version: int | None, actor: str) -> VersionInfo:
        info = await self.store.run(self._change, retire, doc_id, version, actor)
        await self.retriever.refresh(force=True)
        return info

    def _change(self, fn: Change, doc_id: str, version: int | None, actor: str) -> VersionInfo:
        with self.store.engine.begin() as conn:
            return opened(fn(conn, self.app, doc_id, version, actor), self.retriever.cipher)

    def close(self) -> None:
        """Close the index; an embedder's HTTP session closes on the running loop, if any
        (``aclose`` awaits it)."""
        self.retriever.backend.close()
        dense = self.retriever.dense
        if dense is None:
            return
        try:
            task = asyncio.get_running_loop().create_task(dense.aclose())
        except RuntimeError:
            return
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        self.retriever.backend.close()
        if self.retriever.dense is not None:
            await self.retriever.dense.aclose()


def build_knowledge(
    spec: KnowledgeSpec,
    app_dir: Path,
    store: Store,
    cipher: Cipher,
    app: str | None = None,
    secret: Secret | None = None,
) -> Knowledge:
    """Wire the backend named in the spec, the dense index (when an embedder is set), the
    retriever, the validator and the catalog. ``secret`` reads the env var an embedder's
    ``api_key_env`` names (default: ``Settings().env_value``)."""
    name = app or app_dir.resolve().name
    backend = BACKENDS[spec.retrieval.backend](spec, app_dir, store, name, cipher)
    emb = spec.retrieval.embeddings
    retriever = KnowledgeRetriever(
        backend,
        store,
        cipher,
        name,
        min_score=spec.retrieval.min_score,
        refresh_seconds=spec.retrieval.refresh_seconds,
        dense=_dense(spec, app_dir, backend, store, name, secret),
        weight=emb.weight if emb else 0.0,
        min_similarity=emb.min_similarity if emb else 1.0,
        glossary=Glossary(spec.glossary),
        relative_cutoff=spec.retrieval.relative_cutoff,
    )
    catalog: Catalog | None = load_catalog(spec.catalog, store, app_dir) if spec.catalog else None
    evidence = catalog if hasattr(catalog, "passages_for") else None
    planner = Planner(
        retriever,
        spec.answerability,
        evidence,
        spec.retrieval.min_answerability,
        refusal=spec.no_evidence.reply,
    )
    retriever.threshold = planner.threshold
    validator = Validator(spec.grounding, catalog)
    try:
        checker = build_checker(spec.grounding.checker, app_dir)
    except CheckerError as exc:
        raise SpecError([f"knowledge.grounding.checker: {exc}"]) from exc
    return Knowledge(spec, name, store, retriever, validator, planner, checker)


def _dense(
    spec: KnowledgeSpec,
    app_dir: Path,
    backend: Backend,
    store: Store,
    app: str,
    secret: Secret | None,
) -> DenseIndex | None:
    emb = spec.retrieval.embeddings
    if emb is None:
        return None
    if not isinstance(backend, ChunkSource):
        raise SpecError([f"retrieval.backend {spec.retrieval.backend!r} cannot serve dense hits"])
    embedder = build_embedder(emb, secret or Settings().env_value, app_dir)
    return DenseIndex(embedder, backend, store, app, emb.cache_size)
