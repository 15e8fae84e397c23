"""Messages that report collection puts in the outbox: a unit's confirmation, the answer to its
extension request, the office's draft.

They go through the same outbox and dispatcher as reminders, so a confirmation is never sent
twice and survives an SMTP outage. Their keys name the version (a second submission gets a
second confirmation) and carry no expansion year, so a plan re-sync never retires them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kehoach.plans.directory import Directory
from kehoach.expansion.reference import plan_context
from kehoach.notification import Kind, Notification, event_key
from kehoach.plans.model import Plan
from kehoach.store.documents import store_files
from kehoach.store.followup_tables import ExtensionRequest
from kehoach.store.outbox import upsert_by_key
from kehoach.submissions.periods import Period
from notifications.render import render_subject


def _context(plan: Plan, directory: Directory, period: Period, kind: Kind, link: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "plan": plan_context(plan, directory),
        "item": {"id": period.report.id, "title": period.report.title},
        "period": {"id": period.id, "label": period.label},
        "deadline": period.due.isoformat(),
        "link": link,
        "kind": kind.value,
        **extra,
    }


def _notifications(plan: Plan, directory: Directory, period: Period, kind: Kind, step: str, unit_id: str,
                   now: datetime, context: dict[str, Any], channels: tuple[str, ...] = ("email",)) -> list[Notification]:
    unit = directory.unit(unit_id)
    subject = render_subject(kind.value, context)
    base = event_key(plan.id, kind, period.id, step)
    # a unit without the asked channel is told on the one it has; one with no contact at all
    # saw the confirmation page, and there is nobody to write to
    usable = [c for c in channels if c in unit.channels] or list(unit.channels[:1])
    return [
        Notification(f"{base}/{unit_id}/{c}", plan.id, kind, unit_id, c, now, period.due, subject, period.id, context)
        for c in usable
    ]


def confirmation(plan: Plan, directory: Directory, period: Period, unit_id: str, version: int,
                 now: datetime, link: str | None) -> list[Notification]:
    """The unit's "đã nhận báo cáo" email for one version."""
    ctx = _context(plan, directory, period, Kind.SUBMISSION_RECEIVED, link, version=version,
                   submitted_at=now.isoformat(), unit={"id": unit_id, "name": directory.unit(unit_id).name})
    return _notifications(plan, directory, period, Kind.SUBMISSION_RECEIVED, f"{unit_id}-v{version}", unit_id, now, ctx)


def extension_decision(plan: Plan, directory: Directory, period: Period, request: ExtensionRequest, deadline: date,
                       now: datetime, link: str | None) -> list[Notification]:
    """The unit's answer to its extension request: ``deadline`` is its new one when granted, its
    unchanged one when refused (then the office's note says why)."""
    ctx = _context(plan, directory, period, Kind.EXTENSION_DECISION, link, deadline=deadline.isoformat(),
                   decision=request.state, note=request.note, requested=request.requested.isoformat(),
                   unit={"id": request.unit, "name": directory.unit(request.unit).name})
    return _notifications(plan, directory, period, Kind.EXTENSION_DECISION, f"{request.unit}-r{request.id}",
                          request.unit, now, ctx)


def rollup_ready(plan: Plan, directory: Directory, period: Period, now: datetime, files: list[Path],
                 missing: list[str], attempt: str) -> list[Notification]:
    """The draft báo cáo, attached, to the plan's office for review; each --send is its own message."""
    ctx = _context(plan, directory, period, Kind.ROLLUP_READY, None, missing_units=missing,
                   files=[str(f) for f in files])
    return _notifications(plan, directory, period, Kind.ROLLUP_READY, attempt, plan.office, now, ctx)


def report_upward(plan: Plan, directory: Directory, period: Period, now: datetime, files: list[Path],
                  attempt: str, summary: list[str] | None = None) -> list[Notification]:
    """The approved báo cáo, attached, by email to the body above (the report's ``upward.unit``).

    ``summary``: the office's "Đánh giá chung" paragraphs, shown in the body (escaped there).
    """
    upward = period.report.upward
    if upward is None or upward.unit is None:
        return []
    ctx = _context(plan, directory, period, Kind.REPORT_UPWARD, None, files=[str(f) for f in files],
                   deadline=period.upward_due.isoformat() if period.upward_due else None, upward_to=upward.to,
                   summary=list(summary or []))
    return _notifications(plan, directory, period, Kind.REPORT_UPWARD, attempt, upward.unit, now, ctx)


def enqueue(session: Session, notifications: list[Notification], now: datetime) -> int:
    """Queue the notices; the files they carry go into the database, so any worker can attach them."""
    stored = [n._replace(context={**n.context, "files": store_files(session, n.context["files"], plan=n.plan,
                                                                      period=n.period, now=now)})
              if n.context.get("files") else n for n in notifications]
    return upsert_by_key(session, stored, now).inserted
