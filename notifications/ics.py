"""Calendar attachments: a deadline as an all-day event the unit can add to its calendar.

One event per (plan, item, period, unit): its UID names those and never the date, so when a
deadline moves the next reminder updates the event in the unit's calendar (``SEQUENCE`` one
higher) instead of adding a second one. ``DTSTAMP`` is when this version was made; the
alarm rings on the working morning before the deadline (the caller knows the working days).
When the deadline no longer concerns the unit, a calendar with ``METHOD:CANCEL`` names the
same UID at a higher ``SEQUENCE`` with ``STATUS:CANCELLED``, and the event leaves the calendar.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import UTC, date, datetime, time, timedelta

from typing import TYPE_CHECKING

from notifications.message import Attachment

if TYPE_CHECKING:
    from icalendar import Event

# The kinds whose message is about a deadline the unit must meet; render attaches an .ics to
# them when their context has a deadline.
DEADLINE_KINDS = frozenset(
    {"report_reminder", "report_due", "report_overdue", "task_reminder", "campaign_closing"}
)

ICS_FILENAME = "thoi-han.ics"
CANCEL_FILENAME = "huy-lich.ics"
ALARM_AT = time(8, 0)


@dataclass(frozen=True)
class Deadline:
    """One all-day event: what is due (``summary``, Vietnamese), when, and for whom (``uid``)."""

    uid: str
    summary: str
    day: date
    description: str
    sequence: int = 0
    stamp: datetime | None = None  # when this version was made; default: the deadline day
    alarm: datetime | None = None  # when to ring (local); default: the weekday before, 08:00
    cancelled: bool = False  # the event is withdrawn (METHOD:CANCEL)


def event_uid(event: str, unit: str) -> str:
    """Stable, opaque, fixed-length UID of (plan/item/period, unit): ids may hold characters
    a calendar program would choke on, and a fixed length lets a rendered calendar be reused
    for another unit by replacing the UID alone."""
    return f"{hashlib.sha256(f'{event}/{unit}'.encode()).hexdigest()[:32]}@kehoach"


def previous_weekday_morning(day: date) -> datetime:
    """08:00 on the weekday before ``day``: a Monday deadline rings on Friday, not Sunday."""
    before = day - timedelta(days=1)
    while before.weekday() >= 5:
        before -= timedelta(days=1)
    return datetime.combine(before, ALARM_AT)


def build_ics(deadlines: list[Deadline]) -> Attachment:
    """A VCALENDAR with one VEVENT (and one VALARM) per deadline; the same input gives the same bytes.

    Cancelled deadlines make a ``METHOD:CANCEL`` calendar (its content type says so too, as
    RFC 6047 asks); a calendar holds one method, so they must not be mixed with others. The
    calendar is the bytes icalendar writes for it: its head, each event's lines, its end. An
    event's lines are made once for every unit it is sent to (``_event_lines``) and given each
    unit's UID by replacing the placeholder's, of the same length, so folded lines stay as folded.
    """
    cancel = {d.cancelled for d in deadlines}
    if len(cancel) > 1:
        raise ValueError("cancelled and current deadlines cannot share one calendar")
    cancelled = cancel == {True}
    head, end = _frame(cancelled)
    events = b"".join(_event_lines(replace(d, uid=_UID)).replace(_UID.encode(), d.uid.encode()) for d in deadlines)
    if cancelled:
        return Attachment(filename=CANCEL_FILENAME, content_type="text/calendar; method=CANCEL", data=head + events + end)
    return Attachment(filename=ICS_FILENAME, content_type="text/calendar", data=head + events + end)


# Stands for a unit's UID in a cached event: the same length as every UID, and never met in a text.
_UID = event_uid("\x1f", "\x1f")


@lru_cache(maxsize=2)
def _frame(cancelled: bool) -> tuple[bytes, bytes]:
    """The calendar's lines before its events and after them."""
    from icalendar import Calendar  # only where a calendar is built: the CLI's start-up never pays for it

    cal = Calendar()
    cal.add("prodid", "-//kehoach//Nhắc việc//VI")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    whole = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert whole.endswith(end)
    return whole[: -len(end)], end


@lru_cache(maxsize=4096)
def _event_lines(deadline: Deadline) -> bytes:
    return _event(deadline).to_ical()


def _event(deadline: Deadline) -> Event:
    from icalendar import Alarm, Event

    event = Event()
    event.add("uid", deadline.uid)
    event.add("sequence", deadline.sequence)
    stamp = deadline.stamp or datetime.combine(deadline.day, time(0), UTC)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", deadline.day)
    event.add("dtend", deadline.day + timedelta(days=1))
    event.add("summary", deadline.summary)
    event.add("description", deadline.description)
    event.add("transp", "TRANSPARENT")
    if deadline.cancelled:
        event.add("status", "CANCELLED")
        return event
    ring = deadline.alarm or previous_weekday_morning(deadline.day)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", deadline.summary)
    # relative to the all-day start (00:00 local), so it rings at the unit's own 08:00
    alarm.add("trigger", ring.replace(tzinfo=None) - datetime.combine(deadline.day, time(0)))
    event.add_component(alarm)
    return event
