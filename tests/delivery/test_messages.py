"""Messages a unit can act on, against the local SMTP server, from the seed plans and directory.

Each says what the unit must do, by when, how to report and whom to ask; it comes from the
office, carries every file, threads with the rest of its deadline's ladder and updates one
calendar event.
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.delivery.dispatcher import DispatchSummary, Options, dispatch_async
from kehoach.expansion.expand import expand
from kehoach.expansion.sync import sync_notifications
from kehoach.notification import Kind, Notification
from kehoach.plans.config import Config
from kehoach.store.db import make_engine, session
from kehoach.store.followup_tables import ExtensionRequest
from kehoach.store.outbox import upsert_by_key
from kehoach.submissions.notices import confirmation, extension_decision, report_upward, rollup_ready
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.task_done import task_of
from notifications.channels import EmailChannel
from notifications.render import ZNS_LIMITS
from tests.delivery.test_dispatcher import zalo_channel
from tests.servers.smtp import SMTPServer
from tests.servers.zalo import ZaloServer

YK, DT, LS = "2026-xa-yet-kieu-bdg", "2026-stp-dong-thap-bdg", "2026-stp-lang-son-bdg"
MAIL_FROM = "kehoach@kehoach.example"
BOUNCES = "thu-loi@kehoach.example"
HEADINGS = ("Việc cần làm", "Thời hạn", "Cách báo cáo", "Liên hệ")


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN_TZ)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    yield eng
    eng.dispose()


def link(plan: str, unit: str, period: str) -> str:
    return f"https://cong.example/nop/{plan}/{period}/{unit}?s=x"


async def dispatch(engine: Engine, config: Config, server: SMTPServer, now: datetime, **options: Any) -> DispatchSummary:
    channel = EmailChannel(host="127.0.0.1", port=server.port, mail_from=MAIL_FROM, bounce_to=BOUNCES,
                           starttls=False, timeout=5)
    try:
        return await dispatch_async(engine, config.directory, {"email": channel, "zalo": None}, now,
                                    calendar=config.calendar([2026]), links=link, plans=config.plans,
                                    options=Options(**options))
    finally:
        await channel.aclose()


def seed(engine: Engine, notes: list[Notification], now: datetime) -> None:
    with session(engine) as s:
        upsert_by_key(s, notes, now, 2026)


def received(server: SMTPServer, to: str | None = None) -> list[EmailMessage]:
    return [email.message_from_bytes(m.content, policy=policy.default)  # type: ignore[misc]
            for m in server.recorder.messages if to is None or to in m.rcpt_tos]


def text(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr,no-any-return]


def html(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()  # type: ignore[union-attr,no-any-return]


def one_per_kind(config: Config, tmp_path: Path, now: datetime) -> list[Notification]:
    """One email notification of every kind, moved to ``now``: expansion's, and collection's."""
    picked: dict[str, Notification] = {}
    for plan_id in (YK, DT, LS):
        for n in expand(config.plans[plan_id], 2026, config.directory, config.calendar([2026])):
            if n.channel == "email" and n.kind.value not in picked and n.kind is not Kind.REPORT_UPWARD:
                picked[n.kind.value] = n
    plan = config.plans[DT]
    period = resolve_period(plan, "bc-nam-2026")
    draft = tmp_path / "bao-cao.docx"
    draft.write_bytes(b"PK\x03\x04 draft")
    asked = ExtensionRequest(id=1, plan=DT, period=period.id, unit="stp-dt-nv1", requested=date(2026, 12, 28),
                             reason="Chờ số liệu", created_at=now, state="granted", granted=date(2026, 12, 31))
    extra = [*confirmation(plan, config.directory, period, "stp-dt-nv1", 1, now, link(DT, "stp-dt-nv1", period.id)),
             *extension_decision(plan, config.directory, period, asked, date(2026, 12, 31), now,
                                 link(DT, "stp-dt-nv1", period.id)),
             *rollup_ready(plan, config.directory, period, now, [draft], [], "send-1"),
             *report_upward(plan, config.directory, period, now, [draft], "up-1")]
    reminder = picked[Kind.REPORT_REMINDER.value]  # and the cancellation of a reminder's calendar event
    cancelled = {"cancelled_kind": "report_reminder", "ics_sequence": 1}  # what sync adds to the sent row's context
    cancel = reminder._replace(key=reminder.key.replace("/report_reminder/", "/calendar_cancel/"),
                               kind=Kind.CALENDAR_CANCEL, context={**reminder.context, **cancelled},
                               ref={**(reminder.ref or {}), **cancelled})
    return [n._replace(send_at=now) for n in [*picked.values(), *extra, cancel]]


async def test_every_kind_says_what_when_how_and_whom_from_the_office(
        engine: Engine, config: Config, smtp_server: SMTPServer, tmp_path: Path) -> None:
    # Given one notification of every kind, due now, each to be sent on its own
    now = at(date(2026, 6, 1))
    notes = one_per_kind(config, tmp_path, now)
    assert {n.kind for n in notes} == set(Kind)
    seed(engine, notes, now)
    # When the dispatcher runs
    summary = await dispatch(engine, config, smtp_server, now, digest_channels=frozenset())
    # Then every kind arrived, and each HTML body has the four parts in order and the office's phone
    assert summary.sent == len(notes), summary.as_dict()
    messages = received(smtp_server)
    kinds = {str(m["X-Kehoach-Key"]).split("/")[1] for m in messages}
    assert kinds == {k.value for k in Kind}
    for msg in messages:
        body = html(msg)
        positions = [body.find(h) for h in HEADINGS]
        assert -1 not in positions and positions == sorted(positions), (msg["Subject"], positions)
        plan_id = str(msg["X-Kehoach-Key"]).split("/")[0]
        office = config.directory.unit(config.plans[plan_id].office)
        assert office.phone and office.phone in body and office.phone in text(msg)
        assert "Vui lòng không trả lời" not in text(msg)
        # it comes from the office through the configured address; replies go to the office
        sender = msg["From"].addresses[0]
        assert sender.addr_spec == MAIL_FROM and msg["Reply-To"].addresses[0].addr_spec == office.emails[0]
        if ".report_upward" in msg["X-Kehoach-Key"] or "/report_upward/" in msg["X-Kehoach-Key"]:
            assert sender.display_name == "Sở Tư pháp tỉnh Đồng Tháp"
        else:
            assert sender.display_name == office.name
        assert msg["List-Id"] == f"<{plan_id}.kehoach.example>"
    # the envelope sender is the bounce address
    assert {m.mail_from for m in smtp_server.recorder.messages} == {BOUNCES}


async def test_task_reminder_to_a_coordinating_unit_names_role_duties_timing_and_phone(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given the Yết Kiêu plan, in force from Monday 01/06/2026, synced for 2026
    plan = config.plans[YK]
    now = at(date(2026, 6, 1))
    seed(engine, [n for n in expand(plan, 2026, config.directory, config.calendar([2026]))
                  if n.send_at <= now and n.channel == "email"], now)
    # When the dispatcher sends that morning's reminders
    await dispatch(engine, config, smtp_server, now)
    # Then Công an xã's message says it coordinates task II.4, quotes the plan, gives the timing
    (msg,) = received(smtp_server, "congan@yetkieu.example")
    body = text(msg)
    task = next(t for t in plan.tasks if t.id == "ii-4-quan-ly-nha-nuoc")
    assert "Quý đơn vị là đơn vị phối hợp nhiệm vụ II.4" in body
    assert task.content[0][:80] in body
    assert "Thường xuyên (nhắc vào đầu mỗi quý)" in body
    assert "0225 3000 302" in body and "vhxh@yetkieu.example" in body
    # where to report: its own link for the annual report, and what that form asks
    assert link(YK, "xa-yk-cong-an", "bc-nam-2026") in body and "Biểu mẫu hỏi" in body
    # no "Nội dung" repeating the title, and the plan's title once, not under every item
    assert "Nội dung: " not in body and body.count(plan.title) == 1


async def test_a_digest_carries_every_file_of_every_entry(
        engine: Engine, config: Config, smtp_server: SMTPServer, tmp_path: Path) -> None:
    # Given, for the same day, two drafts to the office and two approved reports to Sở Nội vụ
    plan, now = config.plans[DT], at(date(2026, 11, 23))
    files = {}
    for name in ("nam-du-thao.docx", "nam-so-lieu.xlsx", "6-thang-du-thao.docx", "nam.docx", "6-thang.docx"):
        files[name] = tmp_path / name
        files[name].write_bytes(name.encode())
    year, half = resolve_period(plan, "bc-nam-2026"), resolve_period(plan, "bc-6-thang-2026")
    notes = [*rollup_ready(plan, config.directory, year, now, [files["nam-du-thao.docx"], files["nam-so-lieu.xlsx"]], [], "a"),
             *rollup_ready(plan, config.directory, half, now, [files["6-thang-du-thao.docx"]], [], "a"),
             *report_upward(plan, config.directory, year, now, [files["nam.docx"]], "a"),
             *report_upward(plan, config.directory, half, now, [files["6-thang.docx"]], "a")]
    seed(engine, notes, now)
    # When they go out as digests (one per recipient)
    await dispatch(engine, config, smtp_server, now)
    # Then each digest carries every file of every entry, the .docx drafts included
    office = received(smtp_server, "vanphong@stp-dongthap.example")
    upward = received(smtp_server, "vanthu@snv-dongthap.example")
    assert len(office) == len(upward) == 1
    names = lambda m: sorted(str(a.get_filename()) for a in m.iter_attachments())  # noqa: E731
    assert names(office[0]) == ["6-thang-du-thao.docx", "nam-du-thao.docx", "nam-so-lieu.xlsx"]
    assert names(upward[0]) == ["6-thang.docx", "nam.docx"]
    assert upward[0]["From"].addresses[0].display_name == "Sở Tư pháp tỉnh Đồng Tháp"


async def test_moved_deadline_updates_one_calendar_event_and_the_ladder_is_one_thread(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given Công an xã's ladder for the annual report: 1 working day before, the day, overdue
    plan = config.plans[YK]
    ladder = [n for n in expand(plan, 2026, config.directory, config.calendar([2026]))
              if n.unit == "xa-yk-cong-an" and n.period == "bc-nam-2026" and n.channel == "email"
              and n.kind in (Kind.REPORT_REMINDER, Kind.REPORT_DUE, Kind.REPORT_OVERDUE)]
    first, due, overdue = ladder[0], next(n for n in ladder if n.kind is Kind.REPORT_DUE), ladder[-1]
    seed(engine, [first], first.send_at)
    await dispatch(engine, config, smtp_server, first.send_at + timedelta(minutes=5))
    # When the deadline moves a week later before the day itself, and the rest is sent
    moved = due.deadline + timedelta(days=7)  # type: ignore[operator]
    later = [n._replace(deadline=moved, context={**n.context, "deadline": moved.isoformat()}) for n in (due, overdue)]
    seed(engine, [due, overdue], first.send_at)
    seed(engine, later, first.send_at)
    await dispatch(engine, config, smtp_server, due.send_at + timedelta(minutes=5))
    await dispatch(engine, config, smtp_server, overdue.send_at + timedelta(minutes=5))
    msgs = received(smtp_server, "congan@yetkieu.example")
    assert [str(m["X-Kehoach-Key"]) for m in msgs] == [first.key, due.key, overdue.key]
    # Then the two calendars are one event (one UID) at SEQUENCE 0 then 1, on the new date
    events = [next(iter(Calendar.from_ical(a.get_content()).walk("VEVENT")))
              for m in msgs[:2] for a in m.iter_attachments() if a.get_content_type() == "text/calendar"]
    assert len(events) == 2 and str(events[0]["uid"]) == str(events[1]["uid"])
    assert [e.decoded("sequence") for e in events] == [0, 1]
    assert events[1].decoded("dtstart") == moved and "năm 2026" in str(events[1]["summary"])
    # and the overdue message continues the thread whose root is the first reminder
    ids = [str(m["Message-ID"]) for m in msgs]
    assert len(set(ids)) == 3
    assert ids[0] in str(msgs[2]["References"]) and str(msgs[2]["In-Reply-To"]) == ids[1]
    stems = {str(m["Subject"]).split("] ", 1)[1] for m in msgs[1:]}
    assert len(stems) == 1  # the same subject stem, the stage as prefix


async def test_two_installations_never_share_a_message_id(config: Config, smtp_server: SMTPServer, tmp_path: Path) -> None:
    # Given the same notification in two databases (a simulation beside the real run)
    plan = config.plans[YK]
    (note,) = [n for n in expand(plan, 2026, config.directory, config.calendar([2026]))
               if n.unit == "xa-yk-cong-an" and n.kind is Kind.REPORT_DUE and n.channel == "email"]
    for name in ("a", "b"):
        eng = make_engine(f"sqlite:///{tmp_path / name}.db")
        seed(eng, [note], note.send_at)
        await dispatch(eng, config, smtp_server, note.send_at)
        eng.dispose()
    # Then the two messages share the key header but not the Message-ID
    a, b = received(smtp_server)
    assert a["X-Kehoach-Key"] == b["X-Kehoach-Key"] == note.key and a["Message-ID"] != b["Message-ID"]


async def test_a_confirmation_goes_out_late_after_an_outage_a_reminder_does_not(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given a confirmation and a campaign notice both due on Monday 02/11/2026
    plan = config.plans[DT]
    then = at(date(2026, 11, 2), 8)
    thanks = confirmation(plan, config.directory, resolve_period(plan, "bc-nam-2026"), "stp-dt-nv1", 1, then, None)
    notice = [n for n in expand(plan, 2026, config.directory, config.calendar([2026]))
              if n.kind is Kind.CAMPAIGN_NOTICE and n.unit == "stp-dt-nv1" and n.channel == "email"]
    seed(engine, [*thanks, *(n._replace(send_at=then) for n in notice)], then)
    # When the dispatcher comes back a week later
    summary = await dispatch(engine, config, smtp_server, at(date(2026, 11, 9)))
    # Then the confirmation is sent late and the notice is skipped as too late
    assert summary.sent == 1 and summary.skipped == 1
    (msg,) = received(smtp_server)
    assert str(msg["Subject"]).startswith("[Đã nhận báo cáo]")


async def test_campaign_title_ending_with_the_year_is_not_followed_by_it_again(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given the Lạng Sơn campaign messages of 2026
    plan = config.plans[LS]
    notes = [n for n in expand(plan, 2026, config.directory, config.calendar([2026]))
             if n.kind.value.startswith("campaign_") and n.unit == "stp-ls-van-phong" and n.channel == "email"]
    assert notes
    seed(engine, [n._replace(send_at=at(date(2026, 11, 2), 8)) for n in notes], notes[0].send_at)
    # When they are sent
    await dispatch(engine, config, smtp_server, at(date(2026, 11, 2)), digest_channels=frozenset())
    # Then no text or calendar says "năm 2026 năm 2026"
    for msg in received(smtp_server):
        assert "năm 2026 năm 2026" not in str(msg["Subject"]) + text(msg) + html(msg)
        for a in msg.iter_attachments():
            assert "năm 2026 năm 2026" not in a.get_content() if a.get_content_type() == "text/calendar" else True


async def test_zalo_template_data_carries_what_when_link_and_whom_within_zns_limits(
        engine: Engine, config: Config, zalo_server: ZaloServer, tmp_path: Path) -> None:
    # Given Công an xã's Zalo reminder that the annual report is due today
    plan = config.plans[YK]
    (note,) = [n for n in expand(plan, 2026, config.directory, config.calendar([2026]))
               if n.unit == "xa-yk-cong-an" and n.kind is Kind.REPORT_DUE and n.channel == "zalo"]
    seed(engine, [note], note.send_at)
    # When the dispatcher sends it through the local ZNS server
    channel = zalo_channel(zalo_server, engine)
    try:
        summary = await dispatch_async(engine, config.directory, {"email": None, "zalo": channel}, note.send_at,
                                       calendar=config.calendar([2026]), links=link, plans=config.plans)
    finally:
        await channel.aclose()
    # Then the template data names the unit, what, by when, its link and whom to ask, each within ZNS limits
    assert summary.sent == 1
    (sent,) = zalo_server.state.sends()
    data = sent["template_data"]
    assert data["don_vi"] == "Công an xã Yết Kiêu"
    assert data["viec_can_lam"].startswith("Báo cáo kết quả thực hiện công tác bình đẳng giới")
    assert data["thoi_han"] == "Thứ Sáu, 04/12/2026"
    assert data["link"] == link(YK, "xa-yk-cong-an", "bc-nam-2026")
    assert data["lien_he"] == "Phòng Văn hóa - Xã hội xã Yết Kiêu, 0225 3000 302"
    assert all(len(v) <= ZNS_LIMITS[k] for k, v in data.items())
    assert "0225 3000 302" in data["content"] and len(data["content"]) <= 400


def calendar_of(msg: EmailMessage) -> Calendar:
    (part,) = [a for a in msg.iter_attachments() if a.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def the_cancellation(server: SMTPServer, to: str, sent_event: Any) -> tuple[EmailMessage, Any]:
    """The one message received: a "[Hủy lịch]" email to ``to`` whose .ics cancels ``sent_event``
    (METHOD:CANCEL, STATUS:CANCELLED, the same UID); the message and its event."""
    (cancel,) = received(server)
    assert cancel["To"].addresses[0].addr_spec == to
    assert str(cancel["Subject"]).startswith("[Hủy lịch]") and "Không cần gửi báo cáo" in text(cancel)
    ics = calendar_of(cancel)
    event = next(iter(ics.walk("VEVENT")))
    assert str(ics["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(sent_event["uid"])
    return cancel, event


async def test_a_unit_taken_off_a_deadline_gets_its_calendar_event_cancelled(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given the Yết Kiêu plan synced, and Công an xã sent its first reminder of the annual report
    plan = config.plans[YK]
    cal = config.calendar([2026])
    notes = expand(plan, 2026, config.directory, cal)
    first = next(n for n in notes if n.unit == "xa-yk-cong-an" and n.period == "bc-nam-2026"
                 and n.channel == "email" and n.kind is Kind.REPORT_REMINDER)
    with session(engine) as s:
        sync_notifications(s, 2026, [YK], notes, first.send_at - timedelta(days=30))
    await dispatch(engine, config, smtp_server, first.send_at + timedelta(minutes=5))
    (invite,) = [m for m in received(smtp_server, "congan@yetkieu.example") if "bc-nam" in str(m["X-Kehoach-Key"])]
    sent_event = next(iter(calendar_of(invite).walk("VEVENT")))
    smtp_server.recorder.messages.clear()
    # When the office exempts Công an xã from the annual report and the plan is synced again
    (report,) = plan.reports
    edited = plan.model_copy(update={"reports": [report.model_copy(
        update={"units": [u for u in report.units if u != "xa-yk-cong-an"]})]})
    later = first.send_at + timedelta(hours=2)
    with session(engine) as s:
        counts = sync_notifications(s, 2026, [YK], expand(edited, 2026, config.directory, cal), later)
        again = sync_notifications(s, 2026, [YK], expand(edited, 2026, config.directory, cal), later)
    assert counts.retired > 0 and again.retired == 0
    await dispatch(engine, config, smtp_server, later + timedelta(minutes=5))
    # Then Công an xã alone receives one cancellation of the same event, one version higher
    cancel, event = the_cancellation(smtp_server, "congan@yetkieu.example", sent_event)
    assert event.decoded("sequence") > sent_event.decoded("sequence")
    assert event.decoded("dtstart") == sent_event.decoded("dtstart")
    # and the office's contact still closes it
    office = config.directory.unit(plan.office)
    assert office.phone and office.phone in html(cancel)


async def test_a_roll_up_draft_and_the_upward_report_go_out_late_after_an_outage(
        engine: Engine, config: Config, smtp_server: SMTPServer, tmp_path: Path) -> None:
    # Given the draft báo cáo to the office and the approved one to Sở Nội vụ, due Tuesday 08/12/2026
    plan = config.plans[DT]
    period = resolve_period(plan, "bc-nam-2026")
    then = at(date(2026, 12, 8), 8)
    draft = tmp_path / "bao-cao.docx"
    draft.write_bytes(b"PK\x03\x04 draft")
    seed(engine, [*rollup_ready(plan, config.directory, period, then, [draft], [], "send-1"),
                  *report_upward(plan, config.directory, period, then, [draft], "up-1")], then)
    # When the dispatcher comes back nine days later, far past the late window
    summary = await dispatch(engine, config, smtp_server, then + timedelta(days=9))
    # Then both are sent late, with the báo cáo attached, rather than never
    assert summary.sent == 2 and summary.skipped == 0, summary.as_dict()
    got = sorted(str(m["Subject"]).split("]")[0] + "]" for m in received(smtp_server))
    assert got == ["[Báo cáo]", "[Dự thảo báo cáo tổng hợp]"]
    assert all(any(a.get_filename() == "bao-cao.docx" for a in m.iter_attachments()) for m in received(smtp_server))


async def test_the_calendar_alarm_rings_on_the_working_day_before_a_deadline_after_holidays(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given Công an xã's deadline moved to Monday 04/05/2026, after the 30/04 and 01/05 holidays
    (due,) = [n for n in expand(config.plans[YK], 2026, config.directory, config.calendar([2026]))
              if n.unit == "xa-yk-cong-an" and n.kind is Kind.REPORT_DUE and n.channel == "email"]
    monday = date(2026, 5, 4)
    note = due._replace(deadline=monday, send_at=at(monday, 7), context={**due.context, "deadline": monday.isoformat()})
    seed(engine, [note], note.send_at)
    # When the reminder of the day is sent
    await dispatch(engine, config, smtp_server, note.send_at)
    # Then its alarm rings at 08:00 on Wednesday 29/04, the last working day before, not on a holiday
    (msg,) = received(smtp_server)
    (alarm,) = calendar_of(msg).walk("VALARM")
    assert datetime.combine(monday, datetime.min.time()) + alarm.decoded("trigger") == datetime(2026, 4, 29, 8, 0)


async def test_a_dated_task_reminder_carries_the_leads_link_to_record_it_done(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given a seed plan's dated task (no report of its own) reminding its lead unit before the deadline
    note = next(n for p in config.plans.values() for n in expand(
        p, 2026, config.directory, config.calendar([2026])) if n.kind is Kind.TASK_REMINDER and n.channel == "email"
        and (n.period or "").startswith("hoan-thanh-") and n.context.get("stage") == "before"
        and n.unit in task_of(config.plans[n.plan], n.period).task.lead)  # type: ignore[union-attr]
    now = at(note.send_at.date())
    seed(engine, [note._replace(send_at=now)], now)
    # When it is sent
    summary = await dispatch(engine, config, smtp_server, now, digest_channels=frozenset())
    # Then the unit's email carries its signed link to the task's completion page
    assert summary.sent == 1, summary.as_dict()
    body = text(received(smtp_server)[0])
    assert link(note.plan, note.unit, note.period) in body


async def test_a_dated_task_reminder_to_a_coordinating_unit_carries_no_completion_link(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given a seed plan's dated task reminding a coordinating unit (only the lead records it done)
    note = next(n for p in config.plans.values() for n in expand(
        p, 2026, config.directory, config.calendar([2026])) if n.kind is Kind.TASK_REMINDER and n.channel == "email"
        and (n.period or "").startswith("hoan-thanh-") and n.context.get("stage") == "before"
        and n.unit in {u.id for u in config.directory.resolve(task_of(config.plans[n.plan], n.period).task.coordinating)})  # type: ignore[union-attr]
    now = at(note.send_at.date())
    seed(engine, [note._replace(send_at=now)], now)
    summary = await dispatch(engine, config, smtp_server, now, digest_channels=frozenset())
    assert summary.sent == 1, summary.as_dict()
    assert f"/{note.period}/" not in text(received(smtp_server)[0])
