"""Sending a báo cáo upward: the one code path of ``kehoach rollup --send-upward`` and the console.

The report goes to the body above in the two ways it can: as that body's submission to the
parent plan when the parent plan is in the system, and by email (the DOCX attached) to the
report's ``upward.unit``. Both are recorded before anything leaves: the email waits in the
outbox for the next dispatch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kehoach.errors import KehoachError
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.rollup.build import Rollup
from kehoach.rollup.upward import parent_periods, submit_upward
from kehoach.rollup.review import texts_of
from kehoach.rollup.summary import figures_xlsx
from kehoach.store.report_tables import ReportApproval, ReportDraft
from kehoach.submissions import notices

NO_TARGET = ("báo cáo này không có nơi nhận cấp trên: không có kế hoạch cấp trên trong hệ thống "
             "và mục upward.unit của báo cáo chưa được khai báo")


class NoUpwardTarget(KehoachError, LookupError):
    """The report names no body above and no parent plan in the system expects it."""


@dataclass
class UpwardResult:
    submissions: list[tuple[str, str, int]] = field(default_factory=list)  # (parent plan, period, version)
    emailed_to: str | None = None  # the unit's name, when an email was queued


def send_upward(session: Session, data_dir: Path, plans: Iterable[Plan], directory: Directory, r: Rollup,
                docx: Path, figures: Path, now: datetime, approved_values: dict[str, Any] | None = None) -> UpwardResult:
    """Submit ``r`` to every parent plan that expects it and queue the email to ``upward.unit``."""
    parents = parent_periods(plans, directory, r.plan, r.period)
    emails = notices.report_upward(r.plan, directory, r.period, now, [docx, figures], f"upward-{now:%Y%m%dT%H%M%S}",
                                   summary=r.texts.section("danh_gia_chung"))
    if not parents and not emails:
        raise NoUpwardTarget(NO_TARGET)
    result = UpwardResult()
    for parent, pper in parents:
        row = submit_upward(session, data_dir, r, parent, pper, directory, now, docx, approved_values)
        result.submissions.append((parent.id, pper.id, row.version))
    if emails:
        notices.enqueue(session, emails, now)
        result.emailed_to = directory.label(emails[0].unit)
    return result


def send_approved(session: Session, data_dir: Path, plans: Iterable[Plan], directory: Directory, r: Rollup,
                  approval: ReportApproval, *, by: str, now: datetime) -> UpwardResult:
    """Send the approved DOCX (from the database) upward and record who sent it and when.

    The figures, the CSV and the email's summary are the approved version's, whatever arrived since.
    """
    r = replace(r, texts=texts_of(session.get(ReportDraft, approval.draft_id)))
    folder = data_dir / "rollups" / r.plan.id / r.period.id / f"da-duyet-v{approval.version}"
    folder.mkdir(parents=True, exist_ok=True)
    docx = folder / approval.filename
    docx.write_bytes(approval.docx)
    figures = figures_xlsx(approval.csv, folder / approval.filename.replace(".docx", ".xlsx"))
    result = send_upward(session, data_dir, plans, directory, r, docx, figures, now, approval.values)
    approval.sent_at, approval.sent_by = now, by
    session.add(approval)
    session.commit()
    return result
