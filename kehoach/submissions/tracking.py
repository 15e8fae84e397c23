"""Who reported for a period: expected units, on time, late, missing; completeness, timeliness.

``period_status`` is pure: it takes the period, the expected units, when each unit first
submitted and any extensions, and returns the status. Whether a unit is on time is decided by
``submissions.timeliness`` (written date or extension, then the day-off rule), the same rule the
reminder ladder and the portal use. A unit the office exempted (``submissions.exemption``)
is listed apart: it is not expected, so it counts neither for nor against completeness.
``submitted_units`` is the one database query the dispatcher calls before sending a report
reminder.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory, Unit
from kehoach.plans.model import Plan
from kehoach.submissions.exemption import exemptions
from kehoach.submissions.forms import numeric_indicators
from kehoach.submissions.periods import Period, default_calendar
from kehoach.submissions.record import extensions, first_submitted_at
from kehoach.submissions.timeliness import unit_deadline


@dataclass(frozen=True)
class UnitRef:
    id: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class PeriodStatus:
    plan: str
    period: str
    label: str
    deadline: date
    expected: list[UnitRef]
    on_time: list[UnitRef]
    late: list[UnitRef]
    missing: list[UnitRef]
    indicators: list[str]
    deadlines: dict[str, date] = field(default_factory=dict)  # only units whose deadline differs
    exempt: list[UnitRef] = field(default_factory=list)  # named by the report, excused for this period

    @property
    def submitted(self) -> list[UnitRef]:
        """On time or late, in the order the plan names the units."""
        done = set(self.on_time) | set(self.late)
        return [u for u in self.expected if u in done]

    @property
    def completeness(self) -> float:
        """% of expected units that submitted."""
        return _percent(len(self.submitted), len(self.expected))

    @property
    def timeliness(self) -> float:
        """% of expected units that submitted by their deadline."""
        return _percent(len(self.on_time), len(self.expected))

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "period": self.period,
            "label": self.label,
            "deadline": self.deadline.isoformat(),
            "expected": [u.as_dict() for u in self.expected],
            "submitted": [u.as_dict() for u in self.submitted],
            "on_time": [u.as_dict() for u in self.on_time],
            "late": [u.as_dict() for u in self.late],
            "missing": [u.as_dict() for u in self.missing],
            "completeness": self.completeness,
            "timeliness": self.timeliness,
            "indicators": list(self.indicators),
            "extensions": {k: v.isoformat() for k, v in self.deadlines.items()},
            "exempt": [u.as_dict() for u in self.exempt],
        }


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def expected_units(directory: Directory, period: Period) -> list[Unit]:
    """Every unit the report names, groups expanded, each once."""
    return directory.resolve(period.report.units)


def period_status(
    plan: Plan,
    directory: Directory,
    period: Period,
    first_submitted: Mapping[str, datetime],
    extensions: Mapping[str, date] | None = None,
    numeric_indicators: list[str] | None = None,
    cal: WorkingCalendar | None = None,
    exempt: Collection[str] = (),
) -> PeriodStatus:
    """Sort the units the report names into exempt, and the expected rest into on time, late and missing."""
    extensions = extensions or {}
    cal = cal or default_calendar(period.year)
    rule = plan.reminder_policy.due_on_day_off
    expected, on_time, late, missing = [], [], [], []
    deadlines: dict[str, date] = {}
    excused: list[UnitRef] = []
    for unit in expected_units(directory, period):
        ref = UnitRef(unit.id, unit.name)
        if unit.id in exempt:
            excused.append(ref)
            continue
        expected.append(ref)
        deadline = unit_deadline(period.due, extensions.get(unit.id), cal, rule)
        if deadline.extended:
            deadlines[unit.id] = deadline.written
        at = first_submitted.get(unit.id)
        if at is None:
            missing.append(ref)
        elif deadline.on_time(at):
            on_time.append(ref)
        else:
            late.append(ref)
    return PeriodStatus(
        plan=plan.id, period=period.id, label=period.label, deadline=period.due,
        expected=expected, on_time=on_time, late=late, missing=missing,
        indicators=list(numeric_indicators or []), deadlines=deadlines, exempt=excused,
    )


def submitted_units(session: Session, plan_id: str, period: str) -> set[str]:
    """Units owed no further reminder for the period: they submitted, or the office exempted them.

    Escalations name the expected units outside this set, so an exempt unit is never reported missing.
    """
    return set(first_submitted_at(session, plan_id, period)) | set(exemptions(session, plan_id, period))


def status_of(session: Session, plan: Plan, directory: Directory, period: Period,
              cal: WorkingCalendar | None = None) -> PeriodStatus:
    """The status of a period from what is stored."""
    return period_status(
        plan, directory, period,
        first_submitted_at(session, plan.id, period.id),
        extensions(session, plan.id, period.id),
        [i.id for i in numeric_indicators(plan, period.report)],
        cal,
        set(exemptions(session, plan.id, period.id)),
    )
