"""Ingest: read every source of the spec, store changed content as new draft versions.

Unchanged content (same sha256) is skipped; a file that cannot be read is reported and the
rest of the batch still goes in. With ``retrieval.embeddings`` set, the chunks of every new
(or not yet embedded) version get a vector too; an embedder failure is one ``error`` row
named ``embeddings`` and the next ingest retries what is missing::

    report = ingest(spec, Path("."), store, cipher, app="support")
    print(report.counts())   # {'new': 12, 'changed': 0, 'unchanged': 3, 'error': 1}
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from sqlalchemy import create_engine, text

from stanchion.knowledge.chunking import chunk_text
from stanchion.knowledge.embed_ingest import VectorWriter
from stanchion.knowledge.embedders import Secret, build_embedder
from stanchion.knowledge.loaders import Loaded, LoadError, load_bytes
from stanchion.knowledge.spec import FileSource, KnowledgeSpec, SqlSource
from stanchion.knowledge.versions import NewVersion, add_version, approve, latest, version_id
from stanchion.settings import Settings
from stanchion.store.audit import append_audit
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store, normalize_url

INGEST_EVENT = "knowledge.ingest"  # the audit action of a run; the console shows its errors
MAX_ERRORS = 50


@dataclass(frozen=True, slots=True)
class Item:
    """One document to ingest; ``read`` returns its raw content hash and loaded text."""

    doc_id: str
    source: str
    read: Callable[[], tuple[str, Loaded]]


@dataclass(frozen=True, slots=True)
class ItemResult:
    doc_id: str
    status: str  # new | changed | unchanged | error
    version: int | None = None
    chunks: int = 0
    message: str = ""
    version_id: str = ""


@dataclass(slots=True)
class IngestReport:
    results: list[ItemResult] = field(default_factory=list)
    seconds: float = 0.0
    embedded: int = 0  # chunks given a vector

    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.results)
        return {s: c.get(s, 0) for s in ("new", "changed", "unchanged", "error")}

    def summary(self) -> dict[str, object]:
        """Counts and the first errors (document and message), for the audit event."""
        errors = [{"doc": r.doc_id, "message": r.message[:500]} for r in self.errors]
        return {"counts": self.counts(), "errors": errors[:MAX_ERRORS], "failed": len(errors)}

    @property
    def errors(self) -> list[ItemResult]:
        return [r for r in self.results if r.status == "error"]


def check_pattern(pattern: str) -> None:
    """A ``files`` glob names files under the app folder: no absolute path, no ``..``."""
    parts = PurePosixPath(pattern.replace("\\", "/")).parts
    if pattern.startswith(("/", "~")) or PureWindowsPath(pattern).anchor or ".." in parts:
        raise LoadError(
            f"files pattern {pattern!r} reaches outside the app folder (relative globs only,"
            " without '..')"
        )


def confined(path: Path, root: Path, rel: str) -> Path:
    """The real file behind ``path``; one that lies outside ``root`` is refused."""
    real = path.resolve(strict=True)
    if not real.is_relative_to(root):
        raise LoadError(f"{rel}: symlink to a file outside the app folder, refused")
    return real


def _read_plain(real: Path) -> bytes:
    """Read without following a symlink swapped in since the check."""
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _file_item(path: Path, root: Path) -> Item:
    rel = path.relative_to(root).as_posix()

    def read() -> tuple[str, Loaded]:
        data = _read_plain(confined(path, root, rel))
        return hashlib.sha256(data).hexdigest(), load_bytes(path, data)

    return Item(rel, rel, read)


def file_items(source: FileSource, app_dir: Path) -> Iterator[Item]:
    """One item per file the globs match inside the app folder. A pattern reaching out is an
    error; a matched symlink that leads out is an item whose reading is refused."""
    for pattern in source.files:
        check_pattern(pattern)
    root = app_dir.resolve()
    seen: set[Path] = set()
    for pattern in source.files:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.add(path)
                yield _file_item(path, root)


def sql_items(source: SqlSource) -> Iterator[Item]:
    """One item per row of the source query (the CRM / ERP / warehouse case)."""
    engine = create_engine(normalize_url(source.url))
    try:
        with engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(text(source.query))]
    finally:
        engine.dispose()
    for row in rows:
        yield _row_item(source, row)


def _row_item(source: SqlSource, row: dict[str, Any]) -> Item:
    if source.id_column not in row:
        raise LoadError(f"source {source.name}: query returns no column {source.id_column!r}")
    title = str(row.get(source.title_column, "") if source.title_column else "")
    key = str(row[source.id_column])
    parts = [str(row[c]) for c in source.text_columns if row.get(c) not in (None, "")]
    if len(source.text_columns) > 1:
        parts = [f"{c}: {row[c]}" for c in source.text_columns if row.get(c) not in (None, "")]
    body = (f"# {title}\n\n" if title else "") + "\n\n".join(parts)

    def read() -> tuple[str, Loaded]:
        if not parts:
            raise LoadError(f"{source.name}:{key}: empty row")
        return hashlib.sha256(body.encode()).hexdigest(), Loaded(body, title or key, "sql")

    return Item(f"{source.name}:{key}", f"sql:{source.name}", read)


def collect(spec: KnowledgeSpec, app_dir: Path) -> tuple[list[Item], list[ItemResult]]:
    items: list[Item] = []
    failed: list[ItemResult] = []
    for source in spec.sources:
        try:
            items += (
                file_items(source, app_dir) if isinstance(source, FileSource) else sql_items(source)
            )
        except Exception as exc:  # a source that cannot be reached is reported, not fatal
            name = source.name if isinstance(source, SqlSource) else ",".join(source.files)
            failed.append(ItemResult(name, "error", message=str(exc).splitlines()[0]))
    return items, failed


def ingest_item(
    store: Store,
    spec: KnowledgeSpec,
    item: Item,
    cipher: Cipher,
    app: str,
    approve_as: str | None = None,
) -> ItemResult:
    try:
        digest, loaded = item.read()
    except (LoadError, OSError) as exc:
        return ItemResult(item.doc_id, "error", message=str(exc))
    with store.engine.begin() as conn:
        prev = latest(conn, item.doc_id)
        if prev is not None and prev.content_hash == digest:
            return ItemResult(item.doc_id, "unchanged", prev.version, prev.n_chunks, "", prev.id)
        chunks = chunk_text(loaded.text, spec.chunking.size, spec.chunking.overlap)
        new = NewVersion(
            app, item.doc_id, item.source, loaded.title, loaded.format, loaded.text, digest, chunks
        )
        number = add_version(conn, new, cipher)
        if approve_as:
            approve(conn, app, item.doc_id, number, approve_as)
    status = "changed" if prev else "new"
    vid = version_id(item.doc_id, number, digest)
    return ItemResult(item.doc_id, status, number, len(chunks), "", vid)


def ingest(
    spec: KnowledgeSpec,
    app_dir: Path,
    store: Store,
    cipher: Cipher,
    app: str,
    progress: Callable[[str], None] | None = None,
    approve_as: str | None = None,
    secret: Secret | None = None,
    actor: str | None = None,
) -> IngestReport:
    """Ingest every source; ``approve_as`` approves each new version as that actor;
    ``secret`` reads an embedder's ``api_key_env`` (default: ``Settings().env_value``).
    The run is an audit event (``knowledge.ingest``, its counts and errors) by ``actor``."""
    started = time.perf_counter()
    items, failed = collect(spec, app_dir)
    report = IngestReport(list(failed))
    writer = vector_writer(spec, app_dir, store, cipher, app, secret)
    try:
        for item in items:
            result = ingest_item(store, spec, item, cipher, app, approve_as)
            report.results.append(result)
            writer.add(result.version_id, result.chunks, _announce(progress, item.doc_id))
        writer.finish()
    finally:
        writer.close()
    if writer.error:
        report.results.append(ItemResult("embeddings", "error", message=writer.error))
    report.embedded = writer.embedded
    report.seconds = time.perf_counter() - started
    with store.engine.begin() as conn:
        append_audit(conn, actor or approve_as or "ingest", INGEST_EVENT, app, report.summary())
    return report


def _announce(progress: Callable[[str], None] | None, doc_id: str) -> Callable[[], None]:
    return (lambda: progress(doc_id)) if progress else (lambda: None)


def vector_writer(
    spec: KnowledgeSpec,
    app_dir: Path,
    store: Store,
    cipher: Cipher,
    app: str,
    secret: Secret | None,
) -> VectorWriter:
    emb = spec.retrieval.embeddings
    if emb is None:
        return VectorWriter(store, cipher, app, None)
    embedder = build_embedder(emb, secret or Settings().env_value, app_dir)
    return VectorWriter(store, cipher, app, embedder, emb.batch_size * emb.concurrency)


def count_items(spec: KnowledgeSpec, app_dir: Path) -> int:
    """How many files the sources match (for a progress bar); a bad pattern counts none,
    ``ingest`` reports it."""
    total = 0
    for source in spec.sources:
        if isinstance(source, FileSource):
            try:
                total += sum(1 for _ in file_items(source, app_dir))
            except LoadError:
                continue
    return total
