"""The follow-up board of one plan and period: every expected unit, its status, its reminders.

Who reported comes from ``status_of`` (``kehoach status``), the reminders from
``outbox.deliveries`` (the outbox ``kehoach outbox`` lists): the board adds no rule of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.store import outbox
from kehoach.submissions.periods import Period
from kehoach.submissions.record import latest_submissions
from kehoach.submissions.tracking import PeriodStatus, UnitRef, status_of

STATUS_LABELS = {
    "on_time": "Đã nộp đúng hạn",
    "late": "Nộp muộn",
    "missing": "Chưa nộp",
    "extended": "Được gia hạn",
}


@dataclass(frozen=True)
class BoardRow:
    unit: UnitRef
    state: str  # a key of STATUS_LABELS
    deadline: date
    latest_at: datetime | None
    latest_version: int | None
    reminders: list[outbox.Delivery]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.state]


@dataclass(frozen=True)
class Board:
    plan: Plan
    period: Period
    status: PeriodStatus
    rows: list[BoardRow]


def board(session: Session, plan: Plan, directory: Directory, period: Period, cal: WorkingCalendar) -> Board:
    st = status_of(session, plan, directory, period, cal)
    latest = latest_submissions(session, plan.id, period.id)
    sent: dict[str, list[outbox.Delivery]] = defaultdict(list)
    for row in outbox.deliveries(session, plan.id, period.id):
        sent[row.unit].append(row)
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
                             sub.submitted_at if sub else None, sub.version if sub else None, sent[unit.id]))
    return Board(plan, period, st, rows)
