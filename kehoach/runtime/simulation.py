"""A year in minutes: the flows' work against a simulated clock, day by day, at prefect.yaml's times.

For each working day the loop walks the dispatch schedule's ticks and dispatches whenever
something is due (an empty tick would do nothing, so it is not run). The per-plan work runs
at its scheduled time on the days its plan has an event (``agenda``), and the sync runs at
each working morning's sync tick, as the scheduled sync does (it writes a rolling horizon,
``expansion.horizon``). Before each report is due, a
share of the units submit through the submissions API, so reminders stop for them and
escalations name only the missing.

Nothing here imports Prefect. ``DirectFlows`` calls the domain functions the flows call,
with the simulated ``now`` (``kehoach simulate``); a test injects the Prefect flows themselves
as ``Flows`` (``flows.local.simulation_flows``) to run them on the same clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kehoach.delivery.channel_setup import dispatch_configured
from kehoach.runtime.health import record_dispatch_verdict
from kehoach.calendar import VN_TZ, WorkingCalendar, at_local
from kehoach.delivery.contexts import EventContexts
from kehoach.expansion.event import Event
from kehoach.expansion.freshness import sync_horizon
from kehoach.plans.config import Config
from kehoach.plans.model import IndicatorKind, Plan
from kehoach.runtime.agenda import agenda
from kehoach.runtime.runner import cron_trigger
from kehoach.runtime.schedules import Deployment, by_kind
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.outbox import due
from kehoach.submissions.collection import advance, make_rollup
from kehoach.submissions.forms import form_indicators
from kehoach.submissions.notices import confirmation, enqueue
from kehoach.submissions.periods import Period, periods_of_year
from kehoach.submissions.record import NewSubmission, record_submissions
from kehoach.submissions.tracking import expected_units

SUBMIT_AT = time(10, 0)


@dataclass
class Flows:
    """The flow callables; each takes the flow's parameters and ``now``."""

    sync: Callable[..., Any]
    dispatch: Callable[..., Any]
    collection: Callable[..., Any]
    campaign: Callable[..., Any]
    recurring: Callable[..., Any]


@dataclass
class Options:
    start: date
    end: date
    plan_ids: list[str]
    submit_share: float = 0.6  # of the expected units, who report before the deadline
    submit_days_before: int = 3  # working days before the (working) due day
    data_dir: Path = Path("data")


@dataclass
class Tick:
    now: datetime
    flow: str
    result: Any


@dataclass
class Progress:
    day: date
    days_done: int
    days_total: int
    ticks: list[Tick] = field(default_factory=list)


class DirectFlows:
    """The flows' work as direct calls of the domain functions they call, with the simulated ``now``.

    What each call changes is what the flow's run changes (the outbox synced, due messages sent
    and their outcomes and the dispatch beat recorded, periods advanced and closed ones rolled
    up); what a flow only publishes for the Prefect UI (artifacts, tags) has no place here. The
    config does not change while simulating, so one set of event contexts serves every dispatch.
    """

    def __init__(self, config: Config, engine: Engine, settings: Settings, sync_plans: list[str] | None) -> None:
        self.config, self.engine, self.settings, self.sync_plans = config, engine, settings, sync_plans
        self.contexts = EventContexts(config.plans, config.directory, lambda y: config.calendar([y]))
        self.agendas: dict[tuple[str, int], dict[str, dict[date, list[Event]]]] = {}

    def flows(self) -> Flows:
        return Flows(sync=self.sync, dispatch=self.dispatch, collection=self.collection,
                     campaign=self.campaign, recurring=self.recurring)

    def sync(self, now: datetime, year: int | None = None) -> list[dict[str, Any]]:
        with session(self.engine) as s:
            return [c.as_dict() for c in sync_horizon(self.config, s, now, self.sync_plans,
                                                      self.settings.sync_horizon_days, year)]

    def dispatch(self, now: datetime) -> dict[str, Any]:
        summary = dispatch_configured(self.engine, self.config, self.settings, now, contexts=self.contexts).as_dict()
        record_dispatch_verdict(self.engine, summary, now)
        return summary

    def collection(self, plan_id: str, now: datetime, period: str | None = None) -> dict[str, Any]:
        plan = self.config.plan(plan_id)
        cal = self.config.calendar([now.year - 1, now.year])
        with session(self.engine) as s:
            steps = advance(s, plan, self.config.directory, cal, self.settings.data_dir, now, period)
            rollups = [step.period.id for step in steps if step.start_rollup]
            for step in steps:
                if step.start_rollup:
                    make_rollup(s, plan, self.config.directory, step.period, self.settings.data_dir, now,
                                self.config.calendar([step.period.year]))
        return {"plan": plan_id, "now": now.isoformat(), "periods": [step.period.id for step in steps],
                "rollups": rollups}

    def campaign(self, plan_id: str, now: datetime, year: int | None = None) -> dict[str, Any]:
        return {"plan": plan_id, "today": self._today(plan_id, "campaign", now)}

    def recurring(self, now: datetime) -> dict[str, Any]:
        return {"now": now.isoformat(), "today": {p: self._today(p, "recurring", now) for p in sorted(self.config.plans)}}

    def _today(self, plan_id: str, kind: str, now: datetime) -> list[str]:
        """What the flow would show for today: its messages themselves go out through dispatch."""
        day = now.astimezone(VN_TZ).date()
        return [e.ref for e in self._agenda(plan_id, day.year)[kind].get(day, [])]

    def _agenda(self, plan_id: str, year: int) -> dict[str, dict[date, list[Event]]]:
        if (plan_id, year) not in self.agendas:
            self.agendas[plan_id, year] = agenda(self.config.plan(plan_id), year, self.config.calendar([year]),
                                                 self.config.directory)
        return self.agendas[plan_id, year]


def submits(plan_id: str, period_id: str, unit_id: str, share: float) -> bool:
    """A stable, pseudo-random choice: the same units submit in every run of the simulation."""
    h = hashlib.sha256(f"{plan_id}/{period_id}/{unit_id}".encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32 < share


def sample_values(plan: Plan, config: Config, period: Period, unit_id: str) -> dict[str, Any]:
    """Small plausible figures, so the roll-up of a simulated period has something to sum."""
    values: dict[str, Any] = {}
    for i, ind in enumerate(form_indicators(plan, config.directory, period.report, unit_id), start=1):
        if ind.kind is IndicatorKind.FLAG:
            values[ind.id] = True
        elif ind.kind is IndicatorKind.TEXT:
            values[ind.id] = "Đã triển khai theo kế hoạch (số liệu mô phỏng)."
        elif ind.parts:
            values[ind.id] = {o.id: i + k for k, o in enumerate(ind.parts)}
        else:
            values[ind.id] = {"tong": i + 1}
    return values


def tick_times(d: Deployment, day: date) -> list[datetime]:
    """The deployment's schedule fire times within one day (Asia/Ho_Chi_Minh)."""
    out: list[datetime] = []
    start = at_local(day, time(0, 0)) - timedelta(microseconds=1)
    end = at_local(day + timedelta(days=1), time(0, 0))
    for s in d.schedules:
        trig = cron_trigger(s)
        t = trig.get_next_fire_time(None, start)
        while t is not None and t < end:
            out.append(t.astimezone(VN_TZ))
            t = trig.get_next_fire_time(t, t + timedelta(seconds=1))
    return sorted(set(out))


def first_tick(deployments: list[Deployment], day: date) -> datetime | None:
    times = [t for d in deployments for t in tick_times(d, day)]
    return min(times) if times else None


class Simulation:
    def __init__(self, config: Config, engine: Engine, deployments: list[Deployment], flows: Flows,
                 options: Options) -> None:
        self.config, self.engine, self.flows, self.opts = config, engine, flows, options
        self.deployments = deployments
        years = list(range(options.start.year, options.end.year + 1))
        self.cal: WorkingCalendar = config.calendar(years)
        self.plans = [config.plan(p) for p in options.plan_ids]
        self.agendas = {(p.id, y): agenda(p, y, self.cal, config.directory) for p in self.plans for y in years}
        self.submissions = self._plan_submissions(years)

    def _plan_submissions(self, years: list[int]) -> dict[date, list[tuple[Plan, Period, str]]]:
        out: dict[date, list[tuple[Plan, Period, str]]] = {}
        for plan in self.plans:
            for year in years:
                for period in periods_of_year(plan, year, self.cal):
                    target = self.cal.target_for_due(period.due, plan.reminder_policy.due_on_day_off)
                    day = self.cal.add_working_days(target, -self.opts.submit_days_before)
                    for unit in expected_units(self.config.directory, period):
                        if submits(plan.id, period.id, unit.id, self.opts.submit_share):
                            out.setdefault(day, []).append((plan, period, unit.id))
        return out

    def _submit(self, day: date) -> None:
        """The day's submissions, stored together, and their confirmations queued together."""
        now = at_local(day, SUBMIT_AT)
        todo = self.submissions.get(day, [])
        if not todo:
            return
        with session(self.engine) as s:
            rows = record_submissions(
                s, self.opts.data_dir, [NewSubmission(plan.id, period.id, unit_id,
                                                      sample_values(plan, self.config, period, unit_id))
                                        for plan, period, unit_id in todo], now=now, source="simulation")
            enqueue(s, [n for (plan, period, unit_id), row in zip(todo, rows, strict=True)
                        for n in confirmation(plan, self.config.directory, period, unit_id, row.version, now, None)],
                    now)

    def _has_due(self, now: datetime) -> bool:
        with session(self.engine) as s:
            return bool(due(s, now, limit=1))

    def day(self, day: date) -> list[Tick]:
        """Run one simulated day; returns what ran, in order."""
        ticks: list[Tick] = []
        if not self.cal.is_working_day(day):
            return ticks
        sync_at = first_tick(by_kind(self.deployments, "sync"), day) or at_local(day, time(6, 30))
        ticks.append(Tick(sync_at, "sync", self.flows.sync(now=sync_at)))
        runs: list[tuple[datetime, str, Callable[..., Any], dict[str, Any]]] = []
        for kind, call in (("collection", self.flows.collection), ("campaign", self.flows.campaign),
                           ("recurring", self.flows.recurring)):
            busy = [p.id for p in self.plans if day in self.agendas.get((p.id, day.year), {}).get(kind, {})]
            if not busy:
                continue
            # recurring covers every plan in one run; the others run per plan, as their fan-out would
            params = [{}] if kind == "recurring" else [{"plan_id": p} for p in busy]
            for d in by_kind(self.deployments, kind):
                runs += [(t, kind, call, {**d.parameters, **p}) for t in tick_times(d, day) for p in params]
        for t in [t for d in by_kind(self.deployments, "dispatch") for t in tick_times(d, day)]:
            runs.append((t, "dispatch", self.flows.dispatch, {}))
        submit_at = at_local(day, SUBMIT_AT)
        submitted = False
        for t, kind, call, params in sorted(runs, key=lambda r: (r[0], r[1] != "dispatch")):
            if not submitted and t >= submit_at:
                self._submit(day)
                submitted = True
            if kind == "dispatch" and not self._has_due(t):
                continue
            ticks.append(Tick(t, kind, call(**params, now=t)))
        if not submitted:
            self._submit(day)
        return ticks

    def run(self, progress: Callable[[Progress], None] | None = None) -> list[Tick]:
        days = [self.opts.start + timedelta(n) for n in range((self.opts.end - self.opts.start).days + 1)]
        all_ticks: list[Tick] = []
        for i, d in enumerate(days, start=1):
            ticks = self.day(d)
            all_ticks += ticks
            if progress:
                progress(Progress(d, i, len(days), ticks))
        return all_ticks
