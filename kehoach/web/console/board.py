"""The follow-up board of one plan and period: every unit the report names, its status, its reminders.

Who reported comes from ``status_of`` (``kehoach status``), the reminders from
``outbox.deliveries`` (the outbox ``kehoach outbox`` lists) and, beyond the sync horizon, from
``expansion.planned`` (what the morning syncs will write), what the office did and who did it
from the follow-up log (``submissions.followup_log``), exemptions from
``submissions.exemption``: the board adds no rule of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.expansion.planned import planned_deliveries
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.store import outbox
from kehoach.store.followup_tables import Exemption, FollowupAction
from kehoach.submissions.exemption import exemptions
from kehoach.submissions.followup_log import actions_of
from kehoach.submissions.periods import Period
from kehoach.submissions.progress import WeekPoint, weekly_completeness
from kehoach.submissions.record import first_submitted_at, latest_submissions
from kehoach.submissions.tracking import PeriodStatus, UnitRef, status_of

STATUS_LABELS = {
    "on_time": "Đã nộp đúng hạn",
    "late": "Nộp muộn",
    "missing": "Chưa nộp",
    "extended": "Được gia hạn",
    "exempt": "Miễn",
}


@dataclass(frozen=True)
class BoardRow:
    unit: UnitRef
    state: str  # a key of STATUS_LABELS
    deadline: date
    latest_at: datetime | None
    latest_version: int | None
    reminders: list[outbox.Delivery]
    actions: list[FollowupAction]  # what the office did for this unit, who and when, oldest first
    exemption: Exemption | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.state]

    @property
    def waiting(self) -> bool:
        """Still owes its report: the office may remind it, extend or exempt it."""
        return self.state in ("missing", "extended")


@dataclass(frozen=True)
class Board:
    plan: Plan
    period: Period
    status: PeriodStatus
    rows: list[BoardRow]
    chart: list[WeekPoint]  # completeness by week to the deadline


def board(session: Session, plan: Plan, directory: Directory, period: Period, cal: WorkingCalendar,
          now: datetime) -> Board:
    st = status_of(session, plan, directory, period, cal)
    latest = latest_submissions(session, plan.id, period.id)
    sent: dict[str, list[outbox.Delivery]] = defaultdict(list)
    for row in outbox.deliveries(session, plan.id, period.id):
        sent[row.unit].append(row)
    for row in planned_deliveries(session, plan, directory, period, cal, now):
        sent[row.unit].append(row)
    for rows_of_unit in sent.values():
        rows_of_unit.sort(key=lambda r: r.send_at)
    done = actions_of(session, plan.id, period.id)
    excused = exemptions(session, plan.id, period.id)
    on_time, late = {u.id for u in st.on_time}, {u.id for u in st.late}
    rows = []
    for unit in st.expected:
        if unit.id in on_time:
            state = "on_time"
        elif unit.id in late:
            state = "late"
        else:
            state = "extended" if unit.id in st.deadlines else "missing"
        sub = latest.get(unit.id)
        rows.append(BoardRow(unit, state, st.deadlines.get(unit.id, period.due),
                             sub.submitted_at if sub else None, sub.version if sub else None, sent[unit.id],
                             done.get(unit.id, [])))
    rows += [BoardRow(unit, "exempt", period.due, None, None, sent[unit.id], done.get(unit.id, []),
                      excused.get(unit.id)) for unit in st.exempt]
    chart = weekly_completeness(first_submitted_at(session, plan.id, period.id), {u.id for u in st.expected},
                                period.due, now.astimezone(VN_TZ).date())
    return Board(plan, period, st, rows, chart)
