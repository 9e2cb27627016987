"""Files that hold stanchion's state are the owner's alone: folders 0700, files 0600.

One place decides it, used wherever such a file is created (the SQLite database, the key
file, index files, the audit checkpoint, the spool)::

    folder = private_dir(app_dir / ".stanchion")
    private_file(folder / "stanchion.db")        # created empty at 0600, or tightened
    write_private(folder / "audit.checkpoint", b"...")  # atomic replace, 0600
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


STATE_DIR = ".stanchion"


def private_dir(path: Path) -> Path:
    """Create ``path`` and every missing parent at 0700; an existing ``.stanchion`` folder
    (stanchion's own) is tightened to 0700.

    Any other existing folder keeps its mode: a database placed in ``/tmp`` or a home folder
    must not change who can list them; the files inside are 0600 all the same.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        folder.chmod(DIR_MODE)
    if not missing and path.name == STATE_DIR and path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path, *, folder: bool = True) -> Path:
    """Make sure ``path`` exists with mode 0600 (created empty if absent), in a 0700 folder.

    A file a library creates later (SQLite's ``-wal`` and ``-shm``) copies the mode of the
    file it belongs to, so creating that file first is enough.
    """
    if folder:
        private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o777 != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    for sibling in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if sibling.exists() and sibling.stat().st_mode & 0o777 != FILE_MODE:
            sibling.chmod(FILE_MODE)
    return path


def write_private(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` atomically with ``data`` (mode 0600); ``durable`` fsyncs it first."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
