"""A dated task recorded done by its lead unit, through the link its reminders carry.

A dated task without a report of its own gets a completion "period" (``hoan-thanh-<task>``):
its reminders carry that period's signed link, the lead posts a note and files there, and the
record is stored as an ordinary submission (versions, attachments, who and when). From then on
the unit's pending rows of that task are skipped at once, the dispatcher skips any the sync
re-creates (the unit has "submitted"), and status shows the task done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from kehoach.notification import Kind
from kehoach.plans.config import Config
from kehoach.plans.model import Plan, Task
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.record import versions
from kehoach.submissions.timeliness import UnitDeadline, unit_deadline

PREFIX = "hoan-thanh-"
NOTE = "ghi_chu"
DONE = "Đơn vị đã báo cáo hoàn thành nhiệm vụ"


def task_period_id(task_id: str) -> str:
    return f"{PREFIX}{task_id}"


def dated(task: Task) -> bool:
    return task.due is not None or task.window is not None or bool(task.milestones)


def task_of(plan: Plan, period_id: str) -> Task | None:
    """The dated task whose completion ``period_id`` names, if any."""
    if not period_id.startswith(PREFIX):
        return None
    wanted = period_id[len(PREFIX):]
    return next((t for t in plan.tasks if t.id == wanted and dated(t) and t.report is None), None)


def task_deadline(task: Task, year: int) -> date | None:
    """The task's last written deadline in ``year`` (its due date, its window's end, its last milestone)."""
    days = []
    if task.due is not None and task.due.occurs_in(year):
        days.append(task.due.in_year(year))
    if task.window is not None and task.window.occurs_in(year):
        days.append(task.window.bounds(year)[1])
    days += [m.due.in_year(year) for m in task.milestones if m.due.occurs_in(year)]
    return max(days, default=None)


def skip_unit_rows(session: Session, plan_id: str, period_id: str, unit_id: str, now: datetime) -> int:
    """Skip, with the reason, the unit's pending rows of this completion period, and the office's
    escalations once every unit they name has recorded the task done; commit."""
    done_units = {r.unit for r in versions(session, plan_id, period_id)} | {unit_id}
    pending = session.exec(select(Outbox).where(Outbox.plan == plan_id, Outbox.period == period_id,
                                                Outbox.status == Status.PENDING.value)).all()
    skipped = [r for r in pending if r.unit == unit_id or (
        r.kind == Kind.ESCALATION.value and set(r.context.get("expected_unit_ids") or [unit_id]) <= done_units)]
    for row in skipped:
        row.status, row.last_error, row.updated_at = Status.SKIPPED.value, DONE, now
        session.add(row)
    session.commit()
    return len(skipped)


def completion_deadline(config: Config, plan: Plan, task: Task, year: int) -> UnitDeadline | None:
    """The lead's deadline for the task as of ``year`` (its last deadline that year, else the year before)."""
    written = task_deadline(task, year) or task_deadline(task, year - 1)
    if written is None:
        return None
    return unit_deadline(written, None, config.calendar([written.year]), plan.reminder_policy.due_on_day_off)


@dataclass(frozen=True)
class LeadStatus:
    """Whether one lead unit has recorded one dated task done, when, on time or not, with what note."""

    task: Task
    unit: str
    done_at: datetime | None
    on_time: bool | None
    note: str | None


def task_statuses(session: Session, config: Config, plan: Plan, year: int) -> list[LeadStatus]:
    """Every lead unit of every dated task recorded through its completion link: done or not yet."""
    out = []
    for task in plan.tasks:
        if task_of(plan, task_period_id(task.id)) is None:
            continue
        rows = versions(session, plan.id, task_period_id(task.id))
        for unit in config.directory.resolve(tuple(task.lead)):
            mine = [r for r in rows if r.unit == unit.id]
            if not mine:
                out.append(LeadStatus(task, unit.id, None, None, None))
                continue
            first = mine[0].submitted_at
            deadline = completion_deadline(config, plan, task, year)
            out.append(LeadStatus(task, unit.id, first, deadline is None or deadline.on_time(first),
                                  mine[-1].values.get(NOTE)))
    return out
