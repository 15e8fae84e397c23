"""The reminder ladder of one report period: where reminders, overdue notices and escalations fall.

Reminders aim at the working day chosen by the plan's rule for a due date on a day off
(``DueOnDayOff``); overdue notices count from the legal deadline (a time limit that ends on a
day off ends on the next working day), so a unit is never called late while still on time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.expansion.event import Event, item
from kehoach.notification import Kind
from kehoach.plans.model import Plan, Report
from kehoach.submissions.periods import KIND_LABELS, format_period


def step_label(step: int) -> str:
    """``-10``, ``0``, ``+3``: a ladder position that stays in the key when dates move."""
    return f"{step:+d}" if step else "0"


def report_events(
    plan: Plan, report: Report, year: int, cal: WorkingCalendar, directory: Directory
) -> list[Event]:
    policy = plan.reminder_policy
    written = report.due.in_year(year)
    target = cal.target_for_due(written, policy.due_on_day_off)
    legal = cal.legal_deadline(written)
    period = format_period(report.id, year)
    units = tuple(report.units)
    base: dict[str, Any] = {
        "item": item(report.id, report.title),
        "period": {"id": period, "label": KIND_LABELS[report.period].format(year=year)},
        "deadline": target.isoformat(),
        "written_due": written.isoformat(),
        "to": directory.label(report.to),
    }

    def event(kind: Kind, step: int, day: date, to: tuple[str, ...], due: date = target,
              **extra: Any) -> Event:
        context = {**base, "step": step, **extra}
        return Event(kind, period, step_label(step), day, to, due, period, context)

    events = [event(Kind.REPORT_REMINDER, -n, cal.add_working_days(target, -n), units) for n in policy.before]
    if policy.on_due:
        events.append(event(Kind.REPORT_DUE, 0, target, units))
    office = (policy.escalate_to or report.to,)
    expected = directory.resolve(units)
    for n in policy.after:
        day = cal.add_working_days(legal, n)
        events.append(event(Kind.REPORT_OVERDUE, n, day, units))
        events.append(event(Kind.ESCALATION, n, day, office, expected_units=[u.name for u in expected],
                            expected_unit_ids=[u.id for u in expected]))
    if report.upward:
        up_written = report.upward.due.in_year(year)
        up_target = cal.target_for_due(up_written, policy.due_on_day_off)
        for n in [*policy.office_before, 0]:
            events.append(event(
                Kind.OFFICE_COMPILE, -n, cal.add_working_days(up_target, -n), (report.to,), up_target,
                deadline=up_target.isoformat(), written_due=up_written.isoformat(),
                upward_to=report.upward.to,
            ))
    return events
