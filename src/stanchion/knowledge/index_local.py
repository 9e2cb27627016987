"""The embedded index: SQLite FTS5 (BM25) in a file in the app folder.

It mirrors the approved versions of the store and updates incrementally: a sync adds the
chunks of newly approved versions and deletes those of retired ones. Chunk text, titles
and sections stay sealed (copied as stored); the full-text table is contentless and holds
only keyed hashes of the terms (``sealed_terms``), the title's hashed here.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select

from stanchion.knowledge.backends import Candidate, fts_query, register_backend
from stanchion.knowledge.schema import kn_chunks, kn_documents, kn_versions
from stanchion.knowledge.sealed_terms import TermKey
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.text import TERMS_VERSION, term_string
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.files import private_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, version_id TEXT NOT NULL,
    doc_id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, source TEXT NOT NULL,
    title_terms TEXT NOT NULL, terms TEXT NOT NULL, text_enc BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS ix_chunks_version ON chunks(version_id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title_terms, terms, content='', tokenize="unicode61 tokenchars '.'");
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, 'row');
"""
TABLES = ("vocab", "fts", "chunks", "meta")
TITLE_WEIGHT, BODY_WEIGHT = 0.6, 1.0
FORMAT_PROBE = "\0stanchion-index-format"  # its hash tells which key wrote the file
ChunkRow = tuple[str, str, str, int, str, str, int, int, str, str, str, bytes]


class LocalIndex:
    """One FTS5 file; thread-safe through one lock (queries take a few milliseconds)."""

    def __init__(self, path: Path, store: Store | None, app: str, cipher: Cipher) -> None:
        private_file(path)
        self.path, self.store, self.app, self.cipher = path, store, app, cipher
        self.key = TermKey(cipher)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        # the tokenizer and the hashing key the term bags were written with (a new one: reset)
        self._format = f"{TERMS_VERSION}:{self.key(FORMAT_PROBE)}"
        if self._terms_version() != self._format:
            self._reset()
        self._n = self._count()

    def _terms_version(self) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key='terms_version'").fetchone()
        return str(row[0]) if row else None

    def _reset(self) -> None:
        """Drop term bags of another tokenizer or key; the next sync re-adds every approved
        version."""
        for table in TABLES:
            self._db.execute(f"DROP TABLE IF EXISTS {table}")
        self._db.executescript(SCHEMA)
        self._db.execute("INSERT INTO meta VALUES ('terms_version', ?)", (self._format,))

    def _count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else -1

    def candidates(self, query_terms: list[str], n: int) -> list[Candidate]:
        if not query_terms:
            return []
        with self._lock:
            hits = self._db.execute(
                f"SELECT rowid, bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS r FROM fts "
                "WHERE fts MATCH ? ORDER BY r LIMIT ?",
                (fts_query(query_terms), n),
            ).fetchall()
            if not hits:
                return []
            rank = {rowid: -r for rowid, r in hits}
            marks = ",".join("?" * len(hits))
            rows = self._db.execute(
                'SELECT rowid, chunk_id, doc_id, version, title, section, start, "end", source,'
                f" title_terms || ' ' || terms, text_enc FROM chunks WHERE rowid IN ({marks})",
                list(rank),
            ).fetchall()
        out = [
            Candidate(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], rank[r[0]])
            for r in rows
        ]
        return sorted(out, key=lambda c: -c.rank)

    def chunks(self, chunk_ids: list[str]) -> list[Candidate]:
        """The indexed (so approved) chunks among ``chunk_ids``, unranked (the dense path)."""
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        with self._lock:
            rows = self._db.execute(
                'SELECT chunk_id, doc_id, version, title, section, start, "end", source,'
                f" title_terms || ' ' || terms, text_enc FROM chunks WHERE chunk_id IN ({marks})",
                chunk_ids,
            ).fetchall()
        return [
            Candidate(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], 0.0) for r in rows
        ]

    def doc_freq(self, query_terms: list[str]) -> tuple[int, dict[str, int]]:
        marks = ",".join("?" * len(query_terms))
        with self._lock:
            rows = self._db.execute(
                f"SELECT term, doc FROM vocab WHERE term IN ({marks})", query_terms
            ).fetchall()
        return self._n, {t: int(d) for t, d in rows}

    def vocabulary(self) -> tuple[int, dict[str, int], list[str]]:
        with self._lock:
            df = {str(t): int(d) for t, d in self._db.execute("SELECT term, doc FROM vocab")}
            titles = [str(r[0]) for r in self._db.execute("SELECT DISTINCT title FROM chunks")]
        return self._n, df, titles

    def add(self, rows: list[ChunkRow]) -> None:
        """Insert chunk rows: (chunk_id, version_id, doc_id, version, title, section, start,
        end, source, title_terms, terms, text_enc)."""
        with self._lock:
            self._db.execute("BEGIN")
            for row in rows:
                cur = self._db.execute(
                    "INSERT INTO chunks (chunk_id, version_id, doc_id, version, title, section,"
                    ' start, "end", source, title_terms, terms, text_enc)'
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    row,
                )
                self._db.execute(
                    "INSERT INTO fts (rowid, title_terms, terms) VALUES (?,?,?)",
                    (cur.lastrowid, row[9], row[10]),
                )
            self._db.execute("COMMIT")
            self._n = self._count()

    def remove_versions(self, version_ids: list[str]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            for vid in version_ids:
                for rowid, tt, terms in self._db.execute(
                    "SELECT rowid, title_terms, terms FROM chunks WHERE version_id=?", (vid,)
                ).fetchall():
                    self._db.execute(
                        "INSERT INTO fts (fts, rowid, title_terms, terms)"
                        " VALUES ('delete', ?, ?, ?)",
                        (rowid, tt, terms),
                    )
                self._db.execute("DELETE FROM chunks WHERE version_id=?", (vid,))
            self._db.execute("COMMIT")
            self._n = self._count()

    def versions(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT DISTINCT version_id FROM chunks")}

    def set_generation(self, generation: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),)
            )

    def sync(self, generation: int) -> None:
        """Mirror the approved versions of the store: add new ones, drop retired ones."""
        if self.store is None:
            return
        with self.store.engine.connect() as conn:
            approved = set(
                conn.execute(
                    select(kn_versions.c.id).where(
                        kn_versions.c.app == self.app, kn_versions.c.status == "approved"
                    )
                ).scalars()
            )
        present = self.versions()
        self.remove_versions(sorted(present - approved))
        missing = sorted(approved - present)
        for i in range(0, len(missing), 200):
            self.add(self._fetch(missing[i : i + 200]))
        self.set_generation(generation)

    def _fetch(self, version_ids: list[str]) -> list[ChunkRow]:
        assert self.store is not None
        q = (
            select(
                kn_chunks.c.id,
                kn_chunks.c.version_id,
                kn_versions.c.doc_id,
                kn_versions.c.version,
                kn_versions.c.title,
                kn_chunks.c.section,
                kn_chunks.c.start,
                kn_chunks.c.end,
                kn_documents.c.source,
                kn_chunks.c.terms,
                kn_chunks.c.text_enc,
            )
            .join(kn_versions, kn_versions.c.id == kn_chunks.c.version_id)
            .join(kn_documents, kn_documents.c.id == kn_versions.c.doc_id)
            .where(kn_chunks.c.version_id.in_(version_ids))
        )
        with self.store.engine.connect() as conn:
            rows: list[Any] = list(conn.execute(q))
        return [(*r[:9], self._title_terms(r[4]), *r[9:11]) for r in rows]

    def _title_terms(self, sealed_title: str) -> str:
        return self.key.bag(term_string(self.cipher.open_text(sealed_title)))

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def close(self) -> None:
        self._db.close()


@register_backend("local")
def local_backend(
    spec: KnowledgeSpec, app_dir: Path, store: Store, app: str, cipher: Cipher
) -> LocalIndex:
    return LocalIndex(app_dir / spec.retrieval.index_path, store, app, cipher)


def beir_words(beir: Any) -> set[str]:
    """The index terms of an evaluation corpus held in memory (``evaluation.Beir``): the
    words a retriever over an index without a store spells and weighs with."""
    return {
        w for d in beir.corpus for w in term_string(d.get("title", "") + "\n" + d["text"]).split()
    }
