"""The shared backend: PostgreSQL full-text search over the store's own chunk table.

Every replica queries the same table and joins the version status, so an approval or a
retirement is visible to all of them with the next query.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from stanchion.errors import StoreError
from stanchion.knowledge.backends import Candidate, register_backend
from stanchion.knowledge.spec import KnowledgeSpec
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
COUNT = text("""
SELECT count(*) FROM kn_chunks c JOIN kn_versions v ON v.id = c.version_id
WHERE v.app = :app AND v.status = 'approved'
""")


def _lexeme(term: str) -> str:
    return "'" + term.replace("'", "").replace("\\", "") + "'"


class PostgresIndex:
    def __init__(self, store: Store, app: str) -> None:
        if store.is_sqlite:
            raise StoreError("retrieval.backend 'postgres' needs a PostgreSQL store")
        self.store, self.app = store, app

    def candidates(self, query_terms: list[str], n: int) -> list[Candidate]:
        if not query_terms:
            return []
        q = " | ".join(_lexeme(t) for t in query_terms)
        with self.store.engine.connect() as conn:
            rows = conn.execute(SEARCH, {"q": q, "app": self.app, "n": n}).all()
        return [Candidate(*r) for r in rows]

    def doc_freq(self, query_terms: list[str]) -> tuple[int, dict[str, int]]:
        with self.store.engine.connect() as conn:
            n = int(conn.execute(COUNT, {"app": self.app}).scalar() or 0)
            rows = conn.execute(
                DOC_FREQ, {"app": self.app, "terms": [_lexeme(t) for t in query_terms]}
            ).all()
        return n, {t.strip("'"): int(df) for t, df in rows}

    def sync(self, generation: int) -> None:
        """Nothing to mirror: every query reads the current approval state."""

    def close(self) -> None:
        """The engine belongs to the store."""


@register_backend("postgres")
def postgres_backend(spec: KnowledgeSpec, app_dir: Path, store: Store, app: str) -> PostgresIndex:
    return PostgresIndex(store, app)
