"""The reminder ladder of one report period: where reminders, overdue notices and escalations fall.

Dates come from ``submissions.timeliness``, the rule tracking and the portal use too: reminders
aim at the working day chosen by the plan's rule for a due date on a day off (``DueOnDayOff``);
overdue notices start the working day after the last on-time day, so a unit is never called late
while still on time. A unit with an extension gets its own chasing events (``chasing_events``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.expansion.event import Event, item
from kehoach.notification import Kind
from kehoach.plans.model import Plan, Report
from kehoach.submissions.periods import Period, report_periods
from kehoach.submissions.timeliness import UnitDeadline, unit_deadline


def step_label(step: int) -> str:
    """``-10``, ``0``, ``+3``: a ladder position that stays in the key when dates move."""
    return f"{step:+d}" if step else "0"


def report_events(
    plan: Plan, report: Report, year: int, cal: WorkingCalendar, directory: Directory
) -> list[Event]:
    """The ladders of every period of ``report`` whose window belongs to ``year``."""
    return [e for period in report_periods(plan, report, year, cal) for e in period_events(plan, period, cal, directory)]


def _base(plan: Plan, period: Period, deadline: UnitDeadline, directory: Directory) -> dict[str, Any]:
    report = period.report
    return {
        "item": item(report.id, report.title),
        "period": {"id": period.id, "label": period.label},
        "deadline": deadline.aim.isoformat(),
        "written_due": deadline.written.isoformat(),
        "to": directory.label(report.to),
    }


def chasing_events(plan: Plan, period: Period, cal: WorkingCalendar, units: tuple[str, ...],
                   deadline: UnitDeadline, directory: Directory) -> list[Event]:
    """Reminders before, on and after one deadline, to ``units``: the part an extension moves."""
    policy = plan.reminder_policy
    base = _base(plan, period, deadline, directory)

    def event(kind: Kind, step: int, day: date) -> Event:
        return Event(kind, period.id, step_label(step), day, units, deadline.aim, period.id, {**base, "step": step})

    events = [event(Kind.REPORT_REMINDER, -n, cal.add_working_days(deadline.aim, -n)) for n in policy.before]
    if policy.on_due:
        events.append(event(Kind.REPORT_DUE, 0, deadline.aim))
    events += [event(Kind.REPORT_OVERDUE, n, cal.add_working_days(deadline.last_on_time, n)) for n in policy.after]
    return events


def period_events(plan: Plan, period: Period, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    """One period's ladder: reminders, overdue notices, escalations and the office's upward deadline."""
    policy = plan.reminder_policy
    report = period.report
    deadline = unit_deadline(period.due, None, cal, policy.due_on_day_off)
    units = tuple(report.units)
    events = chasing_events(plan, period, cal, units, deadline, directory)
    base = _base(plan, period, deadline, directory)
    office = (policy.escalate_to or report.to,)
    expected = directory.resolve(units)
    for n in policy.after:
        events.append(Event(Kind.ESCALATION, period.id, step_label(n), cal.add_working_days(deadline.last_on_time, n),
                            office, deadline.aim, period.id,
                            {**base, "step": n, "expected_units": [u.name for u in expected],
                             "expected_unit_ids": [u.id for u in expected]}))
    if report.upward:
        up_written = period.upward_due
        assert up_written is not None  # set for every period of a report with ``upward``
        up_target = cal.target_for_due(up_written, policy.due_on_day_off)
        for n in [*policy.office_before, 0]:
            events.append(Event(
                Kind.OFFICE_COMPILE, period.id, step_label(-n), cal.add_working_days(up_target, -n), (report.to,),
                up_target, period.id,
                {**base, "step": -n, "deadline": up_target.isoformat(), "written_due": up_written.isoformat(),
                 "upward_to": report.upward.to},
            ))
    return events
