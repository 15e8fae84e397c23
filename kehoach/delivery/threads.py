"""Which conversation a message continues: the ladder of one deadline reads as one thread.

The reminders of one unit for one report period (before, on the day, overdue) share a thread
whose root is the first of them that was sent; each later message names the earlier ones in
``In-Reply-To``/``References``. Message-IDs are unique per message, so the thread is read
back from the outbox, where each sent row keeps the Message-ID that carried it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from kehoach.notification import REPORT_CHASING_KINDS
from kehoach.store.tables import Outbox, Status

Thread = tuple[str, str, str]  # (plan, period, unit)
KEEP = 4  # the root and the three latest: what RFC 5322 suggests when a chain grows long


def thread_of(row: Outbox) -> Thread | None:
    """The deadline conversation an email row belongs to, if any."""
    if row.channel != "email" or not row.period or row.kind not in REPORT_CHASING_KINDS:
        return None
    return (row.plan, row.period, row.unit)


def earlier_messages(session: Session, rows: Iterable[Outbox]) -> dict[Thread, tuple[str, ...]]:
    """For each thread of ``rows``, the Message-IDs already sent in it, oldest first."""
    wanted = {t for r in rows if (t := thread_of(r))}
    if not wanted:
        return {}
    found: dict[Thread, list[str]] = {}
    q = (select(Outbox.plan, Outbox.period, Outbox.unit, Outbox.provider_id)
         .where(Outbox.status == Status.SENT.value, Outbox.channel == "email",
                col(Outbox.kind).in_([k.value for k in REPORT_CHASING_KINDS]),
                col(Outbox.plan).in_({t[0] for t in wanted}), col(Outbox.period).in_({t[1] for t in wanted}),
                col(Outbox.unit).in_({t[2] for t in wanted}), col(Outbox.provider_id).is_not(None))
         .order_by(Outbox.sent_at, Outbox.id))
    for plan, period, unit, mid in session.execute(q):
        ids = found.setdefault((plan, period, unit), [])
        if (plan, period, unit) in wanted and mid not in ids:
            ids.append(mid)
    return {t: tuple(ids[:1] + ids[1:][-(KEEP - 1):]) for t, ids in found.items() if t in wanted and ids}
