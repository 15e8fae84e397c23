"""Calendar attachments: a deadline as an all-day event the unit can add to its calendar.

The UID is derived from the deadline's key (plan, item, period, date), so every reminder of
one deadline, and a message re-sent after a crash, update one event instead of adding more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event

from notifications.message import Attachment

# The kinds whose message is about a deadline the unit must meet; render attaches an .ics to
# them when their context has a deadline.
DEADLINE_KINDS = frozenset(
    {"report_reminder", "report_due", "report_overdue", "task_reminder", "campaign_closing"}
)

ICS_FILENAME = "thoi-han.ics"
# The alarm rings at 08:00 on the working morning before an all-day event starts (00:00).
ALARM_BEFORE = timedelta(hours=16)


@dataclass(frozen=True)
class Deadline:
    """One all-day event: what is due (``summary``, Vietnamese) and when."""

    key: str
    summary: str
    day: date
    description: str


def event_uid(key: str) -> str:
    """Stable, opaque UID: keys may hold characters a calendar program would choke on."""
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@kehoach"


def build_ics(deadlines: list[Deadline]) -> Attachment:
    """A VCALENDAR with one VEVENT (and one VALARM) per deadline; the same input gives the same bytes."""
    cal = Calendar()
    cal.add("prodid", "-//kehoach//Nhắc việc//VI")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for deadline in deadlines:
        cal.add_component(_event(deadline))
    return Attachment(filename=ICS_FILENAME, content_type="text/calendar", data=cal.to_ical())


def _event(deadline: Deadline) -> Event:
    event = Event()
    event.add("uid", event_uid(deadline.key))
    # DTSTAMP from the deadline, not the clock: rendering stays a pure function of its input.
    event.add("dtstamp", datetime.combine(deadline.day, time(0), UTC))
    event.add("dtstart", deadline.day)
    event.add("dtend", deadline.day + timedelta(days=1))
    event.add("summary", deadline.summary)
    event.add("description", deadline.description)
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", deadline.summary)
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event
