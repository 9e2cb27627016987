"""Document versions in the store: write drafts, approve, retire, list and show.

Every function takes a SQLAlchemy ``Connection`` inside the caller's transaction::

    with store.engine.begin() as conn:
        approve(conn, "my-app", "docs/refunds.md", None, actor="alice")
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import Connection, func, select

from stanchion.errors import StanchionError
from stanchion.knowledge.chunking import Chunk
from stanchion.knowledge.schema import kn_chunks, kn_documents, kn_state, kn_versions
from stanchion.knowledge.sealed_terms import TermKey, seal_words
from stanchion.knowledge.text import term_string
from stanchion.store import generation as generations
from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher

Status = Literal["draft", "approved", "retired"]
Clock = Callable[[], float]


class VersionError(StanchionError):
    """A document or version that does not exist, or a change its status does not allow."""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    id: str
    doc_id: str
    version: int
    status: str
    title: str
    format: str
    size: int
    n_chunks: int
    content_hash: str
    created_at: float
    changed_at: float
    changed_by: str | None

    def to_record(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}


def opened(info: VersionInfo, cipher: Cipher) -> VersionInfo:
    """``info`` with its title opened (titles are sealed at rest)."""
    return replace(info, title=cipher.open_text(info.title))


def version_id(doc_id: str, version: int, content_hash: str) -> str:
    """Stable and content-bound, so an index never mistakes one content for another."""
    return hashlib.sha1(f"{doc_id}\0{version}\0{content_hash}".encode()).hexdigest()[:32]


def latest(conn: Connection, doc_id: str) -> VersionInfo | None:
    row = conn.execute(
        select(kn_versions)
        .where(kn_versions.c.doc_id == doc_id)
        .order_by(kn_versions.c.version.desc())
        .limit(1)
    ).first()
    return _info(row) if row else None


def _info(row: Any) -> VersionInfo:
    m = row._mapping
    return VersionInfo(
        m["id"],
        m["doc_id"],
        m["version"],
        m["status"],
        m["title"],
        m["format"],
        m["size"],
        m["n_chunks"],
        m["content_hash"],
        m["created_at"],
        m["changed_at"],
        m["changed_by"],
    )


@dataclass(frozen=True, slots=True)
class NewVersion:
    app: str
    doc_id: str
    source: str
    title: str
    format: str
    text: str
    content_hash: str
    chunks: list[Chunk]


def add_version(conn: Connection, new: NewVersion, cipher: Cipher, now: Clock = time.time) -> int:
    """Store a new draft version (and the document row on first sight); returns its number.
    Title and sections are sealed, the term bags hashed (``sealed_terms``)."""
    at = now()
    prev = latest(conn, new.doc_id)
    number = prev.version + 1 if prev else 1
    title = cipher.seal_text(new.title)
    if prev is None:
        conn.execute(
            kn_documents.insert().values(
                id=new.doc_id, app=new.app, source=new.source, title=title, created_at=at
            )
        )
    else:
        conn.execute(
            kn_documents.update().where(kn_documents.c.id == new.doc_id).values(title=title)
        )
    vid = version_id(new.doc_id, number, new.content_hash)
    bags = [term_string(c.section + "\n" + c.text) for c in new.chunks]
    words = {w for bag in [*bags, term_string(new.title)] for w in bag.split()}
    conn.execute(
        kn_versions.insert().values(
            id=vid,
            doc_id=new.doc_id,
            app=new.app,
            version=number,
            content_hash=new.content_hash,
            status="draft",
            format=new.format,
            title=title,
            size=len(new.text),
            n_chunks=len(new.chunks),
            created_at=at,
            changed_at=at,
            changed_by=None,
            text_enc=cipher.encrypt(new.text.encode()),
            words_enc=seal_words(cipher, words),
        )
    )
    if new.chunks:
        key = TermKey(cipher)
        conn.execute(
            kn_chunks.insert(),
            [
                {
                    "id": f"{vid}:{c.ordinal}",
                    "version_id": vid,
                    "ordinal": c.ordinal,
                    "section": cipher.seal_text(c.section[:500]),
                    "start": c.start,
                    "end": c.end,
                    "terms": key.bag(bag),
                    "text_enc": cipher.encrypt(c.text.encode()),
                }
                for c, bag in zip(new.chunks, bags, strict=True)
            ],
        )
    return number


def _find(conn: Connection, app: str, doc_id: str, version: int | None) -> VersionInfo:
    q = select(kn_versions).where(kn_versions.c.doc_id == doc_id, kn_versions.c.app == app)
    q = (
        q.where(kn_versions.c.version == version)
        if version is not None
        else q.where(kn_versions.c.status == "draft")
        .order_by(kn_versions.c.version.desc())
        .limit(1)
    )
    row = conn.execute(q).first()
    if row is None:
        what = f"version {version}" if version is not None else "draft version"
        raise VersionError(f"no {what} of document {doc_id!r} in app {app!r}")
    return _info(row)


def bump_generation(conn: Connection, app: str, now: Clock = time.time) -> None:
    """Tell every replica that the set of approved versions changed."""
    generations.bump(conn, kn_state, app, now)


def generation(conn: Connection, app: str) -> int:
    return generations.read(conn, kn_state, app)


def _set_status(conn: Connection, vid: str, status: Status, actor: str, at: float) -> None:
    conn.execute(
        kn_versions.update()
        .where(kn_versions.c.id == vid)
        .values(status=status, changed_at=at, changed_by=actor)
    )


def approve(
    conn: Connection, app: str, doc_id: str, version: int | None, actor: str, now: Clock = time.time
) -> VersionInfo:
    """Approve a version (default: the newest draft); the approved one it replaces retires."""
    info = _find(conn, app, doc_id, version)
    if info.status != "draft":
        raise VersionError(f"{doc_id} v{info.version} is {info.status}, only drafts are approved")
    at = now()
    replaced = conn.execute(
        select(kn_versions.c.id, kn_versions.c.version).where(
            kn_versions.c.doc_id == doc_id, kn_versions.c.status == "approved"
        )
    ).all()
    for row in replaced:
        _set_status(conn, row.id, "retired", actor, at)
    _set_status(conn, info.id, "approved", actor, at)
    append_audit(
        conn,
        actor,
        "knowledge.approve",
        f"{doc_id}@{info.version}",
        {
            "app": app,
            "doc_id": doc_id,
            "version": info.version,
            "content_hash": info.content_hash,
            "supersedes": [r.version for r in replaced],
        },
    )
    bump_generation(conn, app, now)
    return _find(conn, app, doc_id, info.version)


def retire(
    conn: Connection, app: str, doc_id: str, version: int | None, actor: str, now: Clock = time.time
) -> VersionInfo:
    """Retire a version (default: the approved one); it stops being served at once."""
    if version is None:
        row = conn.execute(
            select(kn_versions.c.version).where(
                kn_versions.c.doc_id == doc_id,
                kn_versions.c.app == app,
                kn_versions.c.status == "approved",
            )
        ).first()
        if row is None:
            raise VersionError(f"document {doc_id!r} has no approved version to retire")
        version = int(row.version)
    info = _find(conn, app, doc_id, version)
    if info.status == "retired":
        raise VersionError(f"{doc_id} v{info.version} is already retired")
    _set_status(conn, info.id, "retired", actor, now())
    append_audit(
        conn,
        actor,
        "knowledge.retire",
        f"{doc_id}@{info.version}",
        {"app": app, "doc_id": doc_id, "version": info.version, "was": info.status},
    )
    bump_generation(conn, app, now)
    return _find(conn, app, doc_id, info.version)


def list_versions(
    conn: Connection, app: str, status: str | None = None, cipher: Cipher | None = None
) -> list[VersionInfo]:
    """The app's versions; with ``cipher``, their titles opened."""
    q = select(kn_versions).where(kn_versions.c.app == app)
    if status:
        q = q.where(kn_versions.c.status == status)
    rows = conn.execute(q.order_by(kn_versions.c.doc_id, kn_versions.c.version)).all()
    infos = [_info(r) for r in rows]
    return [opened(i, cipher) for i in infos] if cipher else infos


def show(
    conn: Connection, app: str, doc_id: str, version: int | None, cipher: Cipher
) -> tuple[VersionInfo, str]:
    """One version's metadata and decrypted text (default: the newest version)."""
    if version is None:
        version = conn.execute(
            select(func.max(kn_versions.c.version)).where(
                kn_versions.c.doc_id == doc_id, kn_versions.c.app == app
            )
        ).scalar()
        if version is None:
            raise VersionError(f"no document {doc_id!r} in app {app!r}")
    info = _find(conn, app, doc_id, version)
    blob: bytes = conn.execute(
        select(kn_versions.c.text_enc).where(kn_versions.c.id == info.id)
    ).scalar_one()
    return opened(info, cipher), cipher.decrypt(bytes(blob)).decode()
