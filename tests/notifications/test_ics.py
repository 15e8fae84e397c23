"""The .ics attachment: one all-day event per deadline and unit that calendar programs update."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar

from notifications.ics import event_uid
from notifications.render import render_message
from tests.notifications.test_render import context


def event(kind: str = "report_reminder", unit: str = "u1", **extra: Any) -> Any:
    ctx = context(unit={"id": unit, "name": f"Phòng {unit}"}, **extra)
    message = render_message(kind, ctx, key=f"k/{unit}", channel="email", to=[], to_name="")
    (attachment,) = message.attachments
    assert attachment.content_type == "text/calendar"
    (found,) = Calendar.from_ical(attachment.data).walk("VEVENT")
    return found


def test_report_reminder_ics_is_one_all_day_event_on_the_deadline_naming_its_period() -> None:
    # Given a report reminder due Friday 29/05/2026 / When its calendar is parsed
    found = event()
    # Then it is an all-day event that day, in Vietnamese, naming the period
    assert found.decoded("dtstart") == date(2026, 5, 29) and found.decoded("dtend") == date(2026, 5, 30)
    assert str(found["summary"]) == "Hạn báo cáo: Báo cáo kết quả 6 tháng đầu năm 2026"
    assert found.decoded("sequence") == 0


def test_uid_is_one_per_plan_item_period_and_unit_whatever_the_date() -> None:
    first = event()
    assert str(first["uid"]) == event_uid("2026-stp/r1/2026-h1", "u1")
    # the later reminder of the same deadline, and after the date moved: the same event
    assert str(event("report_due")["uid"]) == str(event(deadline="2026-06-05")["uid"]) == str(first["uid"])
    # another unit, another period: other events (the 6-month and annual reports no longer collide)
    assert str(event(unit="u2")["uid"]) != str(first["uid"])
    assert str(event(period={"id": "2026-nam", "label": "năm 2026"})["uid"]) != str(first["uid"])


def test_moved_deadline_raises_the_sequence_and_dtstamp_is_when_it_was_made() -> None:
    moved = event(deadline="2026-06-05", ics_sequence=1, stamp="2026-05-20T09:30:00+07:00")
    assert moved.decoded("sequence") == 1 and moved.decoded("dtstart") == date(2026, 6, 5)
    assert moved.decoded("dtstamp") == datetime(2026, 5, 20, 2, 30, tzinfo=UTC)


def test_alarm_rings_on_the_previous_working_morning_not_on_sunday() -> None:
    # Given a deadline on Monday 16/11/2026
    (alarm,) = event(deadline="2026-11-16").walk("VALARM")
    # Then the alarm rings on Friday 13/11 at 08:00: 2 days 16 hours before the all-day start
    assert alarm.decoded("trigger") == -timedelta(days=2, hours=16)
    # and when the dispatcher knows the working calendar (a holiday Friday), its moment wins
    (alarm,) = event(deadline="2026-11-16", alarm="2026-11-12T08:00:00+07:00").walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(days=3, hours=16)


def test_same_input_gives_the_same_bytes() -> None:
    first = render_message("report_due", context(), key="k", channel="email", to=[], to_name="")
    second = render_message("report_due", context(), key="k", channel="email", to=[], to_name="")
    assert first.attachments == second.attachments


def test_a_cancellation_withdraws_the_same_event_one_version_higher() -> None:
    # Given the event a unit was sent, and its cancellation
    sent = event()
    ctx = context(unit={"id": "u1", "name": "Phòng u1"}, ics_sequence=1, cancelled_kind="report_reminder")
    message = render_message("calendar_cancel", ctx, key="k/u1", channel="email", to=[], to_name="")
    (attachment,) = message.attachments
    # Then it is a METHOD:CANCEL calendar (said in its content type too) for the same UID
    assert attachment.content_type == "text/calendar; method=CANCEL" and attachment.filename == "huy-lich.ics"
    calendar = Calendar.from_ical(attachment.data)
    (found,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL" and str(found["status"]) == "CANCELLED"
    assert str(found["uid"]) == str(sent["uid"]) and found.decoded("sequence") == 1
    assert str(found["summary"]) == str(sent["summary"]) and not found.walk("VALARM")


def test_a_calendar_made_of_events_rendered_once_is_what_icalendar_writes_for_it() -> None:
    from icalendar import Calendar as Whole

    from notifications.ics import Deadline, _event, build_ics

    # Given deadlines of several units, one summary long enough to be folded, one cancelled
    long = "Hạn báo cáo: Báo cáo kết quả thực hiện công tác phổ biến, giáo dục pháp luật 6 tháng đầu năm 2026"
    deadlines = [Deadline(uid=event_uid(f"p/i{n}/2026-h1", unit), summary=long if n else "Hạn thực hiện: Treo băng rôn",
                          day=date(2026, 5, 29) + timedelta(days=n), description="Kế hoạch số 12/KH-STP: Phổ biến",
                          sequence=n, stamp=datetime(2026, 5, 1, 1, tzinfo=UTC))
                 for unit in ("u1", "xa-tan-loi", "u1") for n in range(3)]
    for group in (deadlines[:3], deadlines[3:], [deadlines[4]], [Deadline(**{**deadlines[1].__dict__, "cancelled": True})]):
        # When the calendar is built / Then it is byte for byte the calendar icalendar writes whole
        whole = Whole()
        whole.add("prodid", "-//kehoach//Nhắc việc//VI")
        whole.add("version", "2.0")
        whole.add("method", "CANCEL" if group[0].cancelled else "PUBLISH")
        for d in group:
            whole.add_component(_event(d))
        assert build_ics(group).data == whole.to_ical()
