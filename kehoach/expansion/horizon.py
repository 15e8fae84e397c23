"""The rolling horizon: which notifications a sync at ``now`` writes into the outbox.

A province-year is millions of rows, and the dispatcher only ever sends what is due. So a sync
writes the notifications the dispatcher could still send between ``now`` and ``now + days``:
none it would already skip as too late (the late-window rule, ``delivery.lateness``), none
beyond the horizon's end. The morning sync and the freshness re-sync before every dispatch
move the horizon on each day, so it only needs to cover an outage of the scheduler
(``KEHOACH_SYNC_HORIZON_DAYS``, 14 days by default). Pure: ``now`` is an argument.

The same horizon bounds what a sync may judge: only the pending rows inside it are compared
with the expansion (``Horizon.rows``), so a row beyond it, written earlier by a longer horizon
or by an extension's move, is judged when the horizon reaches it, never before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, not_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from kehoach.calendar import VN_TZ, WorkingCalendar, at_local
from kehoach.delivery.lateness import BEFORE_DEADLINE_KINDS, DEFAULT_LATE_WINDOW, latest_send, too_late
from kehoach.notification import Kind
from kehoach.store.tables import Outbox

DEFAULT_HORIZON_DAYS = 14


@dataclass(frozen=True)
class Horizon:
    now: datetime
    days: int
    calendar: WorkingCalendar | None  # the dispatcher's, for the late window's working days

    @property
    def end(self) -> datetime:
        return self.now + timedelta(days=self.days)

    @property
    def start(self) -> datetime:
        """The start of the earliest day whose notifications the late window still lets go out at ``now``."""
        day = self.now.astimezone(VN_TZ).date()
        while latest_send(at_local(day - timedelta(days=1), time()), DEFAULT_LATE_WINDOW, self.calendar) >= self.now:
            day -= timedelta(days=1)
        return at_local(day, time())

    def admits(self, kind: Kind, send_at: datetime, deadline: date | None) -> bool:
        """Whether a notification sent at ``send_at`` belongs in the outbox now."""
        return send_at <= self.end and too_late(kind, send_at, deadline, self.now, window=DEFAULT_LATE_WINDOW,
                                               calendar=self.calendar) is None

    def rows(self) -> list[ColumnElement[bool]]:
        """``admits`` as conditions on outbox rows of a plan's expansion (whose kinds all have a send time)."""
        today = self.now.astimezone(VN_TZ).date()
        return [col(Outbox.send_at) >= self.start, col(Outbox.send_at) <= self.end,
                not_(and_(col(Outbox.kind).in_([k.value for k in BEFORE_DEADLINE_KINDS]),
                          col(Outbox.deadline).is_not(None), col(Outbox.deadline) < today))]

    def years(self) -> list[int]:
        """The expansion years that may have notifications inside the horizon (``reaches``)."""
        first, last = self.start.astimezone(VN_TZ).year, self.end.astimezone(VN_TZ).year
        return [y for y in range(first - 1, last + 2) if self.reaches(y)]

    def span(self) -> tuple[str, str]:
        """From and to, dd/mm/yyyy: what the office is told was synced."""
        return f"{self.now.astimezone(VN_TZ):%d/%m/%Y}", f"{self.end.astimezone(VN_TZ):%d/%m/%Y}"

    def reaches(self, year: int) -> bool:
        """Whether year ``year``'s expansion may have notifications inside the horizon: its first
        reminders can go out in the December before it, its last period's deadline, overdue
        notices and escalations until the March after it."""
        return (self.start <= at_local(date(year + 1, 3, 31), time.max)
                and self.end >= at_local(date(year - 1, 12, 1), time()))
