"""Retrieval figures: clapnq quality, and the latency / size curve of the local index.

python bench/retrieval_size.py clapnq            # recall@5/10, MRR@10, latency, refusals
python bench/retrieval_size.py size 10000 100000 # synthetic chunks: p50/p99 ms, MB, rows/s
python bench/retrieval_size.py pg                # clapnq on the postgres backend vs local
"""

from __future__ import annotations

import itertools
import random
import sys
import tempfile
import time
from pathlib import Path

from stanchion.knowledge.evaluation import Beir, percentile, retrieval_metrics
from stanchion.knowledge.index_local import LocalIndex, beir_words
from stanchion.knowledge.retriever import KnowledgeRetriever
from stanchion.knowledge.text import term_string
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets/retrieval"


def beir_index(beir: Beir, folder: Path, cipher: Cipher) -> LocalIndex:
    index = LocalIndex(folder / "index.sqlite", None, "bench", cipher)
    rows = [
        (
            d["_id"],
            d["_id"],
            d["_id"],
            1,
            d.get("title", ""),
            "",
            0,
            len(d["text"]),
            "",
            index.key.bag(term_string(d.get("title", ""))),
            index.key.bag(term_string(d["text"])),
            cipher.encrypt(d["text"].encode()),
        )
        for d in beir.corpus
    ]
    index.add(rows)
    return index


def retriever_over(index: LocalIndex, cipher: Cipher, words: set[str]) -> KnowledgeRetriever:
    return KnowledgeRetriever(
        index,
        Store("sqlite://"),
        cipher,
        "bench",
        min_score=0.0,
        refresh_seconds=3600,
        words=lambda: words,
    )


def run_clapnq(_: object = None, floor: float = 0.2) -> None:
    beir = Beir.load(DATA / "clapnq")
    cipher = Cipher(bytes(32))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = beir_index(beir, Path(tmp), cipher)
        build_s = time.perf_counter() - started
        retriever = retriever_over(index, cipher, beir_words(beir))
        ranked, times, best = {}, [], {}
        for q in beir.queries:
            t0 = time.perf_counter()
            hits = retriever.search_sync(q["text"], 10, min_score=0.0)
            times.append((time.perf_counter() - t0) * 1000)
            ranked[q["_id"]] = [h.doc_id for h in hits]
            best[q["_id"]] = hits[0].score if hits else 0.0
        m = retrieval_metrics(ranked, beir.qrels)
        print(
            f"clapnq: {len(beir.corpus)} docs indexed in {build_s:.2f}s; "
            f"recall@5 {m['recall@5']:.3f} recall@10 {m['recall@10']:.3f} "
            f"MRR@10 {m['mrr@10']:.3f} over {m['queries']} answerable queries; "
            f"p50 {percentile(times, 50):.2f} ms p99 {percentile(times, 99):.2f} ms"
        )
        for t in (0.2, 0.3, 0.4, 0.5, 0.6):
            ans = [best[q["_id"]] >= t for q in beir.queries if q.get("answerable")]
            una = [best[q["_id"]] < t for q in beir.queries if not q.get("answerable")]
            print(
                f"  min_score {t}: answerable served {sum(ans)}/{len(ans)}, "
                f"unanswerable refused {sum(una)}/{len(una)}"
            )
        index.close()


def clapnq_figures(retriever: KnowledgeRetriever, beir: Beir) -> str:
    ranked, times = {}, []
    for q in beir.queries:
        t0 = time.perf_counter()
        hits = retriever.search_sync(q["text"], 10, min_score=0.0)
        times.append((time.perf_counter() - t0) * 1000)
        ranked[q["_id"]] = [h.doc_id for h in hits]
    m = retrieval_metrics(ranked, beir.qrels)
    return (
        f"recall@5 {m['recall@5']:.3f} recall@10 {m['recall@10']:.3f} MRR@10 {m['mrr@10']:.3f}"
        f" ({m['queries']} answerable queries); p50 {percentile(times, 50):.2f} ms"
        f" p99 {percentile(times, 99):.2f} ms"
    )


def pg_store(beir: Beir, url: str, cipher: Cipher) -> Store:
    """The corpus as approved versions in a PostgreSQL store, one chunk per document,
    with the term bags ingest writes (section + text; the title lives on the version)."""
    from stanchion.knowledge.schema import kn_chunks, kn_documents, kn_versions
    from stanchion.knowledge.sealed_terms import TermKey, seal_words

    store = Store(url)
    store.upgrade()
    key = TermKey(cipher)
    docs, versions, chunks = [], [], []
    for d in beir.corpus:
        i, body = str(d["_id"]), d["text"]
        docs.append(
            {"id": i, "app": "bench", "source": "", "title": d.get("title", ""), "created_at": 0.0}
        )
        versions.append(
            {
                "id": i,
                "doc_id": i,
                "app": "bench",
                "version": 1,
                "content_hash": i,
                "status": "approved",
                "format": "txt",
                "title": d.get("title", ""),
                "size": len(body),
                "n_chunks": 1,
                "created_at": 0.0,
                "changed_at": 0.0,
                "changed_by": None,
                "text_enc": b"",
                "words_enc": seal_words(
                    cipher, term_string(d.get("title", "") + "\n" + body).split()
                ),
            }
        )
        chunks.append(
            {
                "id": i,
                "version_id": i,
                "ordinal": 0,
                "section": "",
                "start": 0,
                "end": len(body),
                "terms": key.bag(term_string("\n" + body)),
                "text_enc": cipher.encrypt(body.encode()),
            }
        )
    with store.engine.begin() as conn:
        conn.execute(kn_documents.insert(), docs)
        conn.execute(kn_versions.insert(), versions)
        conn.execute(kn_chunks.insert(), chunks)
    return store


def run_pg(admin: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test") -> None:
    """clapnq through the postgres backend next to the local one (own database, dropped)."""
    from sqlalchemy import create_engine, text

    from stanchion.knowledge.index_pg import PostgresIndex

    beir = Beir.load(DATA / "clapnq")
    cipher = Cipher(bytes(32))
    name = f"stanchion_bench_{int(time.time())}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        store = pg_store(beir, admin.rsplit("/", 1)[0] + "/" + name, cipher)
        pg = KnowledgeRetriever(
            PostgresIndex(store, "bench"),
            store,
            cipher,
            "bench",
            min_score=0.0,
            refresh_seconds=3600,
        )
        print("clapnq postgres:", clapnq_figures(pg, beir))
        store.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            index = beir_index(beir, Path(tmp), cipher)
            print(
                "clapnq local:   ",
                clapnq_figures(retriever_over(index, cipher, beir_words(beir)), beir),
            )
            index.close()
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def run_size(sizes: list[int]) -> None:
    rng = random.Random(1)
    vocab = [f"w{i}" for i in range(50_000)]
    cum = list(itertools.accumulate(1 / (i + 1) for i in range(len(vocab))))  # Zipf-like
    cipher = Cipher(bytes(32))
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            index = LocalIndex(Path(tmp) / "index.sqlite", None, "bench", cipher)
            started, done = time.perf_counter(), 0
            while done < n:
                batch = []
                for i in range(done, min(n, done + 5000)):
                    text = " ".join(rng.choices(vocab, cum_weights=cum, k=120))
                    batch.append(
                        (
                            f"c{i}",
                            f"v{i // 10}",
                            f"d{i // 10}",
                            1,
                            "t",
                            "",
                            0,
                            len(text),
                            "",
                            index.key.bag("t"),
                            index.key.bag(text),
                            cipher.encrypt(text.encode()),
                        )
                    )
                index.add(batch)
                done += len(batch)
            ingest_s = time.perf_counter() - started
            retriever = retriever_over(index, cipher, {*vocab, "t"})
            times = []
            for _ in range(200):
                q = " ".join(rng.choices(vocab[50:5000], k=6))
                t0 = time.perf_counter()
                retriever.search_sync(q, 5, min_score=0.0)
                times.append((time.perf_counter() - t0) * 1000)
            print(
                f"{n:>9} chunks: index {index.size_bytes() / 1e6:8.1f} MB, "
                f"insert {n / ingest_s:8.0f} chunks/s, query p50 {percentile(times, 50):6.2f} "
                f"ms p99 {percentile(times, 99):6.2f} ms"
            )
            index.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["pg"]:
        run_pg()
    elif sys.argv[1:2] == ["size"]:
        run_size([int(a) for a in sys.argv[2:]] or [10_000, 100_000])
    else:
        run_clapnq()
