"""dispatch(now): claim due notifications, render, send through the channels, record.

Batches are claimed with a lease (``store.outbox.claim``); inside a batch each channel has
``concurrency`` senders that share a rate limit. A sender records its outcome before it
takes the next message (``pacing.Recorder``), so a crash repeats at most ``concurrency``
messages. A channel that fails ``BREAKER`` times in a row is left alone for the rest of the
run: its rows go back to pending untouched and wait for the next dispatch.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from kehoach.calendar import WorkingCalendar
from kehoach.delivery.digest import Bundle
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.delivery.lateness import DEFAULT_LATE_WINDOW
from kehoach.delivery.pacing import RateLimit, Recorder
from kehoach.delivery.preparation import Prepared, prepare, render_bundle
from kehoach.store.db import session
from kehoach.store.outbox import Outcome, claim, due, new_token
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.tracking import submitted_units
from notifications.channels.base import Channel, DeliveryError
from notifications.message import OutgoingMessage

SubmittedUnits = Callable[[Session, str, str], set[str]]
Links = Callable[[str, str, str], str]  # (plan, unit, period) → the unit's signed submission link
Job = tuple[Bundle[Outbox], dict[str, dict[str, Any]]]
BREAKER = 5  # consecutive retryable failures per sender after which a channel rests until the next run
TRIES = 3  # tries of one message within a run before it waits for the next dispatch
BACKOFF = (0.2, 1.0)


@dataclass
class DispatchSummary:
    now: datetime
    dry_run: bool = False
    claimed: int = 0
    messages: int = 0  # messages sent (a digest counts once)
    sent: int = 0  # notifications sent
    failed: int = 0
    retried: int = 0  # back to pending: retried on the next dispatch
    skipped: int = 0
    fallbacks: int = 0  # email rows added after a permanent Zalo failure
    by_channel: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # the first few failures, for the operator
    skip_reasons: Counter[str] = field(default_factory=Counter)

    def note(self, outcome: Outcome) -> None:
        name = {Status.SENT: "sent", Status.FAILED: "failed", Status.SKIPPED: "skipped", Status.PENDING: "retried"}
        attr = name[outcome.status]
        setattr(self, attr, getattr(self, attr) + 1)
        if outcome.status is Status.SENT:
            self.by_channel[outcome.row.channel] += 1
        elif outcome.status is Status.SKIPPED:
            self.skip_reasons[outcome.error or ""] += 1
        elif outcome.error and len(self.errors) < 20:
            self.errors.append(f"{outcome.row.key}: {outcome.error}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(), "dry_run": self.dry_run, "claimed": self.claimed,
            "messages": self.messages, "sent": self.sent, "failed": self.failed, "retried": self.retried,
            "skipped": self.skipped, "fallbacks": self.fallbacks, "by_channel": dict(self.by_channel),
            "errors": self.errors, "skip_reasons": dict(self.skip_reasons),
        }


@dataclass
class Options:
    batch_size: int = 500
    lease: timedelta = timedelta(minutes=10)
    late_window: int = DEFAULT_LATE_WINDOW
    concurrency: Mapping[str, int] = field(default_factory=lambda: {"email": 10, "zalo": 4})
    rate_per_second: Mapping[str, float] = field(default_factory=lambda: {"zalo": 10.0})
    digest_channels: frozenset[str] = frozenset({"email"})


class _Run:
    """One dispatch: the claim loop, the senders, and what they learned."""

    def __init__(self, engine: Engine, directory: Directory, calendar: WorkingCalendar | None,
                 channels: Mapping[str, Channel | None], now: datetime, opts: Options,
                 submitted: SubmittedUnits, progress: Callable[[DispatchSummary], None] | None,
                 links: Links | None) -> None:
        self.engine, self.directory, self.calendar = engine, directory, calendar
        self.channels, self.now, self.opts = channels, now, opts
        self.submitted, self.progress, self.links = submitted, progress, links
        self.plans: Mapping[str, Plan] | None = None
        self.token = new_token()
        self.summary = DispatchSummary(now)
        self.down: dict[str, str] = {}  # channel → the error that made it rest
        self.failures: Counter[str] = Counter()
        self.limits = {name: RateLimit(opts.rate_per_second.get(name)) for name in channels}
        self.recorder = Recorder(engine, now, self.token)

    def _prepare(self, rows: list[Outbox]) -> Prepared:
        with session(self.engine) as s:
            return prepare(rows, s, self.now, directory=self.directory, calendar=self.calendar,
                           channels=self.channels, submitted=self.submitted,
                           late_window=self.opts.late_window, digest_channels=self.opts.digest_channels,
                           links=self.links, plans=self.plans)

    def _claim(self) -> list[Outbox]:
        with session(self.engine) as s:
            return claim(s, self.now, self.opts.lease, self.opts.batch_size, token=self.token,
                         exclude_channels=self.down)

    async def run(self) -> DispatchSummary:
        """A producer claims batches and feeds per-channel queues; senders drain them.

        The producer claims the next batch while senders finish the last, so connections do
        not idle between batches. Only when the queues are empty and a claim still finds
        nothing (fallback rows written meanwhile included) is the run over.
        """
        self.recorder.start()
        queues: dict[str, asyncio.Queue[Job | None]] = {
            name: asyncio.Queue(maxsize=2 * self.opts.concurrency.get(name, 1))
            for name, ch in self.channels.items() if ch is not None
        }
        senders = [asyncio.create_task(self._sender(name, q))
                   for name, q in queues.items() for _ in range(self.opts.concurrency.get(name, 1))]
        try:
            while True:
                rows = await asyncio.to_thread(self._claim)
                if not rows:
                    await _drained(queues, senders)
                    rows = await asyncio.to_thread(self._claim)
                    if not rows:
                        break
                self.summary.claimed += len(rows)
                ready = self._prepare(rows)
                for o in ready.outcomes:
                    self.summary.note(o)
                if ready.outcomes:
                    await self.recorder.put(ready.outcomes)
                for job in ready.bundles:
                    await queues[job[0].channel].put(job)
                if self.progress:
                    self.progress(self.summary)
            for name, q in queues.items():
                for _ in range(self.opts.concurrency.get(name, 1)):
                    await q.put(None)
            await asyncio.gather(*senders)
        finally:
            for t in senders:
                t.cancel()
            await self.recorder.close()
        return self.summary

    async def _sender(self, name: str, q: asyncio.Queue[Job | None]) -> None:
        channel = self.channels[name]
        assert channel is not None  # prepare() skipped the rows of unconfigured channels
        while (job := await q.get()) is not None:
            b, contexts = job
            try:
                try:
                    msg = render_bundle(b, contexts, self.directory)
                except Exception as exc:  # a template error fails these rows visibly, the run goes on
                    outcomes = [Outcome(r, Status.FAILED, f"Lỗi soạn nội dung: {type(exc).__name__}: {exc}",
                                        attempted=False) for r in b.items]
                    new_rows: list[dict[str, Any]] = []
                else:
                    outcomes, new_rows = await self._send(name, channel, b, msg)
                for o in outcomes:
                    self.summary.note(o)
                self.summary.fallbacks += len(new_rows)
                await self.recorder.put(outcomes, new_rows)
            finally:
                q.task_done()
        q.task_done()

    async def _send(self, name: str, channel: Channel, b: Bundle[Outbox], msg: OutgoingMessage,
                    ) -> tuple[list[Outcome], list[dict[str, Any]]]:
        for attempt in range(TRIES):
            if name in self.down:
                return [Outcome(r, Status.PENDING, self.down[name], attempted=False) for r in b.items], []
            try:
                await self.limits[name].wait()
                delivery = await channel.send(msg)
            except DeliveryError as exc:
                error = exc.reason
                if exc.retry_at is not None:
                    return [Outcome(r, Status.PENDING, error, retry_at=exc.retry_at) for r in b.items], []
                if exc.permanent:
                    self.failures[name] = 0
                    return [Outcome(r, Status.FAILED, error) for r in b.items], self._fallbacks(b, exc)
            except Exception as exc:  # a channel bug must not lose the row: it stays pending
                error = f"{type(exc).__name__}: {exc}"
            else:
                self.failures[name] = 0
                self.summary.messages += 1
                return [Outcome(r, Status.SENT, None, delivery.provider_id, b.key, delivery.sent_at)
                        for r in b.items], []
            self.failures[name] += 1
            if self.failures[name] >= BREAKER * self.opts.concurrency.get(name, 1):
                self.down.setdefault(name, error)
            if attempt + 1 < TRIES and name not in self.down:
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
        return [Outcome(r, Status.PENDING, error) for r in b.items], []

    def _fallbacks(self, b: Bundle[Outbox], exc: DeliveryError) -> list[dict[str, Any]]:
        """An email row for each notification a permanent Zalo failure left unreached."""
        if not exc.fallback_email or b.channel == "email":
            return []
        if not self.directory.has_unit(b.unit) or not self.directory.unit(b.unit).emails:
            return []
        return [fallback_row(r, self.now, exc.reason) for r in b.items]


def fallback_row(row: Outbox, now: datetime, reason: str) -> dict[str, Any]:
    return {
        "key": f"{row.key}/fallback-email", "plan": row.plan, "kind": row.kind, "unit": row.unit,
        "channel": "email", "period": row.period, "send_at": now, "deadline": row.deadline,
        "subject": row.subject, "context": {**row.context, "fallback_reason": reason},
        "content_hash": "fallback", "source": "fallback", "status": Status.PENDING.value,
        "attempts": 0, "updated_at": now,
    }


async def dispatch_async(
    engine: Engine, directory: Directory, channels: Mapping[str, Channel | None], now: datetime, *,
    calendar: WorkingCalendar | None = None, dry_run: bool = False, options: Options | None = None,
    submitted: SubmittedUnits | None = None, progress: Callable[[DispatchSummary], None] | None = None,
    links: Links | None = None, plans: Mapping[str, Plan] | None = None,
) -> DispatchSummary:
    """Send everything due at ``now``; ``dry_run`` only reports what would happen.

    ``links`` gives the signed submission link that report reminders carry; ``plans`` (by
    id) tell each unit its role, duties, form and whom to ask (``delivery.briefing``).
    """
    if now.tzinfo is None:
        raise ValueError("dispatch needs an aware 'now'")
    run = _Run(engine, directory, calendar, channels, now, options or Options(),
               submitted or submitted_units, progress, links)
    run.plans = plans
    if dry_run:
        with session(engine) as s:
            rows = due(s, now)
        ready = run._prepare(rows)
        summary = DispatchSummary(now, dry_run=True, claimed=len(rows), messages=len(ready.bundles))
        for o in ready.outcomes:
            summary.note(o)
        summary.sent = sum(len(b.items) for b, _ in ready.bundles)  # would be sent
        return summary
    return await run.run()


async def _drained(queues: Mapping[str, asyncio.Queue[Job | None]], senders: list[asyncio.Task[None]]) -> None:
    """Wait until every queued job is recorded; re-raise at once if a sender died."""
    joined = asyncio.ensure_future(asyncio.gather(*(q.join() for q in queues.values())))
    done, _ = await asyncio.wait([joined, *senders], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not joined:
            joined.cancel()
            task.result()  # a sender only ends early by raising
            raise RuntimeError("a sender stopped before the queues were drained")


class HasDirectory(Protocol):
    """What dispatch needs of ``kehoach.plans.config.Config``."""

    directory: Directory
    plans: Mapping[str, Plan]

    def calendar(self, years: Iterable[int]) -> WorkingCalendar: ...


def dispatch(engine: Engine, config: HasDirectory, channels: Mapping[str, Channel | None],
             now: datetime, **kwargs: Any) -> DispatchSummary:
    """The synchronous entry for the CLI and flows; closes the channels afterwards."""
    kwargs.setdefault("calendar", config.calendar([now.year]))
    kwargs.setdefault("plans", config.plans)

    async def main() -> DispatchSummary:
        try:
            return await dispatch_async(engine, config.directory, channels, now, **kwargs)
        finally:
            for ch in channels.values():
                if ch is not None:
                    await ch.aclose()

    return asyncio.run(main())
