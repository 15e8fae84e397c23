"""The embedded runner: jobs from prefect.yaml in the app database; a day off is caught up once."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.runtime.runner import JOBS_TABLE, LEASE, LEASE_TTL, EmbeddedRunner, SchedulerBusy, cron_trigger, job_id
from kehoach.runtime.schedules import Deployment, Schedule, scheduled
from kehoach.store import leases
from kehoach.store.db import make_engine

KINDS = ("sync", "dispatch", "collection", "campaign", "recurring", "rollup")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")


class Calls:
    """Injected in place of the flows: records which deployment ran (the runner only triggers)."""

    def __init__(self) -> None:
        self.ran: Counter[str] = Counter()

    def callables(self) -> dict[str, Any]:
        def call(d: Deployment, **params: Any) -> None:
            self.ran[d.name] += 1

        return {k: call for k in KINDS}

    def wait_for(self, n: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while sum(self.ran.values()) < n and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.5)  # and a little longer: a second run would show up now


def vn_clock() -> datetime:
    return datetime.now(VN_TZ)


def stop_the_clock_at(engine: Engine, jid: str, last_seen: datetime) -> None:
    """Rewrite the stored next run time, as if the machine had been switched off at ``last_seen``."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(BackgroundScheduler(timezone=VN_TZ), "default")
    job = store.lookup_job(jid)
    assert job is not None
    job.next_run_time = last_seen
    store.update_job(job)


def test_jobs_are_prefect_yaml_schedules(engine: Engine) -> None:
    # Given the deployments of prefect.yaml
    deployments = scheduled()
    runner = EmbeddedRunner(engine, deployments, Calls().callables(), clock=vn_clock)
    # When the runner starts
    runner.start()
    try:
        jobs = {j.id: j for j in runner.scheduler.get_jobs()}
    finally:
        runner.shutdown()
    # Then it runs exactly those schedules, with the same triggers, from the app database
    expected = {job_id(d, i): (d, s) for d in deployments for i, s in enumerate(d.schedules)}
    assert set(jobs) == set(expected)
    for jid, (d, s) in expected.items():
        assert str(jobs[jid].trigger) == str(cron_trigger(s))
        assert jobs[jid].args == (d.name,)
        assert jobs[jid].coalesce and jobs[jid].misfire_grace_time >= 24 * 3600


def test_restarted_after_a_day_off_it_catches_up_once(engine: Engine) -> None:
    # Given a runner that ran, then stopped; the dispatch job's last known tick was yesterday 08:00
    calls = Calls()
    first = EmbeddedRunner(engine, scheduled(), calls.callables(), clock=vn_clock)
    first.start()
    first.shutdown()
    dispatch = job_id(next(d for d in scheduled() if d.name == "dispatch"), 0)
    yesterday = datetime.now(VN_TZ).replace(microsecond=0) - timedelta(days=1)
    stop_the_clock_at(engine, dispatch, yesterday)
    # When it is started again, a day (and about 40 dispatch ticks) later
    again = EmbeddedRunner(engine, scheduled(), calls.callables(), clock=vn_clock)
    again.start()
    try:
        calls.wait_for(1)
        nxt = again.scheduler.get_job(dispatch).next_run_time
    finally:
        again.shutdown()
    # Then dispatch ran once, nothing else ran, and the next run is in the future
    assert calls.ran == Counter({"dispatch": 1})
    assert nxt > datetime.now(VN_TZ)


def test_a_tick_older_than_the_grace_time_is_not_run(engine: Engine) -> None:
    # Given a monthly job last seen 40 days ago, and a grace time shorter than the age of its latest tick
    monthly = [Deployment("monthly", "flows/recurring.py:recurring_flow", {}, (Schedule("0 8 1 * *"),))]
    calls, messages = Calls(), []
    first = EmbeddedRunner(engine, monthly, calls.callables(), clock=vn_clock)
    first.start()
    first.shutdown()
    stop_the_clock_at(engine, "monthly#0", datetime.now(VN_TZ) - timedelta(days=40))
    # When it starts again
    again = EmbeddedRunner(engine, monthly, calls.callables(), clock=vn_clock, misfire_grace_time=timedelta(seconds=1),
                           say=messages.append)
    again.start()
    try:
        time.sleep(1.0)
    finally:
        again.shutdown()
    # Then the stale tick is reported as missed, not run
    assert calls.ran["monthly"] == 0
    assert any("monthly#0" in m and "bỏ qua" in m for m in messages)


def test_a_deployment_removed_from_prefect_yaml_leaves_the_job_store(engine: Engine) -> None:
    runner = EmbeddedRunner(engine, scheduled(), Calls().callables(), clock=vn_clock)
    runner.start()
    runner.shutdown()
    fewer = [d for d in scheduled() if d.kind != "campaign"]
    messages: list[str] = []
    again = EmbeddedRunner(engine, fewer, Calls().callables(), clock=vn_clock, say=messages.append)
    again.start()
    try:
        names = {j.name for j in again.scheduler.get_jobs()}
    finally:
        again.shutdown()
    assert names == {d.name for d in fewer}
    assert any("campaign" in m for m in messages)


def test_a_second_runner_on_the_same_database_is_refused(engine: Engine) -> None:
    # Given a runner holding the scheduler on this database
    first = EmbeddedRunner(engine, scheduled(), Calls().callables(), clock=vn_clock)
    first.start()
    try:
        # When a second one starts (another `kehoach run`, say on another machine)
        second = EmbeddedRunner(engine, scheduled(), Calls().callables(), clock=vn_clock)
        with pytest.raises(SchedulerBusy) as refused:
            second.start()
        # Then it is refused, and told who holds the scheduler
        assert f"pid {os.getpid()}" in str(refused.value)
        assert not second.scheduler.running
    finally:
        first.shutdown()
    # And once the first stops, a new runner takes over
    third = EmbeddedRunner(engine, scheduled(), Calls().callables(), clock=vn_clock)
    third.start()
    third.shutdown()


def test_a_dead_runner_frees_the_scheduler_after_its_lease(engine: Engine) -> None:
    # Given a lease taken by a runner that died without releasing it, 91 seconds ago
    past = vn_clock() - LEASE_TTL - timedelta(seconds=1)
    assert leases.acquire(engine, LEASE, "other-host pid 1", past, LEASE_TTL) is None
    # When a runner starts now, it takes the scheduler over
    runner = EmbeddedRunner(engine, scheduled(), Calls().callables(), clock=vn_clock)
    runner.start()
    try:
        holder = leases.current(engine, LEASE)
        assert holder is not None and holder.holder == runner.holder
    finally:
        runner.shutdown()
    assert leases.current(engine, LEASE) is None
