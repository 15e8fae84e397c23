"""Uploaded plan documents waiting for review: ``data/imports/<account>/<token>/<file>``.

A document stays until its plan is saved; one a clerk uploads and never saves would stay for
ever, so every upload first removes the drafts no one has opened for ``import_draft_days``
(a draft's age is the time since it was uploaded or last re-shown, so one under review is
never old). The draft just uploaded is never removed by its own upload.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

TOKEN = re.compile(r"[0-9a-f]{32}")


def store(root: Path, account: int, filename: str, content: BinaryIO, now: datetime) -> tuple[str, Path]:
    """Keep an uploaded document under a new random token, opened ``now``; returns the token and the file."""
    token = secrets.token_hex(16)
    folder = root / str(account) / token
    folder.mkdir(parents=True)
    path = folder / (Path(filename).name or "ke-hoach")
    with path.open("wb") as out:
        shutil.copyfileobj(content, out)
    _opened(folder, now)
    return token, path


def stored(root: Path, account: int, token: str, now: datetime) -> Path | None:
    """The document ``account`` uploaded under ``token`` (now counted as just opened), or None."""
    folder = root / str(account) / token
    files = sorted(folder.iterdir()) if TOKEN.fullmatch(token) and folder.is_dir() else []
    if len(files) != 1:
        return None
    _opened(folder, now)
    return files[0]


def clean_stale(root: Path, max_age: timedelta, now: datetime, keep: Path | None = None) -> list[Path]:
    """Remove every account's drafts not opened within ``max_age`` of ``now``, except ``keep``; the removed."""
    removed = []
    for folder in sorted(root.glob("*/*")):
        if folder.is_dir() and folder != keep and TOKEN.fullmatch(folder.name):
            if now.timestamp() - folder.stat().st_mtime > max_age.total_seconds():
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def _opened(folder: Path, now: datetime) -> None:
    """A draft's age counts from ``now`` (the app's clock, the one ``clean_stale`` compares with)."""
    os.utime(folder, (now.timestamp(), now.timestamp()))
