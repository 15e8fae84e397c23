"""The báo cáo review: the office saves versions of its texts, the leader approves one.

Roles are the web layer's business; this module keeps the rules that hold whoever calls it:
versions only grow, only the latest version can be approved, and an approval stores the
DOCX built from exactly that version, so what was approved is what goes upward.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from kehoach.calendar import WorkingCalendar
from kehoach.errors import KehoachError
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.rollup.build import Rollup, build_rollup
from kehoach.rollup.narrative import OfficeTexts, texts_errors
from kehoach.rollup.report_docx import write_docx
from kehoach.rollup.summary import csv_text
from kehoach.store.report_tables import ReportApproval, ReportDraft
from kehoach.submissions.periods import Period


class ReviewError(KehoachError, ValueError):
    """A save or an approval that must be refused; the message is for the office."""


def drafts(session: Session, plan_id: str, period_id: str) -> list[ReportDraft]:
    """Every saved version, newest first."""
    q = select(ReportDraft).where(ReportDraft.plan == plan_id, ReportDraft.period == period_id)
    return list(session.exec(q.order_by(col(ReportDraft.version).desc())))


def latest_draft(session: Session, plan_id: str, period_id: str) -> ReportDraft | None:
    found = drafts(session, plan_id, period_id)
    return found[0] if found else None


def texts_of(draft: ReportDraft | None) -> OfficeTexts:
    return OfficeTexts(dict(draft.sections), dict(draft.notes)) if draft else OfficeTexts()


def rollup_for_review(session: Session, plan: Plan, directory: Directory, period: Period, today: date,
                      cal: WorkingCalendar) -> Rollup:
    """The period's roll-up with the office's latest saved texts: what the console shows and the CLI writes."""
    r = build_rollup(session, plan, directory, period, today, cal)
    return replace(r, texts=texts_of(latest_draft(session, plan.id, period.id)))


def save_draft(session: Session, r: Rollup, texts: OfficeTexts, *, by: str, now: datetime) -> ReportDraft:
    """A new version of the office's texts; ReviewError if a section or figure is unknown or too long."""
    errors = texts_errors(texts, {t.id for t in r.totals})
    if errors:
        raise ReviewError("; ".join(errors))
    last = latest_draft(session, r.plan.id, r.period.id)
    row = ReportDraft(plan=r.plan.id, period=r.period.id, version=(last.version + 1) if last else 1,
                      sections={k: v for k, v in texts.sections.items() if v.strip()},
                      notes={k: v for k, v in texts.notes.items() if v.strip()}, saved_at=now, saved_by=by)
    session.add(row)
    session.commit()
    return row


def docx_name(r: Rollup) -> str:
    return f"bao-cao-{r.plan.id}-{r.period.id}.docx"


def docx_bytes(r: Rollup) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_docx(r, Path(tmp) / docx_name(r)).read_bytes()


def approve(session: Session, r: Rollup, version: int, *, by: str, now: datetime) -> ReportApproval:
    """Approve ``version`` (the latest) and store the DOCX built from it."""
    last = latest_draft(session, r.plan.id, r.period.id)
    if last is None:
        raise ReviewError("chưa có bản dự thảo nào được lưu để phê duyệt")
    if version != last.version:
        raise ReviewError(f"phiên bản {version} không phải bản mới nhất (phiên bản {last.version}); "
                          "hãy xem lại bản mới nhất trước khi phê duyệt")
    approved = replace(r, texts=texts_of(last), made_on=now.date())
    row = ReportApproval(plan=r.plan.id, period=r.period.id, draft_id=last.id, version=last.version,  # type: ignore[arg-type]
                         approved_at=now, approved_by=by, filename=docx_name(r), docx=docx_bytes(approved),
                         csv=csv_text(approved), values=approved.upward_values())
    session.add(row)
    session.commit()
    return row


def current_approval(session: Session, plan_id: str, period_id: str) -> ReportApproval | None:
    """The approval of the latest version; None when the latest version is not approved."""
    last = latest_draft(session, plan_id, period_id)
    if last is None:
        return None
    q = select(ReportApproval).where(ReportApproval.plan == plan_id, ReportApproval.period == period_id,
                                     ReportApproval.version == last.version)
    return session.exec(q.order_by(col(ReportApproval.id).desc())).first()


def approvals(session: Session, plan_id: str, period_id: str) -> list[ReportApproval]:
    q = select(ReportApproval).where(ReportApproval.plan == plan_id, ReportApproval.period == period_id)
    return list(session.exec(q.order_by(col(ReportApproval.id).desc())))


def awaiting_approval(session: Session, plan_ids: list[str]) -> list[ReportDraft]:
    """The latest version of every report of these plans that the leader has not approved yet,
    oldest save first: two queries whatever the number of plans (the console's home page)."""
    latest: dict[tuple[str, str], ReportDraft] = {}
    for d in session.exec(select(ReportDraft).where(col(ReportDraft.plan).in_(plan_ids))):
        key = (d.plan, d.period)
        if key not in latest or d.version > latest[key].version:
            latest[key] = d
    approved = set(session.exec(select(ReportApproval.plan, ReportApproval.period, ReportApproval.version)
                                .where(col(ReportApproval.plan).in_(plan_ids))))
    waiting = [d for d in latest.values() if (d.plan, d.period, d.version) not in approved]
    return sorted(waiting, key=lambda d: d.saved_at)
