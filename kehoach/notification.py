"""The value expansion produces and the outbox stores: one message to one unit on one channel.

Its ``key`` is stable: it names the plan, the event (kind, item, period, step), the unit and
the channel, never the date, so re-expanding after a calendar change updates the same row
instead of adding another.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from notifications.ics import DEADLINE_KINDS


class Kind(StrEnum):
    TASK_REMINDER = "task_reminder"
    REPORT_REMINDER = "report_reminder"  # before the due date
    REPORT_DUE = "report_due"  # on the (working) due day
    REPORT_OVERDUE = "report_overdue"  # after the deadline, to a unit that has not reported
    ESCALATION = "escalation"  # to the office: who has not reported
    OFFICE_COMPILE = "office_compile"  # the office's own compile-and-send-upward deadline
    CAMPAIGN_NOTICE = "campaign_notice"
    CAMPAIGN_KICKOFF = "campaign_kickoff"
    CAMPAIGN_WEEKLY = "campaign_weekly"
    CAMPAIGN_CLOSING = "campaign_closing"
    OCCASION = "occasion"
    ROLLUP_READY = "rollup_ready"
    SUBMISSION_RECEIVED = "submission_received"
    REPORT_UPWARD = "report_upward"  # the approved báo cáo, to the body above (Sở Nội vụ)
    CALENDAR_CANCEL = "calendar_cancel"  # a deadline the unit was sent no longer concerns it
    EXTENSION_DECISION = "extension_decision"  # the office granted or refused a unit's extension request


KIND_LABELS = {
    Kind.TASK_REMINDER: "Nhắc nhiệm vụ",
    Kind.REPORT_REMINDER: "Nhắc báo cáo",
    Kind.REPORT_DUE: "Hạn báo cáo",
    Kind.REPORT_OVERDUE: "Quá hạn báo cáo",
    Kind.ESCALATION: "Báo đơn vị chưa nộp",
    Kind.OFFICE_COMPILE: "Tổng hợp, gửi cấp trên",
    Kind.CAMPAIGN_NOTICE: "Chuẩn bị đợt cao điểm",
    Kind.CAMPAIGN_KICKOFF: "Phát động",
    Kind.CAMPAIGN_WEEKLY: "Nhắc hằng tuần",
    Kind.CAMPAIGN_CLOSING: "Kết thúc, báo cáo kết quả",
    Kind.OCCASION: "Ngày kỷ niệm",
    Kind.ROLLUP_READY: "Dự thảo báo cáo tổng hợp",
    Kind.SUBMISSION_RECEIVED: "Xác nhận đã nhận báo cáo",
    Kind.REPORT_UPWARD: "Gửi báo cáo lên cấp trên",
    Kind.CALENDAR_CANCEL: "Hủy lịch hạn đã gửi",
    Kind.EXTENSION_DECISION: "Trả lời đề nghị gia hạn",
}

# Kinds that concern one report period: a unit that submitted for the period gets no more of them.
REPORT_CHASING_KINDS = frozenset({Kind.REPORT_REMINDER, Kind.REPORT_DUE, Kind.REPORT_OVERDUE})


def event_key(plan_id: str, kind: Kind, ref: str, step: str) -> str:
    """The part of a key shared by every recipient of one event."""
    return f"{plan_id}/{kind.value}/{ref}/{step}"


# What a row stored by reference keeps of its context, read back from stored rows: an email
# that puts a deadline in the unit's calendar keeps what names it, since sync's cancellation of that
# event must say what it withdraws when the plan no longer has it; an escalation keeps the units
# it expects, which task completion reads from pending rows.
KEPT_BY_CALENDAR = ("item", "period", "deadline")
KEPT = ("expected_unit_ids",)
ICS_CHANNEL = "email"  # the only channel whose messages carry a calendar event


class Notification(NamedTuple):
    """Immutable; a NamedTuple because expansion builds hundreds of thousands of them."""

    key: str
    plan: str
    kind: Kind
    unit: str
    channel: str
    send_at: datetime
    deadline: date | None
    subject: str
    period: str | None
    context: Mapping[str, Any]  # shared by every recipient of the event; JSON-safe
    # What the outbox stores instead of ``context`` when the plan can render it again
    # (``expansion.reference``); None for a notice, which stores its whole context.
    ref: Mapping[str, Any] | None = None

    def stored_context(self) -> dict[str, Any]:
        """The outbox row's ``context``: the whole context, or the reference and what it keeps."""
        if self.ref is None:
            return dict(self.context)
        calendar = self.kind.value in DEADLINE_KINDS and self.channel == ICS_CHANNEL
        kept = (*KEPT, *KEPT_BY_CALENDAR) if calendar else KEPT
        return {**self.ref, **{k: self.context[k] for k in kept if k in self.context}}

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "plan": self.plan,
            "kind": self.kind.value,
            "unit": self.unit,
            "channel": self.channel,
            "send_at": self.send_at.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "period": self.period,
            "subject": self.subject,
        }
