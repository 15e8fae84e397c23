"""A unit's chasing of one period taken back (it was exempted), or given back (exemption undone).

Withdrawing skips the unit's pending reminders, due-day and overdue notices of the period
with ``EXEMPT`` as the reason, and queues the cancellation (METHOD:CANCEL, same UID, higher
SEQUENCE; ``delivery.cancellation``) of the calendar event the unit was already sent. Skipped
rows are never touched by sync, so a re-sync does not bring them back; restoring puts exactly
those rows back to pending, their .ics one version above the cancellation, so the event
returns to the unit's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from kehoach.calendar import VN_TZ
from kehoach.delivery.cancellation import CHANNEL, cancellation, event_of, last_sent, sequence
from kehoach.notification import REPORT_CHASING_KINDS
from kehoach.store.outbox import enqueue
from kehoach.store.tables import Outbox, Status

EXEMPT = "Đơn vị được miễn báo cáo kỳ này"
CHASING = sorted(k.value for k in REPORT_CHASING_KINDS)


@dataclass(frozen=True)
class Withdrawn:
    skipped: int  # pending rows that will not be sent
    cancelled: int  # calendar cancellations queued


def withdraw(session: Session, plan_id: str, report_id: str, period: str, unit_id: str, now: datetime) -> Withdrawn:
    """Skip the unit's pending chasing rows of the period and cancel the event it was sent; commit."""
    skipped = session.execute(
        update(Outbox).where(Outbox.plan == plan_id, Outbox.period == period, Outbox.unit == unit_id,
                             Outbox.status == Status.PENDING.value, col(Outbox.kind).in_(CHASING))
        .values(status=Status.SKIPPED.value, last_error=EXEMPT, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount or 0  # type: ignore[attr-defined]
    sent = last_sent(session, {(plan_id, report_id, period, unit_id)}, now.astimezone(VN_TZ).date())
    enqueue(session, [cancellation(row, now) for row in sent])  # commits
    return Withdrawn(skipped, len(sent))


def current_sequence(session: Session, plan_id: str, report_id: str, period: str, unit_id: str) -> int:
    """The highest .ics SEQUENCE of the unit's event so far (sent, pending or cancellation); -1 if none."""
    rows = session.exec(select(Outbox).where(Outbox.plan == plan_id, Outbox.period == period,
                                             Outbox.unit == unit_id, Outbox.channel == CHANNEL))
    event = (plan_id, report_id, period, unit_id)
    return max((sequence(r) for r in rows if event_of(r.plan, r.unit, r.period, r.context) == event), default=-1)


def restore(session: Session, plan_id: str, report_id: str, period: str, unit_id: str, now: datetime) -> int:
    """Put back to pending the rows ``withdraw`` skipped, their .ics above any cancellation; commit."""
    top = current_sequence(session, plan_id, report_id, period, unit_id)
    rows = list(session.exec(select(Outbox).where(
        Outbox.plan == plan_id, Outbox.period == period, Outbox.unit == unit_id,
        Outbox.status == Status.SKIPPED.value, Outbox.last_error == EXEMPT, col(Outbox.kind).in_(CHASING))))
    for row in rows:
        row.status, row.last_error, row.updated_at = Status.PENDING.value, None, now
        if row.channel == CHANNEL:
            row.context = {**row.context, "ics_sequence": top + 1}
        session.add(row)
    session.commit()
    return len(rows)
