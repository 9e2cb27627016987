"""The prefilter's compiled database kept on disk: a process loads in milliseconds what took
hyperscan ~1.5 s of CPU (and the loosening ~0.1 s under the GIL) to build::

    key = cache_key({0: r"ignore\\s+previous"})
    stored = load(folder, key)          # None: absent, foreign, corrupt or not ours
    if stored is None:
        store(folder, key, always, db)  # atomic; silently skipped when it cannot be written

A file is named by a digest of everything the database depends on: the patterns, this
package's loosening code, the Python (its regex parser) and hyperscan versions and the
machine. It is trusted only where nobody but this user could have written it: the folder
and the file are owned by the process's user and writable by nobody else, neither is a
symbolic link, and the file's own digest of its database matches. Anything else (a partial
write, another version's file, a corrupt or planted one, an unwritable folder) is ignored,
and the database built again; a loaded database is only ever a prefilter, so what it reads
is never worse than a rebuild would be, but a planted one could hide a signal: hence the
checks of who owns what.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import secrets
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stanchion.guards.needles import hyperscan

__all__ = ["MAX_BYTES", "cache_key", "load", "store"]

_MAGIC = b"stanchion-prefilter 1\n"
_SUFFIX = ".hsdb"
# A database of the default table is ~1.5 MB; a file larger than this is not one of ours.
MAX_BYTES = 64 << 20
# Tables kept per folder (a custom policy's extra phrases make a table of its own).
KEEP = 8
_CODE = Path(__file__).with_name("prefilter.py")


def cache_key(patterns: Mapping[int, str]) -> str:
    """The digest naming the database of ``patterns`` (hex)."""
    digest = hashlib.sha256()
    for part in (
        _MAGIC.decode(),
        getattr(hyperscan, "__version__", "?"),
        sys.version,
        platform.machine(),
        platform.system(),
        hashlib.sha256(_CODE.read_bytes()).hexdigest(),
    ):
        digest.update(part.encode() + b"\0")
    for bit, pattern in sorted(patterns.items()):
        raw = pattern.encode("utf-8", "surrogatepass")
        digest.update(f"{bit}\0{len(raw)}\0".encode() + raw)
    return digest.hexdigest()


def load(folder: Path, key: str) -> tuple[int, Any] | None:
    """The bits always possible and the database stored under ``key``, or None."""
    data = _read(folder, key + _SUFFIX)
    if data is None or not data.startswith(_MAGIC):
        return None
    head, _, payload = data[len(_MAGIC) :].partition(b"\n\n")
    try:
        stored_key, always, digest = head.decode("ascii").split("\n")
        bits = int(always)
    except ValueError:
        return None
    if stored_key != key or _digest(key, bits, payload) != digest or bits < 0:
        return None
    try:
        db = hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
        # Scratch space is made only for a database hyperscan holds valid here (its own
        # checksum, version and this CPU's features): a scan would otherwise raise later.
        hyperscan.Scratch(db)
    except (hyperscan.error, TypeError, ValueError):
        return None
    return bits, db


def store(folder: Path, key: str, always: int, db: Any) -> bool:
    """Write the database under ``key`` atomically; False when it could not be."""
    try:
        payload = hyperscan.dumpb(db)
        head = f"{key}\n{always}\n{_digest(key, always, payload)}\n\n".encode("ascii")
        return _write(folder, key + _SUFFIX, _MAGIC + head + payload)
    except (OSError, hyperscan.error):
        return False


def _digest(key: str, always: int, payload: bytes) -> str:
    """What the file says of itself, the header with the database: any change to either shows."""
    return hashlib.sha256(f"{key}\n{always}\n".encode("ascii") + payload).hexdigest()


def _owned(info: os.stat_result) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _open_folder(folder: Path, create: bool) -> int | None:
    """A descriptor of ``folder`` if it is ours (created at 0700 inside an existing parent
    when ``create``), else None."""
    if create:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    if not _owned(os.fstat(fd)):
        os.close(fd)
        return None
    return fd


def _read(folder: Path, name: str) -> bytes | None:
    dir_fd = _open_folder(folder, create=False)
    if dir_fd is None:
        return None
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or not _owned(info) or info.st_size > MAX_BYTES:
            return None
        data = file.read(MAX_BYTES + 1)
    return data if len(data) <= MAX_BYTES else None


def _write(folder: Path, name: str, data: bytes) -> bool:
    dir_fd = _open_folder(folder, create=True)
    if dir_fd is None:
        return False
    # A name of its own per writer: builders in several processes never share a file.
    tmp = f".{name}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd
        )
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError:
            _unlink(tmp, dir_fd)
            raise
        _prune(dir_fd, name)
        return True
    finally:
        os.close(dir_fd)


def _prune(dir_fd: int, kept: str) -> None:
    """Drop the oldest databases past KEEP."""
    entries = []
    for entry in os.scandir(dir_fd):
        if entry.name.endswith(_SUFFIX) and entry.name != kept:
            entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.name))
    for _, old in sorted(entries)[: max(0, len(entries) + 1 - KEEP)]:
        _unlink(old, dir_fd)


def _unlink(name: str, dir_fd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)
