"""A dated task recorded done by its lead unit, through the link its reminders carry.

A dated task without a report of its own gets a completion "period" per occurrence: a one-off
task one (``hoan-thanh-<task>``), a task due in several years of its plan (yearly in a 2026–2030
plan) one per year (``hoan-thanh-<task>-2027``), so recording 2026 done does not silence 2027.
Its reminders carry that period's signed link, the lead posts a note and files there, and the
record is stored as an ordinary submission (versions, attachments, who and when). From then on
the unit's pending rows of that task are skipped at once, the dispatcher skips any the sync
re-creates (the unit has "submitted"), and status shows the task done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from kehoach.calendar import VN_TZ
from kehoach.notification import Kind
from kehoach.plans.config import Config
from kehoach.plans.model import Plan, Task
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.record import versions
from kehoach.submissions.timeliness import UnitDeadline, unit_deadline

PREFIX = "hoan-thanh-"
NOTE = "ghi_chu"
DONE = "Đơn vị đã báo cáo hoàn thành nhiệm vụ"


def dated(task: Task) -> bool:
    return task.due is not None or task.window is not None or bool(task.milestones)


def task_deadline(task: Task, year: int) -> date | None:
    """The task's last written deadline in ``year`` (its due date, its window's end, its last milestone)."""
    days = []
    if task.due is not None and task.due.occurs_in(year):
        days.append(task.due.in_year(year))
    if task.window is not None and task.window.occurs_in(year):
        days.append(task.window.bounds(year)[1])
    days += [m.due.in_year(year) for m in task.milestones if m.due.occurs_in(year)]
    return max(days, default=None)


def occurrence_years(plan: Plan, task: Task) -> list[int]:
    """The years of the plan's span in which the task is due."""
    return [y for y in plan.span_years if task_deadline(task, y) is not None]


def repeats(plan: Plan, task: Task) -> bool:
    """Due in more than one year of its plan: each year's occurrence is recorded done on its own."""
    return len(occurrence_years(plan, task)) > 1


def task_period_id(plan: Plan, task: Task, year: int) -> str:
    """The completion period of the task's occurrence in ``year`` (one-off tasks keep the bare id)."""
    return f"{PREFIX}{task.id}-{year}" if repeats(plan, task) else f"{PREFIX}{task.id}"


@dataclass(frozen=True)
class Completion:
    """What a completion period id names: the task, and the year of its occurrence (None: the bare id)."""

    task: Task
    year: int | None


def task_of(plan: Plan, period_id: str) -> Completion | None:
    """The dated task (and occurrence) whose completion ``period_id`` names, if any.

    The bare id of a repeating task is still recognised (year None): links sent before occurrences
    had their own period carry it, and a record posted there goes to the occurrence it answers.
    """
    if not period_id.startswith(PREFIX):
        return None
    for task in plan.tasks:
        if task.report is not None or not dated(task):
            continue
        if period_id == f"{PREFIX}{task.id}":
            return Completion(task, None)
        years = occurrence_years(plan, task)
        if len(years) > 1 and period_id in {f"{PREFIX}{task.id}-{y}" for y in years}:
            return Completion(task, int(period_id.rsplit("-", 1)[1]))
    return None


def answered_year(plan: Plan, task: Task, day: date) -> int:
    """The occurrence a record made on ``day`` answers: the latest one due in ``day``'s year or before
    (a record made before the first occurrence answers the first)."""
    years = occurrence_years(plan, task)
    return max((y for y in years if y <= day.year), default=years[0] if years else day.year)


def adopt_legacy_completions(session: Session, plan: Plan) -> int:
    """Move records stored under a repeating task's bare id to the occurrence each unit's first record
    answers (how one record silenced every year before); a unit's records already under that
    occurrence keep their order after the moved ones. Idempotent; commits; returns rows moved."""
    moved = 0
    for task in plan.tasks:
        if task.report is not None or not dated(task) or not repeats(plan, task):
            continue
        bare = f"{PREFIX}{task.id}"
        legacy = session.exec(select(Submission).where(Submission.plan == plan.id, Submission.period == bare)
                              .order_by(col(Submission.unit), col(Submission.version))).all()
        for unit in dict.fromkeys(r.unit for r in legacy):
            mine = [r for r in legacy if r.unit == unit]
            target = task_period_id(plan, task, answered_year(plan, task, mine[0].submitted_at.astimezone(VN_TZ).date()))
            later = session.exec(select(Submission).where(
                Submission.plan == plan.id, Submission.period == target, Submission.unit == unit)
                .order_by(col(Submission.version).desc())).all()
            for row in later:  # highest first, so no two rows share a version on the way
                row.version += len(mine)
                session.add(row)
                session.flush()
            for row in mine:
                row.period = target
                session.add(row)
            moved += len(mine)
    session.commit()
    return moved


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
    """The lead's deadline for the task's occurrence in ``year`` (a one-off task: its last deadline
    that year, else the year before)."""
    written = task_deadline(task, year) or (None if repeats(plan, task) else task_deadline(task, year - 1))
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
    """Every lead unit of every dated task due in ``year`` (a one-off task: any year), recorded through
    its completion link: done or not yet."""
    out = []
    for task in plan.tasks:
        if task.report is not None or not dated(task) or (repeats(plan, task) and task_deadline(task, year) is None):
            continue
        rows = versions(session, plan.id, task_period_id(plan, task, year))
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
