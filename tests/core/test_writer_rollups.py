"""The writer adds each trace to the rollups from the notes it keeps beside the row (its clear
annotations and sealed question); a trace replayed from the spool has none and is read from
its row. Both must count the same, and a question sealed under a data subject's key must stay
out of the term counts either way."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import select

from stanchion.knowledge.sealed_terms import TermKey
from stanchion.knowledge.text import terms
from stanchion.pipeline.exchange import Exchange, Principal
from stanchion.providers.base import ChatRequest, Completion, Usage
from stanchion.reports.rollup import kpi_rollup, kpi_terms
from stanchion.reports.rollup_writer import rollup_writer
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.trace_writer import TraceWriter
from stanchion.store.traces import noted_row

QUESTION = "How long do card refunds take after the return arrives?"


def _exchange(app: str, trace_id: str) -> Exchange:
    ex = Exchange(
        id=trace_id,
        app=app,
        started=time.time(),
        request=ChatRequest(model="gpt", messages=[{"role": "user", "content": QUESTION}]),
        principal=Principal(key_id="k1", user="alice", role="user"),
        route="gpt",
    )
    ex.completion = Completion(content="Five days.", model="m", usage=Usage(20, 3))
    ex.annotations.update(
        {
            "query": QUESTION,
            "parts": [QUESTION],
            "answerability": {"decision": "refuse", "question": QUESTION, "score": 0.1},
            "grounded": False,
            "model_version": "m@1",
        }
    )
    return ex


def _rollups(store: Store, app: str) -> tuple[set[str], list[dict[str, Any]]]:
    """The app's term hashes, and its rollup rows by dimension without the app and hour."""
    with store.engine.connect() as conn:
        found = conn.execute(select(kpi_terms.c.term).where(kpi_terms.c.app == app))
        sums = conn.execute(
            select(kpi_rollup).where(kpi_rollup.c.app == app).order_by(kpi_rollup.c.dim)
        ).mappings()
        rows = [{k: v for k, v in r.items() if k not in ("app", "hour")} for r in sums]
        return {r[0] for r in found}, rows


def test_notes_and_replayed_rows_add_the_same_rollups(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    cipher = Cipher(os.urandom(32))
    writer = TraceWriter(store, cipher, flush_ms=10, store_rows=rollup_writer(cipher))
    try:
        writer.submit(_exchange("live", "t-live"))
        deadline = time.monotonic() + 20
        while writer.written < 1:
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)
        writer.close()
        row, _ = noted_row(_exchange("replayed", "t-replayed"), cipher)
        with store.engine.begin() as conn:  # as a spool replay hands it over: no notes
            rollup_writer(cipher).write(conn, [row], [None])
        live_terms, live_sums = _rollups(store, "live")
        replayed_terms, replayed_sums = _rollups(store, "replayed")
    finally:
        writer.close()
        store.dispose()
    key = TermKey(cipher)
    assert live_terms == replayed_terms == {key(t) for t in terms(QUESTION)}
    assert live_sums == replayed_sums and len(live_sums) == 4
    # read from the notes' annotations: refused by answerability, not grounded
    assert {(s["unanswerable"], s["ungrounded"]) for s in live_sums} == {(1, 1)}


def test_a_question_sealed_under_a_subject_key_is_not_counted(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    cipher, subject = Cipher(os.urandom(32)), Cipher(os.urandom(32))
    row, notes = noted_row(_exchange("erasable", "t-erasable"), subject)
    assert notes.question == QUESTION  # the writer holds it, yet must not count it
    try:
        with store.engine.begin() as conn:
            rollup_writer(cipher).write(conn, [row], [notes])
        counted, sums = _rollups(store, "erasable")
    finally:
        store.dispose()
    assert counted == set() and len(sums) == 4
