"""The shared backend: PostgreSQL full-text search over the store's own chunk table.

Every replica queries the same table and joins the version status, so an approval or a
retirement is visible to all of them with the next query.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from stanchion.errors import StoreError
from stanchion.knowledge.backends import Candidate, idf, register_backend
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

SEARCH = text("""
SELECT c.id, v.doc_id, v.version, v.title, c.section, c.start, c."end", d.source, c.terms,
       c.text_enc, ts_rank(c.tsv, q, 1) AS r
FROM kn_chunks c
JOIN kn_versions v ON v.id = c.version_id
JOIN kn_documents d ON d.id = v.doc_id,
     to_tsquery('simple', :q) q
WHERE v.app = :app AND v.status = 'approved' AND c.tsv @@ q
ORDER BY r DESC LIMIT :n
""")
DOC_FREQ = text("""
SELECT t, (SELECT count(*) FROM kn_chunks c JOIN kn_versions v ON v.id = c.version_id
           WHERE v.app = :app AND v.status = 'approved' AND c.tsv @@ to_tsquery('simple', t))
FROM unnest(CAST(:terms AS text[])) t
""")
CHUNKS = text("""
SELECT c.id, v.doc_id, v.version, v.title, c.section, c.start, c."end", d.source, c.terms,
       c.text_enc
FROM kn_chunks c
JOIN kn_versions v ON v.id = c.version_id
JOIN kn_documents d ON d.id = v.doc_id
WHERE v.app = :app AND v.status = 'approved' AND c.id = ANY(CAST(:ids AS text[]))
""")
COUNT = text("""
SELECT count(*) FROM kn_chunks c JOIN kn_versions v ON v.id = c.version_id
WHERE v.app = :app AND v.status = 'approved'
""")
VOCABULARY = text("""
SELECT word, ndoc FROM ts_stat(format(
    'SELECT c.tsv FROM kn_chunks c JOIN kn_versions v ON v.id = c.version_id'
    ' WHERE v.app = %L AND v.status = ''approved''', CAST(:app AS text)))
""")
TITLES = text("SELECT DISTINCT title FROM kn_versions WHERE app = :app AND status = 'approved'")

POOL = 100
K1, B = 1.2, 0.75


def bm25(query_terms: list[str], bag: list[str], n: int, df: dict[str, int], avg: float) -> float:
    tf: dict[str, int] = {}
    for t in bag:
        tf[t] = tf.get(t, 0) + 1
    norm = K1 * (1 - B + B * len(bag) / avg)
    return sum(
        idf(max(n, 1), df.get(t, 0)) * tf[t] * (K1 + 1) / (tf[t] + norm)
        for t in query_terms
        if t in tf
    )


def _lexeme(term: str) -> str:
    return "'" + term.replace("'", "").replace("\\", "") + "'"


class PostgresIndex:
    def __init__(self, store: Store, app: str) -> None:
        if store.is_sqlite:
            raise StoreError("retrieval.backend 'postgres' needs a PostgreSQL store")
        self.store, self.app = store, app

    def candidates(self, query_terms: list[str], n: int) -> list[Candidate]:
        """The ``n`` best by BM25 among the ``POOL`` best by ts_rank: ts_rank ignores how rare
        a term is, so it only gathers candidates; the local index ranks by BM25 too."""
        if not query_terms:
            return []
        q = " | ".join(_lexeme(t) for t in query_terms)
        with self.store.engine.connect() as conn:
            rows = conn.execute(SEARCH, {"q": q, "app": self.app, "n": max(n, POOL)}).all()
        if not rows:
            return []
        total, df = self.doc_freq(query_terms)
        bags = [r[8].split() for r in rows]
        avg = sum(len(b) for b in bags) / len(bags) or 1.0
        scored = [
            Candidate(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                bm25(query_terms, bag, total, df, avg),
            )
            for r, bag in zip(rows, bags, strict=True)
        ]
        return sorted(scored, key=lambda c: -c.rank)[:n]

    def chunks(self, chunk_ids: list[str]) -> list[Candidate]:
        """The approved chunks among ``chunk_ids`` now, unranked (the dense path)."""
        if not chunk_ids:
            return []
        with self.store.engine.connect() as conn:
            rows = conn.execute(CHUNKS, {"app": self.app, "ids": chunk_ids}).all()
        return [
            Candidate(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], 0.0) for r in rows
        ]

    def doc_freq(self, query_terms: list[str]) -> tuple[int, dict[str, int]]:
        with self.store.engine.connect() as conn:
            n = int(conn.execute(COUNT, {"app": self.app}).scalar() or 0)
            rows = conn.execute(
                DOC_FREQ, {"app": self.app, "terms": [_lexeme(t) for t in query_terms]}
            ).all()
        return n, {t.strip("'"): int(df) for t, df in rows}

    def vocabulary(self) -> tuple[int, dict[str, int], list[str]]:
        with self.store.engine.connect() as conn:
            n = int(conn.execute(COUNT, {"app": self.app}).scalar() or 0)
            df = {str(w): int(d) for w, d in conn.execute(VOCABULARY, {"app": self.app})}
            titles = [str(t) for t in conn.execute(TITLES, {"app": self.app}).scalars()]
        return n, df, titles

    def sync(self, generation: int) -> None:
        """Nothing to mirror: every query reads the current approval state."""

    def close(self) -> None:
        """The engine belongs to the store."""


@register_backend("postgres")
def postgres_backend(
    spec: KnowledgeSpec, app_dir: Path, store: Store, app: str, cipher: Cipher
) -> PostgresIndex:
    return PostgresIndex(store, app)
