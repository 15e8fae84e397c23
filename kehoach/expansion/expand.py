"""expand(plan, year): every notification the plan will send that year. Pure and deterministic.

Events are computed once per plan (dates do not depend on the unit); only the fan-out to
units and channels is per recipient, which keeps 5,000 units well under two seconds. Sync
streams the year (``stream``) through its horizon: events outside it are dropped before the
fan-out, so what a sync costs follows the horizon, not the year.
"""

from __future__ import annotations

import gc
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from operator import itemgetter
from threading import Lock

from kehoach.calendar import WorkingCalendar, at_local
from kehoach.plans.directory import Directory
from kehoach.expansion.campaigns import campaign_events, occasion_events
from kehoach.expansion.event import Event
from kehoach.expansion.ladder import chasing_events, report_events
from kehoach.expansion.recurring import task_events
from kehoach.expansion.reference import event_base, event_context, plan_context, reference
from kehoach.notification import ICS_CHANNEL, REPORT_CHASING_KINDS, Kind, Notification
from kehoach.plans.model import Plan
from kehoach.submissions.periods import periods_of_year
from kehoach.submissions.timeliness import unit_deadline
from notifications.ics import DEADLINE_KINDS
from notifications.render import render_subject


_KEPT = 2048  # plan-years a process keeps at most
_kept: OrderedDict[tuple[int, int, int, int], list[Event]] = OrderedDict()
_kept_lock = Lock()


def plan_events(plan: Plan, year: int, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    """The year's events, dropping those before the plan takes effect; none outside its span.

    Kept per plan, year, calendar and directory (each immutable, known by identity) for as long
    as all three live: a process that syncs every morning (the simulation, the embedded runner)
    builds a plan's year once, not every morning, and a plan or directory replaced in the console
    takes its events with it when it goes.
    """
    key = (id(plan), year, id(cal), id(directory))
    with _kept_lock:
        events = _kept.get(key)
        if events is not None:
            _kept.move_to_end(key)
    if events is None:
        events = _plan_events(plan, year, cal, directory)
        with _kept_lock:
            if key not in _kept:
                for owner in (plan, cal, directory):
                    weakref.finalize(owner, _forget, key)
            _kept[key] = events
            while len(_kept) > _KEPT:
                _kept.popitem(last=False)
    return list(events)


def _forget(key: tuple[int, int, int, int]) -> None:
    with _kept_lock:
        _kept.pop(key, None)


def _plan_events(plan: Plan, year: int, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    if year not in plan.span_years:
        return []
    events: list[Event] = []
    for report in plan.reports:
        events += report_events(plan, report, year, cal, directory)
    for task in plan.tasks:
        events += task_events(plan, task, year, cal, directory)
    for campaign in plan.campaigns:
        events += campaign_events(plan, campaign, year, cal, directory)
    for occasion in plan.occasions:
        events += occasion_events(plan, occasion, year, cal, directory)
    return [e for e in events if e.day >= plan.effective_from]


def extension_events(plan: Plan, year: int, cal: WorkingCalendar, directory: Directory,
                     extensions: Mapping[tuple[str, str], date]) -> list[Event]:
    """The chasing events of each unit granted an extension, aimed at its own deadline.

    They keep the keys of the plan's ladder (same event, same step), so they move the unit's
    pending rows rather than adding rows.
    """
    if not extensions or year not in plan.span_years:
        return []
    periods = {p.id: p for p in periods_of_year(plan, year, cal)}
    rule = plan.reminder_policy.due_on_day_off
    events: list[Event] = []
    for (period_id, unit_id), until in sorted(extensions.items()):
        period = periods.get(period_id)
        if period is None:
            continue
        deadline = unit_deadline(period.due, until, cal, rule)
        events += chasing_events(plan, period, cal, (unit_id,), deadline, directory)
    return [e for e in events if e.day >= plan.effective_from]


def calendar_units(plan: Plan, year: int, directory: Directory, cal: WorkingCalendar,
                   extensions: Mapping[tuple[str, str], date]) -> dict[tuple[str, str, str], set[str]]:
    """The year's calendar events, (plan, item id, period), each with the units it goes to by email.

    What a sync inside a horizon still counts as live when it retires a row: a deadline whose
    reminders moved beyond the horizon is still the unit's, and is not cancelled.
    """
    out: dict[tuple[str, str, str], set[str]] = {}
    resolved: dict[tuple[str, ...], frozenset[str]] = {}
    for ev in [*plan_events(plan, year, cal, directory), *extension_events(plan, year, cal, directory, extensions)]:
        if ev.kind.value not in DEADLINE_KINDS:
            continue
        if ev.units not in resolved:
            resolved[ev.units] = frozenset(u.id for u in directory.resolve(ev.units)
                                           if ICS_CHANNEL in (u.channels or ("email",)))
        out.setdefault((plan.id, str((ev.context.get("item") or {}).get("id", "")), ev.period or ""),
                       set()).update(resolved[ev.units])
    return out


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold off the cyclic garbage collector while building hundreds of thousands of notifications.

    They make no reference cycles, yet each full collection walks every one already built,
    so a 5,000-unit year spent about half its time collecting nothing.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


Admits = Callable[[Kind, datetime, date | None], bool]  # (kind, send time, deadline): whether to fan out

_KEY, _SEND_AT = itemgetter(Notification._fields.index("key")), itemgetter(Notification._fields.index("send_at"))


def expand(plan: Plan, year: int, directory: Directory, cal: WorkingCalendar,
           extensions: Mapping[tuple[str, str], date] | None = None) -> list[Notification]:
    """One notification per event, unit and channel, sorted by send time and key.

    ``extensions`` maps (period id, unit id) to a unit's later deadline: that unit's reminders,
    due-day and overdue notices for the period follow it; every other unit's stay.
    A unit with no contact still gets an email notification: the dispatcher records it as
    failed for want of an address, so the office sees the gap instead of losing the reminder.
    """
    with paused_gc():
        out = list(stream(plan, year, directory, cal, extensions))
        # by send time, then key: two stable sorts on C-level keys beat one sort on a Python-level key
        out.sort(key=_KEY)
        out.sort(key=_SEND_AT)
    return out


def stream(plan: Plan, year: int, directory: Directory, cal: WorkingCalendar,
           extensions: Mapping[tuple[str, str], date] | None = None,
           admits: Admits | None = None, period: str | None = None) -> Iterator[Notification]:
    """``expand``'s notifications event by event, unsorted: what sync writes as it goes, so a
    plan of 50,000 units never holds its year in memory.

    ``admits`` (sync's horizon, ``expansion.horizon``) picks the events to fan out: they are
    judged before the fan-out to units, so a sync costs what its horizon holds, not the year;
    ``period`` keeps only that period's events, as cheaply.
    Each notification carries the context its event's recipients share (one dict per event)
    and the reference the outbox stores for it (``expansion.reference``).
    """
    pctx = plan_context(plan, directory)
    at = plan.reminder_policy.send_time
    extensions = extensions or {}
    own = extension_events(plan, year, cal, directory, extensions)
    own_ids = {id(o) for o in own}
    recipients: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
    for ev in [*plan_events(plan, year, cal, directory), *own]:
        if period is not None and ev.period != period:
            continue
        send_at = at_local(ev.day, at)
        if admits is not None and not admits(ev.kind, send_at, ev.deadline):
            continue
        mine = id(ev) in own_ids
        replaced = bool(extensions) and ev.kind in REPORT_CHASING_KINDS and not mine
        context = event_context(ev, pctx)
        subject = render_subject(ev.kind.value, context)
        base = event_base(plan.id, ev)
        until = extensions[ev.period or "", ev.units[0]] if mine else None
        ref = reference(base, year, until)
        if ev.units not in recipients:  # most events go to the same few groups: resolve each once
            recipients[ev.units] = [(u.id, u.channels or ("email",)) for u in directory.resolve(ev.units)]
        for unit_id, channels in recipients[ev.units]:
            if replaced and (ev.period, unit_id) in extensions:
                continue  # this unit's own, moved event replaces it
            for channel in channels:
                yield Notification(f"{base}/{unit_id}/{channel}", plan.id, ev.kind, unit_id, channel,
                                   send_at, ev.deadline, subject, ev.period, context, ref)
