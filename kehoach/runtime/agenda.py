"""A plan's agenda: which of its events fall on which day, grouped by the flow that watches them.

The per-plan flows (collection, campaign, recurring) run on a schedule, but only the days on
which their plan has an event give them anything to report. The simulation asks this module
for those days so a simulated year runs the flows where they matter, not 250 times each.
Pure: built from the same expansion the outbox is filled from.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.expansion.event import Event
from kehoach.expansion.expand import plan_events
from kehoach.notification import Kind
from kehoach.plans.model import Plan

FLOW_KINDS: dict[str, frozenset[Kind]] = {
    "collection": frozenset({Kind.REPORT_REMINDER, Kind.REPORT_DUE, Kind.REPORT_OVERDUE, Kind.ESCALATION,
                             Kind.OFFICE_COMPILE}),
    "campaign": frozenset({Kind.CAMPAIGN_NOTICE, Kind.CAMPAIGN_KICKOFF, Kind.CAMPAIGN_WEEKLY,
                           Kind.CAMPAIGN_CLOSING, Kind.OCCASION}),
    "recurring": frozenset({Kind.TASK_REMINDER}),
}


def agenda(plan: Plan, year: int, cal: WorkingCalendar, directory: Directory) -> dict[str, dict[date, list[Event]]]:
    """``{flow kind: {day: events}}`` for one plan and year."""
    out: dict[str, dict[date, list[Event]]] = {k: defaultdict(list) for k in FLOW_KINDS}
    for ev in plan_events(plan, year, cal, directory):
        for flow_kind, kinds in FLOW_KINDS.items():
            if ev.kind in kinds:
                out[flow_kind][ev.day].append(ev)
    return {k: dict(v) for k, v in out.items()}


def events_on(plan: Plan, day: date, flow_kind: str, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    return agenda(plan, day.year, cal, directory)[flow_kind].get(day, [])


def campaign_window(plan: Plan, year: int, cal: WorkingCalendar, directory: Directory) -> tuple[date, date] | None:
    """From the first notice to the closing of the plan's campaigns in ``year``; None without any."""
    days = [d for d, evs in agenda(plan, year, cal, directory)["campaign"].items()
            if any(e.kind is not Kind.OCCASION for e in evs)]
    return (min(days), max(days)) if days else None
