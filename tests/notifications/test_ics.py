"""The .ics attachment: one all-day event on the deadline that calendar programs accept."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar

from notifications.ics import event_uid
from notifications.render import render_message
from tests.notifications.test_render import context


def test_report_reminder_ics_is_one_all_day_event_on_the_deadline() -> None:
    # Given a report reminder due Friday 29/05/2026
    message = render_message("report_reminder", context(), key="2026-stp:r1:h1:u1:-3", channel="email", to=[], to_name="")
    # When the attachment is parsed as a calendar
    (attachment,) = message.attachments
    calendar = Calendar.from_ical(attachment.data)
    (event,) = calendar.walk("VEVENT")
    # Then it is an all-day event that day, in Vietnamese, with a stable UID and an alarm
    assert attachment.content_type == "text/calendar"
    assert event.decoded("dtstart") == date(2026, 5, 29)
    assert event.decoded("dtend") == date(2026, 5, 30)
    assert str(event["summary"]) == "Hạn báo cáo: Báo cáo kết quả"
    # the same event for every reminder of that deadline and every unit: calendars update it
    later = render_message("report_due", context(), key="2026-stp:r1:h1:u2:0", channel="email", to=[], to_name="")
    (again,) = Calendar.from_ical(later.attachments[0].data).walk("VEVENT")
    assert str(event["uid"]) == str(again["uid"]) == event_uid("2026-stp/r1/2026-h1/2026-05-29")
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(hours=16)


def test_same_input_gives_the_same_bytes() -> None:
    first = render_message("report_due", context(), key="k", channel="email", to=[], to_name="")
    second = render_message("report_due", context(), key="k", channel="email", to=[], to_name="")
    assert first.attachments == second.attachments
