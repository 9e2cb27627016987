"""The trace writer's insert (``store/trace_writer.py``): traces and their rollups in one
transaction.

    writer = TraceWriter(store, cipher, store_rows=rollup_writer(cipher))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from stanchion.knowledge.sealed_terms import TermKey
from stanchion.reports.rollup import store_traces
from stanchion.reports.rollup_privacy import UserKey
from stanchion.store.crypto import Cipher
from stanchion.store.trace_notes import RowNotes, sealed_question


def rollup_writer(
    cipher: Cipher,
) -> Callable[[Connection, Sequence[dict[str, Any]], Sequence[RowNotes | None], bool], None]:
    """The trace writer's insert: traces and their rollups in one transaction, the query
    terms counted as keyed hashes (the same keyed hash the index uses, never the words)."""
    term_hash, user_key = TermKey(cipher), UserKey(cipher)

    def question(row: dict[str, Any], notes: RowNotes | None) -> str | None:
        if notes is None:  # replayed from the spool: open the sealed response
            return sealed_question(row, cipher)
        blob = row.get("response_enc")
        # as ``sealed_question``: not counted when sealed under a subject's key
        return notes.question if blob and cipher.holds(blob) else None

    def write(
        conn: Connection,
        rows: Sequence[dict[str, Any]],
        notes: Sequence[RowNotes | None] = (),
        fresh: bool = False,
    ) -> None:
        store_traces(conn, rows, term_hash, question, user_key, notes, fresh)

    return write
