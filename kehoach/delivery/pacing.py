"""The dispatcher's plumbing: rate limits, the in-flight budget, patient database calls, recording.

Recording bounds what a crash repeats: a sender takes its share of the ``Budget`` before it
sends and hands its outcome to the ``Recorder``, which gives the share back once the outcome is
committed, so at any moment no more than ``Budget`` notifications are sent but not yet recorded
(a digest counts each notification it carries). The sender renders its next message meanwhile
and sends it once that commit is done (``dispatcher._Run._sender``), so with single messages a
crash repeats at most one a sender. Outcomes that arrive while a commit is under way share the next transaction (group
commit).

A database that stops answering (SQLite locked by another writer, a full disk, PostgreSQL
restarting) is waited for ``patience`` seconds; after that the error is raised as
``DatabaseUnavailable`` and the dispatcher ends its run instead of waiting for ever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from kehoach.store.db import session
from kehoach.store.outbox import Outcome, enqueue, record

T = TypeVar("T")
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)


class DatabaseUnavailable(Exception):
    """The database refused a write for longer than the dispatcher's patience."""

    def __init__(self, what: str, cause: BaseException) -> None:
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(f"Cơ sở dữ liệu không trả lời khi {what}: {first_line}")


async def patiently(call: Callable[[], T], what: str, patience: float, *, in_thread: bool = False) -> T:
    """``call()``, tried again while the database is unavailable, for at most ``patience`` seconds.

    Only ``OperationalError`` (locked, disk full, connection lost) is waited out; any other
    database error is raised at once, as ``DatabaseUnavailable`` too.
    """
    deadline = time.monotonic() + patience
    for attempt in range(10**6):
        try:
            return await asyncio.to_thread(call) if in_thread else call()
        except DBAPIError as exc:
            delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
            if not isinstance(exc, OperationalError) or time.monotonic() + delay > deadline:
                raise DatabaseUnavailable(what, exc.orig or exc) from exc
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


class RateLimit:
    """At most ``per_second`` starts a second (None: unlimited), spaced evenly."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


class Budget:
    """A counting semaphore in notifications: a digest of five takes five."""

    def __init__(self, total: int) -> None:
        self.total = self.free = total
        self._freed = asyncio.Event()

    async def take(self, n: int) -> int:
        n = min(n, self.total)
        while self.free < n:
            self._freed.clear()
            await self._freed.wait()
        self.free -= n
        return n

    def give(self, n: int) -> None:
        self.free += n
        self._freed.set()


class Recorder:
    """Commits outcomes (and new fallback rows) in groups.

    In a worker thread: a commit waits on the disk (SQLite's fsync) or the network
    (PostgreSQL), and on the event loop that wait would stall every open SMTP conversation, not
    only the senders waiting for this commit; through a 20 ms round trip this decided the rate
    (``benchmarks/dispatch.py``'s network part). When the database stays unavailable past
    ``patience``, every waiting sender gets the error and what could not be written is kept in
    ``unwritten`` for one last try at the end of the run.
    """

    def __init__(self, engine: Engine, now: datetime, token: str, patience: float) -> None:
        self.engine, self.now, self.token, self.patience = engine, now, token, patience
        self._queue: list[tuple[Sequence[Outcome], list[dict[str, Any]], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._last: asyncio.Future[None] | None = None  # the future of the last group submitted
        self.error: DatabaseUnavailable | None = None
        self.unwritten: tuple[list[Outcome], list[dict[str, Any]]] = ([], [])

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def submit(self, outcomes: Sequence[Outcome], new_rows: list[dict[str, Any]] | None = None,
               ) -> asyncio.Future[None]:
        """Queue ``outcomes`` for the next commit; the future is done once they are committed.

        Raises ``DatabaseUnavailable`` at once when an earlier commit failed (what it was given
        is kept in ``unwritten``); a failed commit fails its future with that error too.
        """
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.error is not None or self._closed:  # closed: a sender the stop left behind
            self.unwritten[0].extend(outcomes)
            self.unwritten[1].extend(new_rows or [])
            if self.error is not None:
                raise self.error
            fut.set_result(None)
            return fut
        self._queue.append((outcomes, new_rows or [], fut))
        self._last = fut
        self._wake.set()
        return fut

    async def put(self, outcomes: Sequence[Outcome], new_rows: list[dict[str, Any]] | None = None) -> None:
        """Return once ``outcomes`` are committed; raise ``DatabaseUnavailable`` if they cannot be."""
        await self.submit(outcomes, new_rows)

    async def flush(self) -> None:
        """Wait until everything submitted so far is committed; raise the error of a failed commit.

        Commits happen in order and a failed one fails every later future, so waiting for the
        last submitted is enough.
        """
        if self.error is not None:
            raise self.error
        if self._last is not None:
            await asyncio.shield(self._last)

    async def close(self, grace: float) -> None:
        """Commit what is queued and end; after ``grace`` seconds, keep the rest in ``unwritten``."""
        self._closed = True
        self._wake.set()
        if self._task and not (await asyncio.wait({self._task}, timeout=grace))[0]:
            self._task.cancel()
            for group, extra, _ in self._queue:
                self.unwritten[0].extend(group)
                self.unwritten[1].extend(extra)
            self._queue = []

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(0)  # let the other senders' outcomes join this commit
            self._wake.clear()
            taken, self._queue = self._queue, []
            if taken:
                outcomes = [o for group, _, _ in taken for o in group]
                rows = [r for _, group, _ in taken for r in group]
                try:
                    await patiently(lambda o=outcomes, r=rows: self.write(o, r), "ghi kết quả gửi", self.patience,
                                    in_thread=True)
                except DatabaseUnavailable as exc:
                    self.error = exc
                    self.unwritten = (outcomes, rows)
                    for group, extra, _ in self._queue:
                        self.unwritten[0].extend(group)
                        self.unwritten[1].extend(extra)
                    for _, _, fut in taken + self._queue:
                        if not fut.done():
                            fut.set_exception(exc)
                    self._queue = []
                    return
                for _, _, fut in taken:
                    if not fut.done():
                        fut.set_result(None)
            if self._closed and not self._queue:
                return

    def write(self, outcomes: list[Outcome], rows: list[dict[str, Any]]) -> None:
        """Commit the email fallbacks, then the outcomes that caused them.

        In that order a crash between the two commits loses nothing: the failed row is still
        claimed, is sent again once its lease lapses, fails again, and its fallback's key is
        already there. The other way round, the failure would be recorded and the email never
        written.
        """
        if rows:
            with session(self.engine) as s:
                enqueue(s, rows)
        with self.engine.connect() as conn:
            record(conn, outcomes, self.now, self.token)
