"""The Zalo token pair in the database: one per installation, refreshed by one process at a time.

A refresh first takes the row's lock, a conditional UPDATE of ``refreshing_until`` (the
outbox's claim, applied to one row), then re-reads the row: if another process refreshed
meanwhile, its pair is used and Zalo is not asked. Only the lock holder spends the
single-use refresh token, and it writes the new pair before releasing the lock. No database
transaction stays open during the HTTP call, so SQLite writers are never blocked by it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from kehoach.store.db import session
from kehoach.store.tables import ZaloToken
from notifications.channels.base import system_now
from notifications.channels.zalo_tokens import Refresh, TokenPair

LOCK_LEASE = timedelta(seconds=60)  # longer than a refresh's HTTP timeout
POLL = 0.2


def fingerprint(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class DbTokenStore:
    """``TokenStore`` on the ``zalo_token`` table, seeded with the settings' refresh token."""

    def __init__(self, engine: Engine, app_id: str, *, initial_refresh_token: str | None,
                 clock: Callable[[], datetime] = system_now) -> None:
        self.engine, self.app_id, self.clock = engine, app_id, clock
        self._initial = initial_refresh_token
        self._lock = asyncio.Lock()
        self._pair: TokenPair | None = None
        self._seeded = False

    def __repr__(self) -> str:
        return f"DbTokenStore(app_id={self.app_id!r})"

    def load(self) -> TokenPair | None:
        if self._pair is None:
            self._seed()
            self._pair = self._read()
        return self._pair

    async def rotate(self, stale_access_token: str | None, refresh: Refresh) -> TokenPair:
        async with self._lock:
            await asyncio.to_thread(self._seed)
            while not await asyncio.to_thread(self._take_lock):
                await asyncio.sleep(POLL)
            try:
                current = await asyncio.to_thread(self._read)
                if current is not None and current.access_token != stale_access_token:
                    self._pair = current
                    return current
                refresh_token = await asyncio.to_thread(self._refresh_token)
                if not refresh_token:
                    raise LookupError("chưa có refresh token Zalo (KEHOACH_ZALO_REFRESH_TOKEN)")
                pair = await refresh(refresh_token)
                await asyncio.to_thread(self._write, pair)
                self._pair = pair
                return pair
            finally:
                await asyncio.to_thread(self._free_lock)

    def _seed(self) -> None:
        """The row exists; a refresh token newer in the settings than the one it came from replaces it."""
        if self._seeded or not self._initial:
            return
        seed = fingerprint(self._initial)
        table = ZaloToken.__table__
        with session(self.engine) as s:
            dialect = s.get_bind().dialect.name
            ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
            s.execute(ins.values(app_id=self.app_id, refresh_token=self._initial, seeded_from=seed,
                                 updated_at=self.clock()).on_conflict_do_nothing(index_elements=["app_id"]))
            s.execute(update(table).where(table.c.app_id == self.app_id, or_(
                table.c.seeded_from.is_(None), table.c.seeded_from != seed))
                .values(access_token=None, refresh_token=self._initial, expires_at=None, seeded_from=seed,
                        updated_at=self.clock()))
            s.commit()
        self._seeded = True

    def _take_lock(self) -> bool:
        now = self.clock()
        with session(self.engine) as s:
            got = s.execute(
                update(ZaloToken).where(
                    col(ZaloToken.app_id) == self.app_id,
                    or_(col(ZaloToken.refreshing_until).is_(None), col(ZaloToken.refreshing_until) < now))
                .values(refreshing_until=now + LOCK_LEASE).execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            s.commit()
            if not got and s.get(ZaloToken, self.app_id) is None:
                raise LookupError("chưa có refresh token Zalo (KEHOACH_ZALO_REFRESH_TOKEN)")
        return bool(got)

    def _free_lock(self) -> None:
        with session(self.engine) as s:
            s.execute(update(ZaloToken).where(col(ZaloToken.app_id) == self.app_id)
                      .values(refreshing_until=None).execution_options(synchronize_session=False))
            s.commit()

    def _row(self) -> ZaloToken | None:
        with session(self.engine) as s:
            return s.scalars(select(ZaloToken).where(col(ZaloToken.app_id) == self.app_id)
                             .execution_options(populate_existing=True)).first()

    def _read(self) -> TokenPair | None:
        row = self._row()
        if row is None or not row.access_token or not row.refresh_token or row.expires_at is None:
            return None
        return TokenPair(row.access_token, row.refresh_token, row.expires_at)

    def _refresh_token(self) -> str | None:
        row = self._row()
        return row.refresh_token if row else None

    def _write(self, pair: TokenPair) -> None:
        with session(self.engine) as s:
            s.execute(update(ZaloToken).where(col(ZaloToken.app_id) == self.app_id)
                      .values(access_token=pair.access_token, refresh_token=pair.refresh_token,
                              expires_at=pair.expires_at, updated_at=self.clock())
                      .execution_options(synchronize_session=False))
            s.commit()
