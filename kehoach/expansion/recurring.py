"""Reminders of a plan's tasks: "thường xuyên" (every quarter or month), monthly, quarterly, dated.

A recurring task is reminded on the first working day of each of its periods; the period in
which the plan takes effect is reminded on its first working day in force instead, so a
plan issued in May still tells its units what they must do.
"""

from __future__ import annotations

from datetime import date, timedelta

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.expansion.event import Event, item
from kehoach.expansion.ladder import step_label
from kehoach.notification import Kind
from kehoach.plans.model import Cadence, Every, Plan, Task

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
    if task.cadence is Cadence.BY_DATE:
        assert task.due is not None  # guaranteed by Task's validator
        policy = plan.reminder_policy
        target = cal.target_for_due(task.due.in_year(year), policy.due_on_day_off)
        steps = [*policy.before, 0] if policy.on_due else list(policy.before)
        return [
            Event(Kind.TASK_REMINDER, f"{task.id}/{year}", step_label(-n), cal.add_working_days(target, -n),
                  units, target, None, {**context, "deadline": target.isoformat(), "step": -n})
            for n in steps
        ]
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
