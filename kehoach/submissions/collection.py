"""Report collection over time: where a period stands on a given day, and what that asks for.

A period *opens* with its first reminder, is *due* on the working day the reminders aim at,
is *overdue* after the legal deadline (overdue notices to the units that have not reported,
escalations to the office), and *closes* after the last escalation: then its roll-up starts.
The milestones come from the same ladder expansion uses (``expansion.ladder``), so the
collection flow and the outbox can never disagree about dates. Reminders themselves go out
through the dispatcher, which skips units that submitted (``submissions.tracking``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.errors import CalendarError
from kehoach.expansion.ladder import period_events
from kehoach.notification import Kind
from kehoach.plans.model import Plan
from kehoach.rollup.build import build_rollup
from kehoach.rollup.summary import markdown, write_outputs
from kehoach.store.documents import stored_for
from kehoach.submissions.notices import enqueue, rollup_ready
from kehoach.submissions.periods import Period, periods_of_year
from kehoach.submissions.timeliness import unit_deadline
from kehoach.submissions.tracking import PeriodStatus, status_of


class Phase(StrEnum):
    NOT_OPEN = "chưa mở"
    OPEN = "đang nhận báo cáo"
    DUE = "đến hạn"
    OVERDUE = "quá hạn, đang đôn đốc"
    CLOSED = "đã đóng"


@dataclass(frozen=True)
class Milestones:
    opens: date  # first reminder
    due: date  # the working day reminders aim at
    legal_deadline: date  # a time limit ending on a day off ends on the next working day
    closes: date  # last overdue notice and escalation

    def phase(self, day: date) -> Phase:
        if day < self.opens:
            return Phase.NOT_OPEN
        if day < self.due:
            return Phase.OPEN
        if day <= self.legal_deadline:
            return Phase.DUE
        if day < self.closes:
            return Phase.OVERDUE
        return Phase.CLOSED

    def days(self) -> list[date]:
        return sorted({self.opens, self.due, self.legal_deadline, self.closes})


def milestones(plan: Plan, period: Period, cal: WorkingCalendar, directory: Directory) -> Milestones:
    events = period_events(plan, period, cal, directory)
    deadline = unit_deadline(period.due, None, cal, plan.reminder_policy.due_on_day_off)
    due, legal = deadline.aim, deadline.last_on_time
    chasing = [e.day for e in events if e.kind in (Kind.REPORT_REMINDER, Kind.REPORT_DUE)]
    after = [e.day for e in events if e.kind in (Kind.REPORT_OVERDUE, Kind.ESCALATION)]
    return Milestones(min(chasing, default=due), due, legal, max(after, default=legal))


def rollup_dir(data_dir: Path, plan_id: str, period_id: str) -> Path:
    """Where a period's roll-up files go; their presence means the roll-up was made."""
    return data_dir / "rollups" / plan_id / period_id


def rollup_made(session: Session, data_dir: Path, plan_id: str, period_id: str) -> bool:
    """Made by any worker (its draft sent and stored in the database), or here by hand."""
    return (stored_for(session, plan_id, period_id, ".docx")
            or any(rollup_dir(data_dir, plan_id, period_id).glob("*.docx")))


@dataclass(frozen=True)
class PeriodStep:
    """One period seen by the collection flow on one day."""

    period: Period
    milestones: Milestones
    phase: Phase
    status: PeriodStatus
    start_rollup: bool

    def as_dict(self) -> dict[str, Any]:
        m = self.milestones
        return {
            "plan": self.period.plan_id, "period": self.period.id, "label": self.period.label,
            "phase": self.phase.value, "opens": m.opens.isoformat(), "due": m.due.isoformat(),
            "legal_deadline": m.legal_deadline.isoformat(), "closes": m.closes.isoformat(),
            "expected": len(self.status.expected), "submitted": len(self.status.submitted),
            "missing": [u.id for u in self.status.missing], "start_rollup": self.start_rollup,
        }


def candidate_periods(plan: Plan, day: date, period_id: str | None = None,
                      cal: WorkingCalendar | None = None) -> list[Period]:
    """The named period, or every period of this year and last year (an annual report may close in January)."""
    years = [y for y in (day.year - 1, day.year) if y >= plan.year]
    periods = [p for y in years for p in periods_of_year(plan, y, cal)]
    if period_id is not None:
        periods = [p for p in periods if p.id == period_id]
        if not periods:
            raise LookupError(f"kế hoạch '{plan.id}' không có kỳ báo cáo '{period_id}'")
    return periods


def periods_in_play(plan: Plan, directory: Directory, cal: WorkingCalendar, day: date,
                    period_id: str | None = None) -> list[tuple[Period, Milestones, Phase]]:
    """The named period, or every period of the plan that has opened by ``day``, with its milestones and phase."""
    out = []
    for period in candidate_periods(plan, day, period_id, cal):
        try:
            m = milestones(plan, period, cal, directory)
        except CalendarError:  # a year outside the calendar's range: nothing to collect there
            if period_id is not None:
                raise
            continue
        if m.closes < plan.effective_from:
            continue  # before the plan took effect: not this plan's to collect
        phase = m.phase(day)
        if phase is Phase.NOT_OPEN and period_id is None:
            continue
        out.append((period, m, phase))
    return out


def advance(
    session: Session, plan: Plan, directory: Directory, cal: WorkingCalendar, data_dir: Path,
    now: datetime, period_id: str | None = None,
) -> list[PeriodStep]:
    """The open, due, overdue or just-closed periods at ``now``; closed ones without a roll-up ask for one.

    A period that closed earlier and already has its roll-up is left out: nothing more to do.
    """
    day = now.astimezone(VN_TZ).date()
    steps: list[PeriodStep] = []
    for period, m, phase in periods_in_play(plan, directory, cal, day, period_id):
        made = rollup_made(session, data_dir, plan.id, period.id)
        if phase is Phase.CLOSED and made and period_id is None:
            continue
        steps.append(PeriodStep(period, m, phase, status_of(session, plan, directory, period, cal),
                                start_rollup=phase is Phase.CLOSED and not made))
    return steps


def make_rollup(session: Session, plan: Plan, directory: Directory, period: Period, data_dir: Path,
                now: datetime, cal: WorkingCalendar) -> tuple[str, dict[str, Path], int]:
    """Sum the period, write the draft báo cáo and its summaries, and send the office the draft.

    Sending it upward stays a person's decision (``kehoach rollup --send-upward``): the office
    reviews the draft first. Returns the Markdown summary, the files by kind, and how many notices were queued.
    """
    r = build_rollup(session, plan, directory, period, now.astimezone(VN_TZ).date(), cal)
    paths = write_outputs(r, rollup_dir(data_dir, plan.id, period.id))
    notices = rollup_ready(plan, directory, period, now, [paths["docx"], paths["xlsx"]],
                           [u.name for u in r.status.missing], "tu-dong")
    return markdown(r), paths, enqueue(session, notices, now)
