"""Ingest throughput: the clapnq corpus written as .md files, BM25 only and with embeddings.

python bench/ingest_throughput.py                 # SQLite store, corpus once
python bench/ingest_throughput.py --copies 4 --pg # 4 copies of the corpus, PostgreSQL store

The embedder is the deterministic hashed-bag-of-words server of the tests (a real local
HTTP server on /v1/embeddings), so the "hybrid" row measures what embedding costs ingest
(requests, JSON, float32 rows in the store), not a model's own speed. A page is 500 words.
Also printed: a second, unchanged ingest (nothing is re-embedded), the replica start-up
(index sync, vectors loaded into memory) and the query latency of BM25 vs hybrid.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "knowledge")]

from test_embeddings import EmbeddingServer  # noqa: E402

from stanchion.knowledge.build import build_knowledge  # noqa: E402
from stanchion.knowledge.evaluation import Beir, percentile  # noqa: E402
from stanchion.knowledge.ingest import ingest  # noqa: E402
from stanchion.knowledge.spec import KnowledgeSpec  # noqa: E402
from stanchion.store.crypto import Cipher  # noqa: E402
from stanchion.store.db import Store  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets/retrieval/clapnq"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORDS_PER_PAGE = 500


def write_corpus(beir: Beir, folder: Path, copies: int) -> int:
    """One .md file per passage (and copy); returns the number of words written."""
    docs = folder / "docs"
    docs.mkdir(parents=True)
    words = 0
    for c in range(copies):
        for d in beir.corpus:
            body = f"# {d.get('title', '')}\n\n{d['text']}\n"
            (docs / f"{d['_id']}-{c}.md").write_text(body, encoding="utf-8")
            words += len(body.split())
    return words


def spec(backend: str, server: EmbeddingServer | None) -> KnowledgeSpec:
    retrieval: dict[str, Any] = {"backend": backend, "min_answerability": 0.0}
    if server is not None:
        retrieval["embeddings"] = {"base_url": server.base_url, "model": "hash-bow"}
    return KnowledgeSpec.model_validate(
        {"sources": [{"files": ["docs/*.md"]}], "retrieval": retrieval}
    )


@contextmanager
def database(pg: bool, folder: Path) -> Iterator[str]:
    if not pg:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text

    name = f"stanchion_ingest_{int(time.time() * 1000)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def queries(kspec: KnowledgeSpec, app: Path, store: Store, beir: Beir) -> str:
    cipher = Cipher(bytes(32))
    started = time.perf_counter()
    knowledge = build_knowledge(kspec, app, store, cipher, app="bench")
    await knowledge.start()
    start_s = time.perf_counter() - started
    times = []
    for q in beir.queries:
        t0 = time.perf_counter()
        await knowledge.retriever.search(q["text"], 5)
        times.append((time.perf_counter() - t0) * 1000)
    await knowledge.aclose()
    return (
        f"replica start {start_s:.2f}s; query p50 {percentile(times, 50):.1f} ms "
        f"p99 {percentile(times, 99):.1f} ms (first call per query, embedding included)"
    )


def run(mode: str, beir: Beir, copies: int, pg: bool, server: EmbeddingServer | None) -> None:
    cipher = Cipher(bytes(32))
    with tempfile.TemporaryDirectory() as tmp, database(pg, Path(tmp)) as url:
        app = Path(tmp) / "app"
        words = write_corpus(beir, app, copies)
        store = Store(url)
        store.upgrade()
        kspec = spec("postgres" if pg else "local", server)
        requests = len(server.requests) if server else 0
        report = ingest(kspec, app, store, cipher, "bench", approve_as="bench")
        docs = sum(report.counts().values())
        sent = (len(server.requests) - requests) if server else 0
        again = ingest(kspec, app, store, cipher, "bench")
        chunks = sum(r.chunks for r in report.results)
        print(
            f"{mode:7} {'pg' if pg else 'sqlite':6} {docs} docs, {words / WORDS_PER_PAGE:.0f} "
            f"pages, {chunks} chunks in {report.seconds:.2f}s: "
            f"{docs / report.seconds:.0f} docs/s, {words / WORDS_PER_PAGE / report.seconds:.0f} "
            f"pages/s; {report.embedded} chunks embedded in {sent} requests; "
            f"unchanged re-ingest {again.seconds:.2f}s ({again.embedded} embedded)"
        )
        print("        ", asyncio.run(queries(kspec, app, store, beir)))
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="times the corpus is written")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL store (own database)")
    args = parser.parse_args()
    beir = Beir.load(DATA)
    server = EmbeddingServer()
    server.start()
    try:
        run("bm25", beir, args.copies, args.pg, None)
        run("hybrid", beir, args.copies, args.pg, server)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
