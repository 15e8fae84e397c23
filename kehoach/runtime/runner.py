"""The embedded runner: APScheduler in-process, triggering the flows on prefect.yaml's schedules.

It holds no logic (like dramatiq's scheduling example): each job only calls the flow of its
deployment with the deployment's parameters. Jobs live in the app database
(``SQLAlchemyJobStore``), so the runner knows when it last ran: restarted after a day off, a
job whose ticks were missed runs once (``coalesce``), not once per tick, provided its last
missed tick lies within ``misfire_grace_time``.

kehoach never imports Prefect or ``flows/``: the CLI injects one callable per flow kind.
A stored job names only ``kehoach.runtime.runner:trigger`` and the deployment, so the job store
survives any change to the flows' code.

One scheduler per database: ``start`` takes the ``scheduler`` lease (``store.leases``) and a
thread renews it; a second runner on the same database is refused with the holder's name,
instead of running every flow a second time.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.runtime.schedules import Deployment, Schedule
from kehoach.store import leases

MISFIRE_GRACE = timedelta(days=4)  # a long weekend off, then catch up once
JOBS_TABLE = "apscheduler_jobs"
LEASE = "scheduler"
LEASE_TTL = timedelta(seconds=90)  # a dead runner frees the scheduler after this long
LEASE_RENEW_SECONDS = 30.0

FlowCall = Callable[..., Any]
Say = Callable[[str], None]

_deployments: dict[str, Deployment] = {}
_calls: dict[str, FlowCall] = {}
_lock = threading.Lock()


def trigger(deployment: str) -> Any:
    """The job function: run the deployment's flow with its parameters (the runner's only act)."""
    with _lock:
        d = _deployments.get(deployment)
        call = _calls.get(d.kind) if d else None
    if d is None or call is None:
        raise LookupError(f"no flow registered for deployment '{deployment}'")
    return call(d, **d.parameters)


def cron_trigger(schedule: Schedule) -> CronTrigger:
    """The APScheduler trigger of a prefect.yaml schedule, with the same meaning as Prefect's."""
    return CronTrigger(**schedule.fields(), timezone=schedule.timezone)


def job_id(d: Deployment, index: int) -> str:
    return f"{d.name}#{index}"


class SchedulerBusy(RuntimeError):
    """Another runner holds the scheduler lease on this database."""

    def __init__(self, holder: leases.Holder):
        self.holder = holder
        since = holder.acquired_at.astimezone(VN_TZ)
        super().__init__(f"bộ lập lịch đang chạy ở {holder.holder} (từ {since:%d/%m/%Y %H:%M}); "
                         "mỗi cơ sở dữ liệu chỉ chạy một bộ lập lịch")


class EmbeddedRunner:
    """``EmbeddedRunner(engine, deployments, calls).start()``; ``shutdown()`` on the way out."""

    def __init__(self, engine: Engine, deployments: list[Deployment], calls: Mapping[str, FlowCall], *,
                 clock: Callable[[], datetime], misfire_grace_time: timedelta = MISFIRE_GRACE,
                 say: Say | None = None, workers: int = 4) -> None:
        self.deployments, self.say = deployments, say or (lambda _m: None)
        self.engine, self.clock = engine, clock
        self.holder = f"{socket.gethostname()} pid {os.getpid()} #{secrets.token_hex(3)}"
        self._stop_renewing = threading.Event()
        self._claimed = False
        missing = {d.kind for d in deployments} - set(calls)
        if missing:
            raise LookupError(f"no flow callable for {sorted(missing)}")
        with _lock:
            _deployments.clear()
            _deployments.update({d.name: d for d in deployments})
            _calls.clear()
            _calls.update(calls)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(misfire_grace_time.total_seconds())},
            timezone=VN_TZ,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

    def claim(self) -> None:
        """Take the scheduler lease and keep renewing it; ``SchedulerBusy`` if another runner holds it."""
        if self._claimed:
            return
        busy = leases.acquire(self.engine, LEASE, self.holder, self.clock(), LEASE_TTL)
        if busy is not None:
            raise SchedulerBusy(busy)
        self._claimed = True
        threading.Thread(target=self._renew, name="scheduler-lease", daemon=True).start()

    def start(self) -> None:
        """Claim the scheduler, reconcile the stored jobs with prefect.yaml, then run.

        Missed ticks fire once now.
        """
        self.claim()
        self.scheduler.start(paused=True)
        wanted: dict[str, tuple[Deployment, CronTrigger]] = {}
        for d in self.deployments:
            for i, s in enumerate(x for x in d.schedules if x.active):
                wanted[job_id(d, i)] = (d, cron_trigger(s))
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
                self.say(f"bỏ lịch không còn trong prefect.yaml: {job.id}")
        for jid, (d, trig) in wanted.items():
            job = self.scheduler.get_job(jid)
            if job is not None and str(job.trigger) == str(trig) and list(job.args) == [d.name]:
                continue  # keep its stored next run time: that is what makes catch-up work
            self.scheduler.add_job(trigger, trig, args=[d.name], id=jid, name=d.name, replace_existing=True)
        self.scheduler.resume()

    def run_now(self, deployment: str) -> None:
        """Run one deployment's flow once, now, in the runner's pool (``kehoach run`` syncs on start)."""
        self.scheduler.add_job(trigger, "date", args=[deployment], id=f"{deployment}@now", name=deployment,
                               replace_existing=True, misfire_grace_time=None)

    def shutdown(self, wait: bool = True) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        if self._claimed and not self._stop_renewing.is_set():
            self._stop_renewing.set()
            leases.release(self.engine, LEASE, self.holder)

    def _renew(self) -> None:
        """Keep the lease; if another runner took it (we were cut off too long), stop scheduling."""
        while not self._stop_renewing.wait(LEASE_RENEW_SECONDS):
            try:
                busy = leases.acquire(self.engine, LEASE, self.holder, self.clock(), LEASE_TTL)
            except Exception as exc:  # the database may be restarting: keep trying
                self.say(f"[yellow]không gia hạn được quyền lập lịch[/]: {type(exc).__name__}")
                continue
            if busy is not None:
                self.say(f"[red]mất quyền lập lịch[/]: {SchedulerBusy(busy)}; tạm dừng các lịch")
                self.scheduler.pause()
                return

    def next_runs(self) -> list[tuple[str, datetime | None]]:
        return sorted(((j.id, j.next_run_time) for j in self.scheduler.get_jobs()),
                      key=lambda x: (x[1] is None, x[1] or datetime.max.replace(tzinfo=VN_TZ)))

    def _on_event(self, event: JobExecutionEvent) -> None:
        when = event.scheduled_run_time.astimezone(VN_TZ).strftime("%d/%m %H:%M")
        if event.code == EVENT_JOB_MISSED:
            self.say(f"bỏ qua {event.job_id} lúc {when}: quá thời gian cho phép chạy bù")
        elif event.exception is not None:
            self.say(f"[red]lỗi[/] {event.job_id} (lịch {when}): {type(event.exception).__name__}: {event.exception}")
        else:
            self.say(f"xong {event.job_id} (lịch {when})")
