"""Chunk vectors in the store (``kn_vectors``): what still needs embedding, writing
vectors, and reading those of approved versions. Every function takes a ``Connection``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, func, select

from stanchion.knowledge.schema import kn_chunks, kn_vectors, kn_versions
from stanchion.knowledge.vectors import Vector, from_bytes, to_bytes
from stanchion.store.crypto import Cipher

LIVE = ("draft", "approved")


def unembedded(
    conn: Connection, model: str, version_ids: list[str] | None = None, app: str | None = None
) -> list[str]:
    """Versions (of ``version_ids``, or every draft or approved one of ``app``) with a chunk
    that has no vector from ``model``."""
    vec = kn_vectors.alias("vec")
    q = (
        select(kn_chunks.c.version_id)
        .join(vec, and_(vec.c.chunk_id == kn_chunks.c.id, vec.c.model == model), isouter=True)
        .group_by(kn_chunks.c.version_id)
        .having(func.count(vec.c.chunk_id) < func.count(kn_chunks.c.id))
    )
    if version_ids is not None:
        q = q.where(kn_chunks.c.version_id.in_(version_ids))
    if app is not None:
        q = q.join(kn_versions, kn_versions.c.id == kn_chunks.c.version_id).where(
            kn_versions.c.app == app, kn_versions.c.status.in_(LIVE)
        )
    return sorted(conn.execute(q).scalars())


def chunk_texts(
    conn: Connection, version_ids: list[str], cipher: Cipher
) -> list[tuple[str, str, str]]:
    """(chunk id, version id, text to embed: title, section and chunk text)."""
    rows = conn.execute(
        select(kn_chunks.c.id, kn_chunks.c.version_id, kn_versions.c.title)
        .add_columns(kn_chunks.c.section, kn_chunks.c.text_enc)
        .join(kn_versions, kn_versions.c.id == kn_chunks.c.version_id)
        .where(kn_chunks.c.version_id.in_(version_ids))
        .order_by(kn_chunks.c.version_id, kn_chunks.c.ordinal)
    ).all()
    open_ = cipher.open_text  # title and section are sealed
    return [
        (r[0], r[1], "\n".join([open_(r[2]), open_(r[3]), cipher.decrypt(bytes(r[4])).decode()]))
        for r in rows
    ]


def write_vectors(conn: Connection, model: str, rows: list[tuple[str, str, Vector]]) -> None:
    """Store (chunk id, version id, vector) rows, replacing any other model's vector."""
    if not rows:
        return
    conn.execute(kn_vectors.delete().where(kn_vectors.c.chunk_id.in_([r[0] for r in rows])))
    conn.execute(
        kn_vectors.insert(),
        [
            {"chunk_id": c, "version_id": v, "model": model, "dim": len(x), "vector": to_bytes(x)}
            for c, v, x in rows
        ],
    )


def approved_versions(conn: Connection, app: str) -> set[str]:
    q = select(kn_versions.c.id).where(kn_versions.c.app == app, kn_versions.c.status == "approved")
    return set(conn.execute(q).scalars())


def read_vectors(
    conn: Connection, model: str, version_ids: Iterable[str]
) -> dict[str, list[tuple[str, Vector]]]:
    """The vectors from ``model`` of each of ``version_ids`` (versions without any: absent)."""
    out: dict[str, list[tuple[str, Vector]]] = {}
    rows = conn.execute(
        select(kn_vectors.c.version_id, kn_vectors.c.chunk_id, kn_vectors.c.vector).where(
            kn_vectors.c.version_id.in_(list(version_ids)), kn_vectors.c.model == model
        )
    )
    for vid, cid, blob in rows:
        out.setdefault(vid, []).append((cid, from_bytes(bytes(blob))))
    return out
