"""Plaintext at rest (issue 8, item 11): reviewer notes and audit details are sealed, and
every file stanchion keeps is the owner's alone (0600 in a 0700 folder)."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from stanchion.errors import BadRequest
from stanchion.evals.review import NewItem, claim, decide, enqueue, get_item
from stanchion.registry.schema import review_items
from stanchion.runtime import build_runtime
from stanchion.settings import Settings
from stanchion.store.audit import AuditKeys, bind_audit, open_detail
from stanchion.store.checkpoints import FileCheckpoints
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store
from stanchion.store.files import private_dir, private_file, write_private
from stanchion.store.schema import audit_events

EXAMPLE = Path(__file__).parents[2] / "examples" / "support-assistant"
NOTE = "customer Jane Roe disputes invoice 4471"


@pytest.fixture()
def sealed_store(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Cipher]]:
    cipher = Cipher(os.urandom(32))
    s = Store(db_url)
    s.upgrade()
    bind_audit(s.engine, AuditKeys.from_cipher(cipher, FileCheckpoints(tmp_path / "cp")))
    yield s, cipher
    s.dispose()


def test_reviewer_notes_and_audit_details_are_sealed(
    sealed_store: tuple[Store, Cipher],
) -> None:
    store, cipher = sealed_store
    new = NewItem("t1", "shop", "hold", None, "alice", None, "q?", "a.")
    with store.engine.begin() as conn:
        enqueue(conn, cipher, new)
        claim(conn, cipher, "shop", "t1", "rita")
        decide(conn, cipher, "shop", "t1", "rita", "edit", text="fixed", note=NOTE)
    with store.engine.connect() as conn:
        raw_note = conn.execute(select(review_items.c.note)).scalar_one()
        details = list(conn.execute(select(audit_events.c.detail)).scalars())
        item = get_item(conn, cipher, "shop", "t1")
        opened = [open_detail(conn, d) for d in details]
    assert "Jane" not in raw_note and all("Jane" not in d and "shop" not in d for d in details)
    assert item is not None and item.note == NOTE
    assert opened[-1]["note"] == NOTE and opened[-1]["app"] == "shop"


def test_a_note_that_is_not_text_is_a_bad_request(sealed_store: tuple[Store, Cipher]) -> None:
    store, cipher = sealed_store
    new = NewItem("t3", "shop", "hold", None, "alice", None, "q?", "a.")
    with store.engine.begin() as conn:
        enqueue(conn, cipher, new)
        with pytest.raises(BadRequest, match="note"):
            decide(conn, cipher, "shop", "t3", "rita", "approve", note={"x": [1]})  # type: ignore[arg-type]


def test_notes_written_before_sealing_still_read(sealed_store: tuple[Store, Cipher]) -> None:
    store, cipher = sealed_store
    new = NewItem("t2", "shop", "hold", None, "alice", None, "q?", "a.")
    with store.engine.begin() as conn:
        enqueue(conn, cipher, new)
        conn.execute(review_items.update().values(note="old plain note"))
        item = get_item(conn, cipher, "shop", "t2")
    assert item is not None and item.note == "old plain note"


def test_in_memory_sqlite_makes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        Store(url).dispose()
    assert list(tmp_path.iterdir()) == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_helper(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    db = private_file(shared / "new" / "deeper" / "x.db")
    assert mode(db) == 0o600 and mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700
    assert mode(shared) == 0o755, "an existing folder that is not stanchion's keeps its mode"
    state = shared / ".stanchion"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    loose = state / "old.db"
    loose.write_bytes(b"")
    loose.chmod(0o644)
    private_file(loose)
    assert mode(state) == 0o700 and mode(loose) == 0o600
    write_private(state / "cp", b"x")
    assert mode(state / "cp") == 0o600 and (state / "cp").read_bytes() == b"x"
    assert private_dir(state) == state


async def serve_once(app: Path) -> None:
    rt = build_runtime(app / "stanchion.yaml", Settings())
    await rt.start()
    await rt.aclose()


def test_every_file_of_an_app_is_private(tmp_path: Path) -> None:
    """The example app, set up by quickstart and served once: the key, the database (with
    its WAL), the index and the audit checkpoint are 0600, their folder 0700."""
    app = tmp_path / "support"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".stanchion"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    old = os.umask(0o022)
    try:
        subprocess.run(
            [sys.executable, "-m", "stanchion.cli", "quickstart", "--no-serve", "--app", str(app)],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        asyncio.run(serve_once(app))
    finally:
        os.umask(old)
    state = app / ".stanchion"
    # catalog.db stands for the company's own product database (the spec's catalog URL),
    # which the demo seeds there; it is not stanchion's state
    files = sorted(
        p for p in state.rglob("*") if p.is_file() and not p.name.startswith("catalog.db")
    )
    names = {p.name for p in files}
    assert {"master.key", "stanchion.db", "index.sqlite", "audit.checkpoint"} <= names
    assert mode(state) == 0o700
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
