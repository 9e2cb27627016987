"""The trace spool: a local, append-only log that holds every trace from the moment its
response is ready until the store has it.

Why: the trace writer batches inserts on a thread, so a killed process would lose what is
queued. The record stage appends each trace here (one ``write`` to the OS: it survives a
killed process, not a power loss) before the response's last byte leaves; the writer
drains traces into the store and drops a segment once all of its traces are stored. At
start the writer replays segments that a dead process left (trace ids are primary keys,
so replaying a trace already stored is a no-op).

    spool = Spool(Path("/srv/app/.stanchion/spool"), max_bytes=64 << 20)
    seg, seq = spool.append(b"sealed record")
    spool.done([seg])          # the store has it: the segment may go

Layout: segments ``<pid>-<random>-<n>.seg`` in a 0700 folder, files 0600, each record a
4-byte big-endian length and the sealed bytes (the caller seals; nothing here is clear
text). Each live segment is held under an exclusive ``flock``, so several processes may
share one folder: a segment whose lock can be taken belongs to a dead process.

When full (``max_bytes`` of traces not yet stored, which only happens while the store is
unreachable), ``append`` raises ``SpoolFull`` and the request is answered 503 instead of
being answered without a trace. With ``fsync=True`` a sync thread group-commits: every
waiter of one round shares one ``fsync`` (power-loss durability for a few ms of latency).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import struct
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from stanchion.errors import SpoolFull, StoreError

log = logging.getLogger("stanchion.spool")
HEAD = struct.Struct(">I")
SUFFIX = ".seg"


@dataclass(eq=False, slots=True)
class Segment:
    """One spool file and how many of its records the store has taken."""

    path: Path
    fd: int
    size: int = 0
    appended: int = 0
    done: int = 0
    synced: int = 0
    sealed: bool = False
    closed: bool = False


def _secure_folder(folder: Path) -> None:
    if folder.is_symlink():
        raise StoreError(f"the trace spool {folder} is a symlink; give it a plain folder")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        probe = folder / f".probe-{secrets.token_hex(4)}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"cannot write the trace spool at {folder} ({exc.strerror or type(exc).__name__}); "
            "set STANCHION_SPOOL_DIR to a writable folder"
        ) from None


def read_records(fd: int) -> Iterator[bytes]:
    """The complete records of a segment; a torn tail (a write cut by power loss) ends it."""
    data = os.pread(fd, os.fstat(fd).st_size, 0)
    pos = 0
    while pos + HEAD.size <= len(data):
        (length,) = HEAD.unpack_from(data, pos)
        end = pos + HEAD.size + length
        if end > len(data):
            log.warning("a torn record ends a spool segment (%d bytes); ignored", len(data) - pos)
            return
        yield data[pos + HEAD.size : end]
        pos = end


class Spool:
    """Append-only segments with a size bound; thread-safe (the event loop appends, the
    writer thread marks records done)."""

    def __init__(
        self,
        folder: Path,
        *,
        max_bytes: int = 64 << 20,
        segment_bytes: int = 4 << 20,
        fsync: bool = False,
    ) -> None:
        _secure_folder(folder)
        self.folder, self.max_bytes = folder, max_bytes
        self.segment_bytes = min(segment_bytes, max(max_bytes // 8, 1))
        self.fsync = fsync
        self._lock = threading.Lock()
        self._prefix = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._count = 0
        self._live: dict[Path, Segment] = {}
        self.total = 0
        self.seq = 0
        self._current = self._open_segment()
        self.syncer = GroupSync(self) if fsync else None

    def _open_segment(self) -> Segment:
        self._count += 1
        path = self.folder / f"{self._prefix}-{self._count:06d}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if self.fsync:
            _fsync_dir(self.folder)
        seg = self._live[path] = Segment(path, fd)
        return seg

    def append(self, record: bytes) -> tuple[Segment, int]:
        """Write one sealed record; returns its segment and sequence number."""
        data = HEAD.pack(len(record)) + record
        with self._lock:
            cur = self._current
            if self.total + len(data) > self.max_bytes and cur.size and cur.done >= cur.appended:
                self._rotate()  # the current segment is all stored: its bytes do not count
            if self.total + len(data) > self.max_bytes:
                raise SpoolFull(
                    f"the trace spool holds {self.total} bytes of traces the store has not "
                    f"taken (limit {self.max_bytes}); the store is unreachable"
                )
            seg = self._current
            if seg.size >= self.segment_bytes:
                seg = self._rotate()
            view = memoryview(data)
            while view:
                view = view[os.write(seg.fd, view) :]
            seg.size += len(data)
            seg.appended += 1
            self.total += len(data)
            self.seq += 1
            return seg, self.seq

    def _rotate(self) -> Segment:
        old = self._current
        old.sealed = True
        self._current = self._open_segment()
        if old.done >= old.appended:
            self._drop(old)
        return self._current

    def _drop(self, seg: Segment) -> None:
        if seg.closed:
            return
        seg.closed = True
        self._live.pop(seg.path, None)
        self.total -= seg.size
        try:
            seg.path.unlink(missing_ok=True)
        finally:
            os.close(seg.fd)

    def done(self, segments: Iterable[Segment | None]) -> None:
        """The store took one record of each segment listed (once per record)."""
        with self._lock:
            touched = []
            for seg in segments:
                if seg is not None:
                    seg.done += 1
                    touched.append(seg)
            for seg in touched:
                if seg.sealed and seg.done >= seg.appended:
                    self._drop(seg)

    def orphans(self) -> Iterator[tuple[Segment, list[bytes]]]:
        """Segments that dead processes left, each now locked by this process."""
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            if path in self._live:
                continue
            seg = self._adopt(path)
            if seg is not None:
                records = list(read_records(seg.fd))
                with self._lock:
                    seg.appended = len(records)
                    if not records:
                        self._drop(seg)
                if records:
                    yield seg, records

    def _adopt(self, path: Path) -> Segment | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        seg = Segment(path, fd, size=os.fstat(fd).st_size, sealed=True)
        with self._lock:
            self._live[path] = seg
            self.total += seg.size
        return seg

    def pending(self) -> int:
        """Records appended that the store has not taken yet."""
        with self._lock:
            return sum(s.appended - s.done for s in self._live.values())

    def sync_all(self) -> None:
        with self._lock:
            segs = [s for s in self._live.values() if not s.closed and s.synced < s.size]
            sizes = [s.size for s in segs]
        for seg, size in zip(segs, sizes, strict=True):
            try:
                os.fsync(seg.fd)
            except OSError:  # dropped (closed) while we synced: nothing left to keep
                continue
            seg.synced = size

    def close(self) -> None:
        """Release the segments: those fully stored are removed, the rest stay for replay."""
        if self.syncer is not None:
            self.syncer.close()
        with self._lock:
            self._current.sealed = True
            for seg in list(self._live.values()):
                if seg.done >= seg.appended:
                    self._drop(seg)
                else:
                    seg.closed = True
                    os.close(seg.fd)
            self._live.clear()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class GroupSync:
    """One thread that fsyncs the spool for every waiter that arrived since its last round."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self._cond = threading.Condition()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._stop = False
        self.rounds = 0
        self._thread = threading.Thread(target=self._loop, name="stanchion-fsync", daemon=True)
        self._thread.start()

    def wait(self) -> asyncio.Future[None]:
        """A future that completes once everything appended so far is on disk."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._cond:
            self._waiters.append((loop, fut))
            self._cond.notify()
        return fut

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._waiters and not self._stop:
                    self._cond.wait()
                if self._stop and not self._waiters:
                    return
                batch, self._waiters = self._waiters, []
            self.spool.sync_all()
            self.rounds += 1
            for loop, fut in batch:
                loop.call_soon_threadsafe(_resolve, fut)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(10)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
