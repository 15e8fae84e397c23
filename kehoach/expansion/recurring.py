"""Reminders of a plan's tasks: "thường xuyên" (every quarter or month), monthly, quarterly, dated.

A recurring task is reminded on the first working day of each of its periods; the period in
which the plan takes effect is reminded on its first working day in force instead, so a
plan issued in May still tells its units what they must do.

A dated task has a life: it is announced when the plan takes effect (or on the year's first
working day), a window task ("trong Quý III/2026") gets a notice when its window opens, each
deadline (its due date, its window's last day, each milestone) gets the reminder ladder, and
after the last on-time day the lead units get overdue notices and the office an escalation.
A task that names its own report (``report:``) is recorded done when its lead submits that
report's period; any other dated task when its lead posts its completion (``task_done``, a note
and files through its link): its remaining reminders then stop.
Steps are named, never dated, so a moved deadline moves the same outbox rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.expansion.event import Event, item
from kehoach.expansion.ladder import step_label
from kehoach.notification import Kind

from kehoach.plans.model import Cadence, Every, Plan, Task
from kehoach.submissions.periods import report_periods
from kehoach.submissions.task_done import task_period_id
from kehoach.submissions.timeliness import unit_deadline

_EVERY = {Cadence.MONTHLY: Every.MONTH, Cadence.QUARTERLY: Every.QUARTER}


def periods(year: int, every: Every) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of each month or quarter of ``year``."""
    months = 1 if every is Every.MONTH else 3
    out = []
    for start_month in range(1, 13, months):
        start = date(year, start_month, 1)
        end = (date(year + 1, 1, 1) if start_month + months > 12 else date(year, start_month + months, 1))
        label = f"{year}-{start_month:02d}" if months == 1 else f"{year}-q{(start_month - 1) // 3 + 1}"
        out.append((label, start, end - timedelta(days=1)))
    return out


def task_events(plan: Plan, task: Task, year: int, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    units = (*task.lead, *task.coordinating)
    context = {
        "item": item(task.id, task.title),
        "period": None,
        "section": task.section,
        "content": list(task.content),
        "lead": [directory.label(r) for r in task.lead],
        "coordinating": [directory.label(r) for r in task.coordinating],
    }
    if task.cadence is Cadence.CAMPAIGN:
        return []  # the campaign's own messages carry it
    if task.dated:
        return dated_task_events(plan, task, year, cal, directory, context)
    every = _EVERY.get(task.cadence, plan.reminder_policy.continuous_every)
    events = []
    for label, start, end in periods(year, every):
        if end < plan.effective_from:
            continue
        day = cal.on_or_after(max(start, plan.effective_from))
        if day > end:
            continue
        events.append(Event(Kind.TASK_REMINDER, f"{task.id}/{label}", "0", day, units, None, None,
                            {**context, "deadline": None, "step": 0}))
    return events


def task_deadlines(task: Task, year: int, cal: WorkingCalendar) -> list[tuple[str, str, date, date | None]]:
    """(ref suffix, what is due, written deadline, window opening) of each deadline of ``task`` in ``year``."""
    out: list[tuple[str, str, date, date | None]] = []
    if task.due is not None and task.due.occurs_in(year):
        out.append(("", task.title, task.due.in_year(year), None))
    if task.window is not None and task.window.occurs_in(year):
        start, end = task.window.bounds(year)
        out.append(("", task.title, end, start))
    for i, m in enumerate(task.milestones, 1):
        if m.due.occurs_in(year):
            out.append((f"/m{i}", m.title, m.due.in_year(year), None))
    return out


def dated_task_events(plan: Plan, task: Task, year: int, cal: WorkingCalendar, directory: Directory,
                      context: dict[str, Any]) -> list[Event]:
    policy = plan.reminder_policy
    units = (*task.lead, *task.coordinating)
    lead = tuple(task.lead)
    office = (policy.escalate_to or plan.office,)
    found = task_deadlines(task, year, cal)
    if not found:
        return []
    events: list[Event] = []
    first_written = min(written for _, _, written, _ in found)
    announce = cal.on_or_after(max(date(year, 1, 1), plan.effective_from))
    if announce < cal.add_working_days(cal.target_for_due(first_written, policy.due_on_day_off), -max(policy.before, default=0)):
        events.append(Event(Kind.TASK_REMINDER, f"{task.id}/{year}", "announce", announce, units, None, None,
                            {**context, "deadline": first_written.isoformat(), "stage": "announce", "step": None,
                             "deadlines": [{"title": t, "date": w.isoformat()} for _, t, w, _ in found]}))
    for suffix, title, written, opens in found:
        ref = f"{task.id}/{year}{suffix}"
        d = unit_deadline(written, None, cal, policy.due_on_day_off)
        done = done_period(plan, task, year, written, cal)
        ctx = {**context, "deadline": d.aim.isoformat(), "written_due": written.isoformat(), "milestone": title
               if suffix else None}
        if opens is not None:
            events.append(Event(Kind.TASK_REMINDER, ref, "open", cal.on_or_after(opens), units, d.aim, done,
                                {**ctx, "stage": "open", "step": None, "window_start": opens.isoformat()}))
        steps = [*policy.before, 0] if policy.on_due else list(policy.before)
        events += [Event(Kind.TASK_REMINDER, ref, step_label(-n), cal.add_working_days(d.aim, -n), units, d.aim,
                         done, {**ctx, "stage": "due" if n == 0 else "before", "step": -n})
                   for n in steps if opens is None or cal.add_working_days(d.aim, -n) > opens]
        for n in policy.after:
            day = cal.add_working_days(d.last_on_time, n)
            events.append(Event(Kind.TASK_REMINDER, ref, step_label(n), day, lead, d.aim, done,
                                {**ctx, "stage": "overdue", "step": n}))
            events.append(Event(Kind.ESCALATION, ref, step_label(n), day, office, d.aim, done,
                                {**ctx, "stage": "task", "step": n,
                                 "expected_units": [u.name for u in directory.resolve(lead)],
                                 "expected_unit_ids": [u.id for u in directory.resolve(lead)]}))
    return events


def done_period(plan: Plan, task: Task, year: int, deadline: date, cal: WorkingCalendar) -> str | None:
    """The period of the task's own report in which its lead records it done (its link, a note, files).

    The first period whose data window reaches the deadline; once the lead has submitted for it,
    the task's remaining reminders and escalations for that deadline are not sent. A task without
    a report of its own is done through the completion period of its occurrence in ``year`` (``task_done``).
    """
    if task.report is None:
        return task_period_id(plan, task, year)
    report = plan.report(task.report)
    periods = [p for y in (deadline.year, deadline.year + 1) for p in report_periods(plan, report, y, cal)]
    return next((p.id for p in sorted(periods, key=lambda p: p.window_end) if p.window_end >= deadline), None)
