"""Zalo OAuth tokens kept on disk, rotated under a lock.

Zalo refresh tokens are single-use: each refresh returns a new pair and voids the old refresh
token. Two senders that refresh with the same token lock the account out until an admin
re-authorises the app. So a refresh holds an asyncio.Lock (tasks of this process) and an
fcntl lock on ``<path>.lock`` (other processes), re-reads the file inside the lock (someone
may have refreshed already), and writes the new pair (temp file + os.replace) before anyone
uses the new access token.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime  # aware

    def __repr__(self) -> str:  # tokens are secrets: never in a log line or a traceback
        return f"TokenPair(expires_at={self.expires_at.isoformat()})"


Refresh = Callable[[str], Awaitable[TokenPair]]


class FileTokenStore:
    """``{access_token, refresh_token, expires_at}`` in a JSON file readable only by its owner."""

    def __init__(self, path: Path | str, *, initial_refresh_token: str | None = None) -> None:
        self.path = Path(path)
        self._initial_refresh_token = initial_refresh_token
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> TokenPair | None:
        """The stored pair, or None before the first refresh. os.replace makes reads atomic."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return TokenPair(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
        )

    async def rotate(self, stale_access_token: str | None, refresh: Refresh) -> TokenPair:
        """A working pair: someone else's fresh one, or ours from ``refresh(refresh_token)``.

        ``stale_access_token`` is the token the caller found wanting (expired or rejected);
        if the file already holds a different one, another task or process rotated meanwhile.
        """
        async with self._lock:
            lock_file = await asyncio.to_thread(self._acquire_file_lock)
            try:
                current = self.load()
                if current is not None and current.access_token != stale_access_token:
                    return current
                refresh_token = current.refresh_token if current else self._initial_refresh_token
                if not refresh_token:
                    raise LookupError(f"no Zalo refresh token in {self.path} nor in the settings")
                pair = await refresh(refresh_token)
                self._write(pair)
                return pair
            finally:
                lock_file.close()  # closing the descriptor releases the flock

    def _acquire_file_lock(self) -> IO[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(self.path.with_name(self.path.name + ".lock"), "a")
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        return lock_file

    def _write(self, pair: TokenPair) -> None:
        data = {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_at": pair.expires_at.isoformat(),
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise
