"""Cancel a calendar event a unit was sent, when its deadline no longer concerns the unit.

A reminder of a deadline carries an .ics event (one UID per plan, item, period and unit).
When a sync finds that a plan no longer produces that deadline for the unit (the deadline
was removed, or the unit taken off the item), the event would stay in the unit's calendar
for ever. So the rows sync is about to retire are looked at first: for each such event that
the unit was already sent, and whose day has not passed, a ``calendar_cancel`` notification
is queued. It carries the event's last context with ``ics_sequence`` one higher, and its
.ics says ``METHOD:CANCEL``/``STATUS:CANCELLED`` for the same UID.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from kehoach.calendar import VN_TZ
from kehoach.notification import ICS_CHANNEL, Kind, event_key
from kehoach.store.outbox import chunks, pending_of_year
from kehoach.store.tables import Outbox, Source, Status
from notifications.ics import DEADLINE_KINDS
from notifications.render import render_subject

Event = tuple[str, str, str, str]  # (plan, item, period, unit): what one calendar UID names
CHANNEL = ICS_CHANNEL


def event_of(plan: str, unit: str, period: str | None, context: Mapping[str, Any]) -> Event:
    return (plan, str((context.get("item") or {}).get("id", "")), period or "", unit)


def cancellations(session: Session, plan_ids: Iterable[str], year: int, keep: Container[str],
                  live: Container[Event], now: datetime, *where: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Outbox rows cancelling the events of the pending rows (matching ``where``: a sync's horizon)
    that ``keep`` no longer holds.

    Call it before those rows are retired. An event still ``live`` (only one step of its
    ladder went) is not cancelled; nor is one never sent, or one whose day is past.
    """
    plans = list(plan_ids)
    if not plans:
        return []
    ids = [i for page in pending_of_year(session, plans, year, Outbox.channel == CHANNEL,
                                         col(Outbox.kind).in_(DEADLINE_KINDS), *where)
           for i, key in page if key not in keep]
    gone: set[Event] = set()
    for chunk in chunks(ids):
        for plan, unit, period, ctx in session.execute(
                select(Outbox.plan, Outbox.unit, Outbox.period, Outbox.context).where(col(Outbox.id).in_(chunk))):
            if (e := event_of(plan, unit, period, ctx or {})) not in live:
                gone.add(e)
    if not gone:
        return []
    return [cancellation(sent, now) for sent in last_sent(session, gone, now.astimezone(VN_TZ).date())]


def last_sent(session: Session, events: set[Event], today: date) -> list[Outbox]:
    """For each event, the sent row whose .ics the unit has last (the highest sequence)."""
    latest: dict[Event, Outbox] = {}
    units = sorted({e[3] for e in events})
    for chunk in chunks(units):
        rows = session.scalars(select(Outbox).where(
            col(Outbox.plan).in_({e[0] for e in events}), col(Outbox.unit).in_(chunk),
            Outbox.status == Status.SENT.value, Outbox.channel == CHANNEL, col(Outbox.kind).in_(DEADLINE_KINDS),
            col(Outbox.deadline).is_not(None), col(Outbox.deadline) >= today))
        for row in rows:
            e = event_of(row.plan, row.unit, row.period, row.context)
            if e in events and row.context.get("deadline") and sequence(row) >= sequence(latest.get(e)):
                latest[e] = row
    return [latest[e] for e in sorted(latest)]


def sequence(row: Outbox | None) -> int:
    return -1 if row is None else int(row.context.get("ics_sequence", 0))


def cancellation(sent: Outbox, now: datetime) -> dict[str, Any]:
    """The row that cancels ``sent``'s event; its key names the sequence, so the same event
    can be cancelled again if it comes back and goes once more."""
    seq = sequence(sent) + 1
    plan, item, period, unit = event_of(sent.plan, sent.unit, sent.period, sent.context)
    context = {**sent.context, "ics_sequence": seq, "cancelled_kind": sent.kind}
    key = f"{event_key(plan, Kind.CALENDAR_CANCEL, f'{item}/{period}', f'seq{seq}')}/{unit}/{CHANNEL}"
    return {
        "key": key, "plan": plan, "kind": Kind.CALENDAR_CANCEL.value, "unit": unit, "channel": CHANNEL,
        "period": sent.period, "send_at": now, "deadline": sent.deadline,
        "subject": render_subject(Kind.CALENDAR_CANCEL.value, context),
        "context": context, "content_hash": "calendar-cancel", "source": Source.PLAN.value,
        "status": Status.PENDING.value, "attempts": 0, "updated_at": now, "year": None,
    }
