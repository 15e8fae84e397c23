"""The log of the office's follow-up actions on one period: who did what for which unit, when.

Written by ``submissions.followup`` whichever door the action came by (console or command
line), read by the console's board so every action shows with its author and time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, select

from kehoach.store.followup_tables import FollowupAction
from kehoach.submissions.text import clean_line


class Action(StrEnum):
    EXTEND = "extend"
    EXEMPT = "exempt"
    UNEXEMPT = "unexempt"
    REMIND = "remind"
    RECORD = "record"
    REFUSE_EXTENSION = "refuse_extension"  # a unit's extension request, refused with a note


ACTION_LABELS = {
    Action.EXTEND: "Gia hạn",
    Action.EXEMPT: "Miễn báo cáo",
    Action.UNEXEMPT: "Bỏ miễn",
    Action.REMIND: "Gửi nhắc ngay",
    Action.RECORD: "Ghi nhận báo cáo thay đơn vị",
    Action.REFUSE_EXTENSION: "Từ chối gia hạn",
}


def log_action(session: Session, plan_id: str, period: str, unit_id: str, action: Action, by: str,
               now: datetime, detail: str = "") -> None:
    """Add the action to the session; the caller commits it with the change it describes."""
    session.add(FollowupAction(plan=plan_id, period=period, unit=unit_id, action=action.value,
                               by=clean_line(by)[:200], at=now, detail=clean_line(detail)))


def actions_of(session: Session, plan_id: str, period: str) -> dict[str, list[FollowupAction]]:
    """The period's actions by unit, oldest first."""
    stmt = (select(FollowupAction).where(FollowupAction.plan == plan_id, FollowupAction.period == period)
            .order_by(FollowupAction.at, FollowupAction.id))  # type: ignore[arg-type]
    found: dict[str, list[FollowupAction]] = defaultdict(list)
    for row in session.exec(stmt):
        found[row.unit].append(row)
    return dict(found)
