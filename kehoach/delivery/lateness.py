"""The late-window rule: a reminder found too long after its moment is skipped, not sent late.

A "5 working days before" reminder that a dispatcher first sees after the deadline would
only confuse the unit; so would a campaign notice a week late. The rule is for dated
reminders only: a confirmation ("đã nhận báo cáo"), a roll-up draft or the upward report is
sent late rather than never. Pure: ``now`` is an argument.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.errors import CalendarError
from kehoach.notification import Kind

# Kinds that only make sense before their deadline has passed.
BEFORE_DEADLINE_KINDS = frozenset({Kind.REPORT_REMINDER, Kind.REPORT_DUE, Kind.TASK_REMINDER, Kind.OFFICE_COMPILE})

# Messages that answer something that happened, not a date: late is better than never.
SEND_LATE_KINDS = frozenset({Kind.SUBMISSION_RECEIVED, Kind.ROLLUP_READY, Kind.REPORT_UPWARD, Kind.CALENDAR_CANCEL,
                             Kind.EXTENSION_DECISION})

DEFAULT_LATE_WINDOW = 2  # working days


def latest_send(send_at: datetime, window: int, calendar: WorkingCalendar | None) -> datetime:
    """The end of the day ``window`` working days after the day of ``send_at`` (local time)."""
    day = send_at.astimezone(VN_TZ).date()
    if window > 0:
        try:
            if calendar is None:
                raise CalendarError("no calendar")
            day = calendar.add_working_days(day, window)
        except CalendarError:
            day += timedelta(days=window)
    return datetime.combine(day, time(23, 59, 59), tzinfo=VN_TZ)


def too_late(
    kind: str, send_at: datetime, deadline: date | None, now: datetime, *,
    window: int = DEFAULT_LATE_WINDOW, calendar: WorkingCalendar | None = None,
) -> str | None:
    """Why the notification must be skipped at ``now`` (Vietnamese, for the office), or None.

    ``window`` working days after the day of ``send_at`` the notification may still go out,
    up to the end of that day; a reminder before a deadline never goes out after the deadline.
    """
    if kind in SEND_LATE_KINDS:
        return None
    today = now.astimezone(VN_TZ).date()
    if kind in BEFORE_DEADLINE_KINDS and deadline is not None and today > deadline:
        return f"Đã quá hạn {deadline:%d/%m/%Y}: không gửi lời nhắc trước hạn"
    if now > latest_send(send_at, window, calendar):
        local = send_at.astimezone(VN_TZ)
        return f"Quá thời điểm gửi ({local:%H:%M %d/%m/%Y}) hơn {window} ngày làm việc: không gửi muộn"
    return None
