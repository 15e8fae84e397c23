"""A unit's request for a later deadline, made from its signed link, and the office's answer.

The unit asks for a date after its current deadline and says why; the request waits on the
board until the office grants it — through ``followup.extend``, the one path ``kehoach extend``
and the board's "Gia hạn" take, so the unit's reminders and timeliness follow — possibly to
another date, or refuses it with a note. Either way the unit is told by email
(``notices.extension_decision``), through the outbox like every other message. One request per
unit and period waits at a time: a second one is refused, never merged or replaced silently.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from kehoach.calendar import VN_TZ
from kehoach.errors import SubmissionError
from kehoach.plans.config import Config
from kehoach.plans.model import Plan
from kehoach.store.followup_tables import ExtensionRequest
from kehoach.store.report_tables import ReportApproval
from kehoach.submissions import followup, notices
from kehoach.submissions.exemption import exemptions
from kehoach.submissions.followup_log import Action, log_action
from kehoach.submissions.periods import Period
from kehoach.submissions.record import extensions, first_submitted_at
from kehoach.submissions.text import clean_line
from kehoach.submissions.timeliness import UnitDeadline

MAX_REASON = followup.MAX_REASON
DATE_FIELD, REASON_FIELD = "den_ngay", "ly_do"
_VI_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # ASCII digits only
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class RequestState(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class RequestInvalid(SubmissionError):
    """A request the unit must correct; ``errors``: form field → message to show beside it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class RequestNotOffered(SubmissionError):
    """The unit may not ask now (already waiting, reported on time, exempt, or the period is closed)."""


def parse_date(raw: str) -> date:
    """A date typed as ``dd/mm/yyyy`` or sent by a date field as ``yyyy-mm-dd``."""
    text = raw.strip()
    if m := _VI_DATE.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise RequestInvalid({DATE_FIELD: "Vui lòng chọn ngày (ngày/tháng/năm)." if not text else
                              f"Ngày “{text[:20]}” không đúng dạng ngày/tháng/năm."})
    try:
        return date(year, month, day)
    except ValueError:
        raise RequestInvalid({DATE_FIELD: f"Ngày “{text[:20]}” không có trên lịch."}) from None


def checked(raw_date: str, reason: str, deadline: date, today: date) -> tuple[date, str]:
    """(the asked date, the reason as stored), or RequestInvalid naming every wrong field: the
    date must be later than the unit's current ``deadline`` and not past; the reason is one
    line, required, at most ``MAX_REASON`` characters."""
    errors: dict[str, str] = {}
    why = clean_line(reason)
    if not why:
        errors[REASON_FIELD] = "Vui lòng ghi lý do xin gia hạn."
    elif len(why) > MAX_REASON:
        errors[REASON_FIELD] = f"Lý do dài {len(why)} ký tự, quá {MAX_REASON} ký tự cho phép."
    until = None
    try:
        until = parse_date(raw_date)
    except RequestInvalid as exc:
        errors |= exc.errors
    if until is not None and until <= deadline:
        errors[DATE_FIELD] = f"Ngày xin gia hạn phải sau hạn nộp hiện tại ({deadline:%d/%m/%Y})."
    elif until is not None and until < today:
        errors[DATE_FIELD] = f"Ngày xin gia hạn ({until:%d/%m/%Y}) đã qua."
    if errors or until is None:
        raise RequestInvalid(errors)
    return until, why


def latest(session: Session, plan_id: str, period_id: str, unit_id: str) -> ExtensionRequest | None:
    """The unit's most recent request for the period, whatever its state."""
    return session.exec(select(ExtensionRequest).where(
        ExtensionRequest.plan == plan_id, ExtensionRequest.period == period_id, ExtensionRequest.unit == unit_id,
    ).order_by(col(ExtensionRequest.created_at).desc(), col(ExtensionRequest.id).desc())).first()


def pending(session: Session, plan_ids: list[str], period_id: str | None = None) -> list[ExtensionRequest]:
    """The requests still waiting for the office, oldest first (of one period, or of every period)."""
    stmt = select(ExtensionRequest).where(col(ExtensionRequest.plan).in_(plan_ids),
                                          ExtensionRequest.state == RequestState.PENDING.value)
    if period_id is not None:
        stmt = stmt.where(ExtensionRequest.period == period_id)
    return list(session.exec(stmt.order_by(col(ExtensionRequest.created_at), col(ExtensionRequest.id))))


def not_offered(session: Session, plan_id: str, period_id: str, unit_id: str, deadline: UnitDeadline) -> str | None:
    """Why the unit may not ask for an extension now, in Vietnamese; None when it may."""
    last = latest(session, plan_id, period_id, unit_id)
    if last is not None and last.state == RequestState.PENDING:
        return "Đã có một đề nghị gia hạn đang chờ xử lý; văn phòng sẽ trả lời qua thư điện tử."
    first = first_submitted_at(session, plan_id, period_id).get(unit_id)
    if first is not None and deadline.on_time(first):
        return "Đơn vị đã nộp báo cáo kỳ này đúng hạn; không cần gia hạn."
    if unit_id in exemptions(session, plan_id, period_id):
        return "Đơn vị được miễn báo cáo kỳ này."
    sent = session.exec(select(ReportApproval.id).where(
        ReportApproval.plan == plan_id, ReportApproval.period == period_id,
        col(ReportApproval.sent_at).is_not(None))).first()
    if sent is not None:
        return "Kỳ báo cáo đã khép lại: văn phòng đã gửi báo cáo tổng hợp lên cấp trên."
    return None


def request(session: Session, plan_id: str, period_id: str, unit_id: str, raw_date: str, reason: str, *,
            deadline: UnitDeadline, now: datetime) -> ExtensionRequest:
    """Store the unit's request; RequestInvalid for bad fields, RequestNotOffered when it may not ask."""
    until, why = checked(raw_date, reason, deadline.written, now.astimezone(VN_TZ).date())
    refused = not_offered(session, plan_id, period_id, unit_id, deadline)
    if refused:
        raise RequestNotOffered(refused)
    row = ExtensionRequest(plan=plan_id, period=period_id, unit=unit_id, requested=until, reason=why,
                           created_at=now, state=RequestState.PENDING.value)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def _waiting(session: Session, plan: Plan, period: Period, unit_id: str) -> ExtensionRequest:
    row = latest(session, plan.id, period.id, unit_id)
    if row is None or row.state != RequestState.PENDING:
        raise followup.FollowupRefused("Đơn vị không có đề nghị gia hạn nào đang chờ xử lý.")
    return row


def grant(config: Config, session: Session, plan: Plan, period: Period, unit_id: str, until: date, *,
          by: str, now: datetime, link: str | None) -> ExtensionRequest:
    """Grant the waiting request to ``until`` (the office's date, maybe not the asked one) by
    ``followup.extend``, and queue the unit's email with its new deadline."""
    row = _waiting(session, plan, period, unit_id)
    row.state, row.decided_by, row.decided_at, row.granted = RequestState.GRANTED.value, by, now, until
    session.add(row)
    try:
        followup.extend(config, session, plan, period, unit_id, until, by=by, now=now)  # commits the row with it
    except followup.FollowupRefused:
        session.rollback()
        raise
    notices.enqueue(session, notices.extension_decision(plan, config.directory, period, row, until, now, link), now)
    return row


def refuse(config: Config, session: Session, plan: Plan, period: Period, unit_id: str, note: str, *,
           by: str, now: datetime, link: str | None) -> ExtensionRequest:
    """Refuse the waiting request with the office's note, logged, and queue the unit's email quoting it."""
    unit = followup.named_unit(config, period, unit_id)
    why = followup.required_reason(note, "Vui lòng ghi lý do từ chối gia hạn; đơn vị sẽ nhận được lý do này.",
                                   "Lý do từ chối")
    row = _waiting(session, plan, period, unit.id)
    row.state, row.decided_by, row.decided_at, row.note = RequestState.REFUSED.value, by, now, why
    session.add(row)
    log_action(session, plan.id, period.id, unit.id, Action.REFUSE_EXTENSION, by, now,
               f"đề nghị đến {row.requested:%d/%m/%Y}: {why}")
    deadline = max(extensions(session, plan.id, period.id).get(unit.id, period.due), period.due)
    notices.enqueue(session, notices.extension_decision(plan, config.directory, period, row, deadline, now, link),
                    now)  # commits the decision, the log and the email together
    return row
