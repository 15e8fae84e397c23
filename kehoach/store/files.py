"""Files under the data directory: private to the service's account, whole or absent.

The database, the uploads and the signing key are the office's data; folders are created
0700 and files 0600 whatever the umask. A file is written under a temporary name, flushed,
then renamed, so a full disk or a crash never leaves a truncated file under the real name.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents as 0700 (existing folders keep their mode)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for p in reversed(missing):
        try:
            p.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(p, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and 0600 if it does not exist (before SQLite opens it, say).

    An existing file is never opened here: closing any descriptor of an SQLite database drops
    every POSIX lock this process holds on it, and another process closing the database would
    then delete the write-ahead log under this process's open connections (their writes lost).
    """
    private_dir(path.parent)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        except FileExistsError:
            pass  # another process made it first
    return path


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (0600) whole, or raise OSError leaving nothing behind."""
    private_dir(path.parent)
    draft = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(draft, path)
    except OSError:
        draft.unlink(missing_ok=True)
        raise
