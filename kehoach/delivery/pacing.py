"""The dispatcher's plumbing: per-channel rate limits and group-committed outcome recording.

Recording is the reason a crash repeats at most ``concurrency`` messages: a sender hands its
outcome to the ``Recorder`` and waits until it is committed before sending the next message,
so at any moment no more than one message per sender is sent but not yet recorded. Outcomes
that arrive together share one transaction (group commit), which keeps the database cheap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from kehoach.store.db import session
from kehoach.store.outbox import Outcome, enqueue, record


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


class Recorder:
    """Commits outcomes (and new fallback rows) in groups.

    On the event loop itself: every sender is waiting for this commit anyway, and a worker
    thread only adds the wait for the GIL (measured: twice the commits' wall time).
    """

    def __init__(self, engine: Engine, now: datetime, token: str) -> None:
        self.engine, self.now, self.token = engine, now, token
        self._queue: list[tuple[Sequence[Outcome], list[dict[str, Any]], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def put(self, outcomes: Sequence[Outcome], new_rows: list[dict[str, Any]] | None = None) -> None:
        """Return once ``outcomes`` are committed."""
        if self._task is not None and self._task.done():
            raise RuntimeError("the outcome recorder stopped; see the earlier error")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcomes, new_rows or [], fut))
        self._wake.set()
        await fut

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._task:
            await self._task

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
                    self._write(outcomes, rows)
                except BaseException as exc:  # the senders must learn that nothing was recorded
                    for _, _, fut in taken:
                        fut.set_exception(exc)
                    raise
                for _, _, fut in taken:
                    fut.set_result(None)
            if self._closed and not self._queue:
                return

    def _write(self, outcomes: list[Outcome], rows: list[dict[str, Any]]) -> None:
        with session(self.engine) as s:
            record(s, outcomes, self.now, self.token)
            if rows:
                enqueue(s, rows)
