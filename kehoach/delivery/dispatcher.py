"""dispatch(now): claim due notifications, render, send through the channels, record.

Batches are claimed with a lease (``store.outbox.claim``), renewed while the run is alive;
inside a batch each channel has ``concurrency`` senders that share a rate limit. A sender
records its outcome before its share of the in-flight budget is free again
(``pacing.Recorder``), so a crash repeats at most ``Options.in_flight`` notifications. A
channel whose server refuses the session or the sender, or that fails ``BREAKER`` times in
a row, is left alone for the rest of the run: its rows go back to pending with the reason
and wait for the next dispatch. A database that stays unavailable ends the run with
``DispatchAborted``: what was claimed and not sent goes back to pending (at once, or when
the lease lapses if the database cannot even take that), nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from kehoach.calendar import WorkingCalendar, build_calendar
from kehoach.delivery.contexts import EventContexts
from kehoach.delivery.digest import DIGEST_MAX, Bundle
from kehoach.delivery.lateness import DEFAULT_LATE_WINDOW
from kehoach.delivery.pacing import Budget, DatabaseUnavailable, RateLimit, Recorder, patiently
from kehoach.delivery.preparation import Prepared, prepare, render_bundle
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.store.db import session
from kehoach.store.outbox import Claimed, Outcome, claim, due, new_token, release, renew
from kehoach.store.tables import Status
from kehoach.submissions.tracking import submitted_units
from notifications.channels.base import Channel, DeliveryError
from notifications.message import OutgoingMessage

SubmittedUnits = Callable[[Session, str, str], set[str]]
Links = Callable[[str, str, str], str]  # (plan, unit, period) → the unit's signed submission link
Job = tuple[Bundle[Claimed], dict[str, dict[str, Any]]]
BREAKER = 5  # consecutive retryable failures per sender after which a channel rests until the next run
TRIES = 3  # tries of one message within a run before it waits for the next dispatch
BACKOFF = (0.2, 1.0)
RELEASED = "Lần gửi bị dừng trước khi gửi thông báo này; sẽ gửi ở lần sau"
# Once a run stops, its tasks get this long to end; a task still running is cancelled again
# every STOP_AGAIN seconds (Python 3.11's wait_for, which a channel's client library may await
# with, drops a cancellation that meets a reply already arrived: python/cpython#86296; aiosmtplib
# did, the SMTP session of notifications.channels.smtp_session waits with asyncio.timeout).
STOP_GRACE = 10.0
STOP_AGAIN = 0.5
SWITCH_INTERVAL = 0.0002  # seconds a thread keeps the GIL while another waits for it (see handing_over_often)
_running, _interval_before = 0, 0.005  # runs going on in this process, and the interval before the first
log = logging.getLogger(__name__)


@dataclass
class DispatchSummary:
    now: datetime
    dry_run: bool = False
    claimed: int = 0
    messages: int = 0  # messages sent (a digest counts once)
    sent: int = 0  # notifications sent
    failed: int = 0
    retried: int = 0  # back to pending: retried on the next dispatch
    deferred: int = 0  # of ``retried``: deferred on the provider's word (a quota), not a failure
    skipped: int = 0
    fallbacks: int = 0  # email rows added after a permanent Zalo failure
    by_channel: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # failure reason → notifications, for the operator
    skip_reasons: Counter[str] = field(default_factory=Counter)
    channels_down: dict[str, str] = field(default_factory=dict)  # channel → why it rested this run
    aborted: str | None = None  # why the run ended early (the database stopped answering)

    def note(self, outcome: Outcome) -> None:
        name = {Status.SENT: "sent", Status.FAILED: "failed", Status.SKIPPED: "skipped", Status.PENDING: "retried"}
        attr = name[outcome.status]
        setattr(self, attr, getattr(self, attr) + 1)
        if outcome.status is Status.SENT:
            self.by_channel[outcome.row.channel] += 1
        elif outcome.status is Status.SKIPPED:
            self.skip_reasons[outcome.error or ""] += 1
        elif outcome.error and outcome.retry_at is None:
            self.errors[outcome.error] += 1

    @property
    def exit_code(self) -> int:
        """0 all went as planned; 1 something failed or must wait; 2 nothing could be sent."""
        trouble = self.failed + self.retried - self.deferred
        if self.aborted or trouble:
            return 2 if self.messages == 0 else 1
        return 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(), "dry_run": self.dry_run, "claimed": self.claimed,
            "messages": self.messages, "sent": self.sent, "failed": self.failed, "retried": self.retried,
            "deferred": self.deferred, "skipped": self.skipped, "fallbacks": self.fallbacks, "by_channel": dict(self.by_channel),
            "errors": dict(self.errors), "skip_reasons": dict(self.skip_reasons),
            "channels_down": self.channels_down, "aborted": self.aborted, "exit_code": self.exit_code,
        }


class DispatchAborted(Exception):
    """The run ended early because the database stopped answering; ``summary`` says what was done."""

    def __init__(self, summary: DispatchSummary) -> None:
        super().__init__(summary.aborted)
        self.summary = summary

    def __reduce__(self) -> tuple[type[DispatchAborted], tuple[DispatchSummary]]:
        return DispatchAborted, (self.summary,)  # Prefect may pickle a task's exception


@dataclass
class Options:
    batch_size: int = 500
    lease: timedelta = timedelta(minutes=10)
    late_window: int = DEFAULT_LATE_WINDOW
    concurrency: Mapping[str, int] = field(default_factory=lambda: {"email": 10, "zalo": 4})
    rate_per_second: Mapping[str, float] = field(default_factory=lambda: {"zalo": 10.0})
    digest_channels: frozenset[str] = frozenset({"email"})
    # The most notifications sent but not yet recorded at any moment: what a kill can repeat.
    in_flight: int = 2 * DIGEST_MAX
    db_patience: float = 15.0  # seconds a database error is waited out before the run ends


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
        self.contexts: EventContexts  # set by dispatch_async, with the plans
        self.token = new_token()
        self.summary = DispatchSummary(now)
        self.down = self.summary.channels_down  # channel → the error that made it rest
        self.failures: Counter[str] = Counter()
        self.limits = {name: RateLimit(opts.rate_per_second.get(name)) for name in channels}
        self.recorder = Recorder(engine, now, self.token, opts.db_patience)
        self.budget = Budget(max(opts.in_flight, 1))
        self.started = time.monotonic()
        self.stopping = False

    def clock(self) -> datetime:
        """The run's own time: ``now`` plus what has elapsed since the run began."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def _prepare(self, rows: list[Claimed]) -> Prepared:
        with session(self.engine) as s:
            return prepare(rows, s, self.now, directory=self.directory, calendar=self.calendar,
                           channels=self.channels, submitted=self.submitted,
                           late_window=self.opts.late_window, digest_channels=self.opts.digest_channels,
                           links=self.links, plans=self.plans, contexts=self.contexts)

    def _claim(self) -> list[Claimed]:
        with session(self.engine) as s:
            return claim(s, self.now, self.opts.lease, self.opts.batch_size, token=self.token,
                         exclude_channels=self.down, whole_units=self.opts.digest_channels)

    async def run(self) -> DispatchSummary:
        """A producer claims batches and feeds per-channel queues; senders drain them.

        Whichever task fails first (the database gone for longer than the patience) ends
        them all; the rows still held go back to pending, and ``DispatchAborted`` says why. A
        run stopped any other way (a bug, Ctrl-C, SIGTERM) gives its rows back too.
        """
        self.recorder.start()
        # A whole batch fits in its queue: the producer claims and prepares the next batch while
        # this one is sent (with a queue of a few jobs the senders idled through every claim).
        queues: dict[str, asyncio.Queue[Job | None]] = {
            name: asyncio.Queue(maxsize=max(self.opts.batch_size, 2 * self.opts.concurrency.get(name, 1)))
            for name, ch in self.channels.items() if ch is not None
        }
        tasks = [asyncio.create_task(self._sender(name, q))
                 for name, q in queues.items() for _ in range(self.opts.concurrency.get(name, 1))]
        tasks.append(asyncio.create_task(self._produce(queues)))
        keeper = asyncio.create_task(self._keep_lease())
        completed = False
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if (exc := task.exception()) is not None:
                    raise exc
            await self.recorder.flush()
            completed = True
        except DatabaseUnavailable as exc:
            self.summary.aborted = str(exc)
        finally:
            self.stopping = True  # a sender that missed its cancellation sends nothing more
            await stop([keeper, *tasks])
            await self.recorder.close(self.opts.db_patience + STOP_GRACE)
            if not completed:
                await self._give_back()
        if self.summary.aborted:
            raise DispatchAborted(self.summary)
        return self.summary

    async def _produce(self, queues: Mapping[str, asyncio.Queue[Job | None]]) -> None:
        """Claim and prepare the next batch while senders finish the last, so connections do not idle.

        Only when the queues are empty and a claim still finds nothing (fallback rows
        written meanwhile included) is the run over.
        """
        while True:
            rows = await patiently(self._claim, "nhận thông báo đến hạn", self.opts.db_patience, in_thread=True)
            if not rows:
                await asyncio.gather(*(q.join() for q in queues.values()))
                await self.recorder.flush()  # the fallback rows the last outcomes add, committed
                rows = await patiently(self._claim, "nhận thông báo đến hạn", self.opts.db_patience, in_thread=True)
                if not rows:
                    break
            self.summary.claimed += len(rows)
            # In a worker thread, as claiming is: on the event loop, preparing 500 rows (their
            # contexts, briefs, links, threads) held up every open conversation meanwhile.
            ready = await patiently(lambda rows=rows: self._prepare(rows), "chuẩn bị thông báo", self.opts.db_patience,
                                    in_thread=True)
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

    async def _keep_lease(self) -> None:
        """Renew the lease of every row still held, a third of the lease before it lapses."""
        every = self.opts.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            until = self.clock() + self.opts.lease
            await patiently(lambda until=until: self._renew(until), "gia hạn nhận thông báo", self.opts.db_patience,
                            in_thread=True)

    def _renew(self, until: datetime) -> int:
        with session(self.engine) as s:
            return renew(s, self.token, until)

    async def _give_back(self) -> None:
        """After a run that did not complete: record what was sent, return the rest to pending at once.

        If the database still does not answer, the lease lapses and the next dispatch takes them.
        """
        outcomes, rows = self.recorder.unwritten
        try:
            if outcomes or rows:
                await patiently(lambda: self.recorder.write(outcomes, rows), "ghi kết quả gửi", 1.0)
            with session(self.engine) as s:
                await patiently(lambda: release(s, self.token, self.clock(), RELEASED), "trả lại thông báo", 1.0)
        except DatabaseUnavailable:
            pass

    async def _sender(self, name: str, q: asyncio.Queue[Job | None]) -> None:
        """Render each job while the outcome of the one before is committed, then send it.

        A sender sends its next message only once the outcome of its last is committed, so a
        crash repeats at most one message a sender; the job's share of the in-flight budget goes
        back at that commit too. Rendering overlaps the wait.
        """
        channel = self.channels[name]
        assert channel is not None  # prepare() skipped the rows of unconfigured channels
        last: asyncio.Future[None] | None = None  # the commit of this sender's last outcomes
        while (job := await q.get()) is not None and not self.stopping:
            b, contexts = job
            share = await self.budget.take(len(b.items))
            committed = None
            try:
                try:
                    msg = render_bundle(b, contexts, self.directory)
                except Exception as exc:  # a template error fails these rows visibly, the run goes on
                    outcomes = [Outcome(r, Status.FAILED, f"Lỗi soạn nội dung: {type(exc).__name__}: {exc}",
                                        attempted=False) for r in b.items]
                    new_rows: list[dict[str, Any]] = []
                else:
                    if last is not None:
                        await last  # raises DatabaseUnavailable: nothing more goes out
                    outcomes, new_rows = await self._send(name, channel, b, msg)
                for o in outcomes:
                    self.summary.note(o)
                self.summary.fallbacks += len(new_rows)
                committed = last = self.recorder.submit(outcomes, new_rows)
                committed.add_done_callback(lambda f, share=share: self._settled(f, share))
            finally:
                if committed is None:
                    self.budget.give(share)
                q.task_done()
        q.task_done()

    def _settled(self, committed: asyncio.Future[None], share: int) -> None:
        """A job's outcomes are committed (or failed to be, which its sender's next step reports)."""
        if not committed.cancelled():
            committed.exception()  # the recorder's error is raised at the next take or submit
        self.budget.give(share)

    async def _send(self, name: str, channel: Channel, b: Bundle[Claimed], msg: OutgoingMessage,
                    ) -> tuple[list[Outcome], list[dict[str, Any]]]:
        for attempt in range(TRIES):
            if name in self.down:
                return [Outcome(r, Status.PENDING, self.down[name], attempted=False) for r in b.items], []
            try:
                await self.limits[name].wait()
                delivery = await channel.send(msg)
            except DeliveryError as exc:
                error = exc.reason
                if exc.retry_when is not None:
                    self.summary.deferred += len(b.items)
                    retry_at = exc.retry_when(self.clock())
                    return [Outcome(r, Status.PENDING, error, retry_at=retry_at) for r in b.items], []
                if exc.channel_down:  # the server refused the session or the sender: no message can pass
                    self.down.setdefault(name, error)
                    return [Outcome(r, Status.PENDING, error) for r in b.items], []
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

    def _fallbacks(self, b: Bundle[Claimed], exc: DeliveryError) -> list[dict[str, Any]]:
        """An email row for each notification a permanent Zalo failure left unreached."""
        if not exc.fallback_email or b.channel == "email":
            return []
        if not self.directory.has_unit(b.unit) or not self.directory.unit(b.unit).emails:
            return []
        return [fallback_row(r, self.now, exc.reason) for r in b.items]


async def stop(tasks: list[asyncio.Task[None]], grace: float = STOP_GRACE) -> None:
    """Cancel ``tasks`` and wait for them, cancelling again any that goes on; give up after ``grace`` seconds.

    A sender whose cancellation was dropped would otherwise wait for its next job for ever,
    and the stopped run with it. One that ends after the grace is left behind, and said so.
    """
    pending = {t for t in tasks if not t.done()}
    deadline = time.monotonic() + grace
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            names = ", ".join(sorted(t.get_coro().__qualname__ for t in pending))  # type: ignore[union-attr]
            log.warning("Lần gửi đã dừng nhưng %d tác vụ chưa kết thúc sau %.0f giây (%s); bỏ lại chúng",
                        len(pending), grace, names)
            return
        for t in pending:
            t.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(STOP_AGAIN, left))
    for t in tasks:
        if not t.cancelled():
            t.exception()  # seen: the run already reports the first error; the rest are its echoes


def fallback_row(row: Claimed, now: datetime, reason: str) -> dict[str, Any]:
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
    links: Links | None = None, plans: Mapping[str, Plan] | None = None, contexts: EventContexts | None = None,
) -> DispatchSummary:
    """Send everything due at ``now``; ``dry_run`` only reports what would happen.

    ``links`` gives the signed submission link that report reminders carry; ``plans`` (by
    id) tell each unit its role, duties, form and whom to ask (``delivery.briefing``) and render
    the rows stored by reference (through ``contexts``, else with ``calendar``). Raises
    ``DispatchAborted`` when the database stopped answering for longer than the patience.
    """
    if now.tzinfo is None:
        raise ValueError("dispatch needs an aware 'now'")
    run = _Run(engine, directory, calendar, channels, now, options or Options(),
               submitted or submitted_units, progress, links)
    run.plans = plans
    run.contexts = contexts or EventContexts(plans or {}, directory, lambda y: calendar or build_calendar([y]))
    if not dry_run:
        with handing_over_often():
            return await run.run()
    with session(engine) as s:
        rows = due(s, now)
    ready = run._prepare(rows)
    summary = DispatchSummary(now, dry_run=True, claimed=len(rows), messages=len(ready.bundles))
    for o in ready.outcomes:
        summary.note(o)
    summary.sent = sum(len(b.items) for b, _ in ready.bundles)  # would be sent
    return summary


@contextmanager
def handing_over_often() -> Iterator[None]:
    """A shorter GIL switch interval while a run lasts.

    The event loop gives the GIL up at every socket call; the thread that claims, prepares or
    records then keeps it for up to the interval (5 ms by default) before the loop gets it back,
    which held every SMTP conversation up (py-spy: most of the loop's time in the socket writes
    of ``benchmarks/dispatch.py``, 1,000 against 1,450 messages a second at 0.2 ms).
    """
    global _running, _interval_before
    if _running == 0:
        _interval_before = sys.getswitchinterval()
        sys.setswitchinterval(min(SWITCH_INTERVAL, _interval_before))
    _running += 1
    try:
        yield
    finally:
        _running -= 1
        if _running == 0:  # the last of the runs going on in this process puts it back
            sys.setswitchinterval(_interval_before)


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
    kwargs.setdefault("contexts", EventContexts(kwargs["plans"] or {}, config.directory, lambda y: config.calendar([y])))

    async def main() -> DispatchSummary:
        try:
            return await dispatch_async(engine, config.directory, channels, now, **kwargs)
        finally:
            for ch in channels.values():
                if ch is not None:
                    await ch.aclose()

    return asyncio.run(main())
