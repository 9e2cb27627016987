"""The trace writer's sink (``store/trace_writer.py``): traces inserted and added to the
rollups, buffered for ``interval`` seconds (``reports/rollup_buffer.py``) or, with 0, in
each batch's own transaction.

    writer = TraceWriter(store, cipher, store_rows=rollup_writer(cipher, interval=2.0))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from stanchion.knowledge.sealed_terms import TermKey
from stanchion.reports.rollup import Folder, store_traces
from stanchion.reports.rollup_buffer import RollupBuffer
from stanchion.reports.rollup_privacy import UserKey
from stanchion.store.crypto import Cipher
from stanchion.store.trace_notes import RowNotes, sealed_question


def folder(cipher: Cipher) -> Folder:
    """The query terms counted as keyed hashes (the same keyed hash the index uses, never
    the words) and users as keyed pseudonyms, both under the app's key."""

    def question(row: dict[str, Any], notes: RowNotes | None) -> str | None:
        if notes is None:  # replayed from the spool or read back: open the sealed response
            return sealed_question(row, cipher)
        blob = row.get("response_enc")
        # as ``sealed_question``: not counted when sealed under a subject's key
        return notes.question if blob and cipher.holds(blob) else None

    return Folder(TermKey(cipher), question, UserKey(cipher))


class DirectRollups:
    """Traces and their rollups in one transaction: the readers see a trace as soon as it
    is stored, and each batch pays its own upserts."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder

    def write(
        self,
        conn: Connection,
        rows: Sequence[dict[str, Any]],
        notes: Sequence[RowNotes | None] = (),
        fresh: bool = False,
    ) -> None:
        f = self.folder
        store_traces(conn, rows, f.term_hash, f.questions, f.user_key, notes, fresh)

    def committed(self) -> None:
        """Nothing waits for the commit."""

    def tick(self, engine: Engine, closing: bool = False) -> None:
        """Nothing to flush."""


def rollup_writer(cipher: Cipher, interval: float = 0.0) -> DirectRollups | RollupBuffer:
    """The runtime's sink: rollups buffered for ``interval`` seconds (0: none)."""
    made = folder(cipher)
    return RollupBuffer(made, interval) if interval > 0 else DirectRollups(made)
