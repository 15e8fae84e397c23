"""What a period will still send that the outbox does not hold yet.

Sync writes only its horizon (``expansion.horizon``), so a period due in a month has no
reminders in the outbox yet; the office's board must still show each unit what is coming.
They are the plan's own expansion (extensions included) of that period, later than ``now``,
less what the outbox already holds: what the morning syncs will write.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kehoach.calendar import WorkingCalendar
from kehoach.expansion.expand import stream
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.store.outbox import Delivery, period_keys
from kehoach.store.tables import Source, Status
from kehoach.submissions.periods import Period
from kehoach.submissions.record import plan_extensions


def planned_deliveries(session: Session, plan: Plan, directory: Directory, period: Period, cal: WorkingCalendar,
                       now: datetime) -> list[Delivery]:
    """The period's notifications after ``now`` not yet written, as the outbox would list them (pending)."""
    written = period_keys(session, plan.id, period.id)
    return [Delivery(n.unit, n.kind.value, n.channel, n.send_at, Status.PENDING.value, None, Source.PLAN.value)
            for n in stream(plan, period.year, directory, cal, plan_extensions(session, plan.id), period=period.id)
            if n.send_at > now and n.key not in written]
