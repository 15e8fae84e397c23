"""The dispatcher against a real SMTP server, a real Maildir and the local Zalo server."""

from __future__ import annotations

import email
import mailbox
import sys
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path

from sqlalchemy import Engine, select

from kehoach.delivery.channel_setup import channels_from_settings
from kehoach.delivery.dispatcher import SWITCH_INTERVAL, DispatchSummary, Options, dispatch_async
from kehoach.notification import Kind
from kehoach.plans.directory import Directory
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.outbox import listing, upsert_by_key
from kehoach.store.tables import DeliveryAttempt, Outbox
from kehoach.store.zalo_tokens import DbTokenStore
from notifications.channels import EmailChannel, ZaloChannel
from notifications.channels.base import Channel
from notifications.message import Delivery, OutgoingMessage
from tests.delivery_factories import at, context, directory, notification
from tests.servers.smtp import SMTPServer
from tests.servers.zalo import APP_ID, SECRET_KEY, ZaloServer

NOW = at(date(2026, 12, 1), 9)
MAIL_FROM = "Văn phòng Sở <vanphong@so.example>"


def email_channel(server: SMTPServer | None, port: int | None = None) -> EmailChannel:
    return EmailChannel(host="127.0.0.1", port=port or (server.port if server else 9), mail_from=MAIL_FROM,
                        starttls=False, timeout=5, concurrency=10)


def zalo_channel(server: ZaloServer, engine: Engine) -> ZaloChannel:
    tokens = DbTokenStore(engine, APP_ID, initial_refresh_token=server.state.new_refresh_token())
    return ZaloChannel(app_id=APP_ID, secret_key=SECRET_KEY, template_id="tpl-1", tokens=tokens,
                       api_base=server.url, oauth_base=server.url)


async def run(engine: Engine, channels: dict[str, Channel | None], now: datetime = NOW,
              dirx: Directory | None = None, **kwargs: object) -> DispatchSummary:
    try:
        return await dispatch_async(engine, dirx or directory(), channels, now, **kwargs)  # type: ignore[arg-type]
    finally:
        for ch in channels.values():
            if ch is not None:
                await ch.aclose()


def seed(engine: Engine, *items: object) -> None:
    with session(engine) as s:
        upsert_by_key(s, items, NOW, 2026)  # type: ignore[arg-type]


def statuses(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with session(engine) as s:
        return {r.key: (r.status, r.last_error) for r in listing(s)}


def received_keys(server: SMTPServer) -> list[str]:
    """The notification keys of what arrived (``X-Kehoach-Key``; Message-IDs are all new)."""
    return [email.message_from_bytes(m.content, policy=policy.default)["X-Kehoach-Key"]  # type: ignore[arg-type]
            for m in server.recorder.messages]


async def test_due_reminders_are_delivered_once_with_vietnamese_subjects(engine: Engine, smtp_server: SMTPServer) -> None:
    # Given two due email reminders to different units and one for tomorrow
    a, b = notification("phong-1"), notification("phong-3")
    later = notification("thon-x", send_at=at(date(2026, 12, 2)))
    seed(engine, a, b, later)
    # When the dispatcher runs twice at the same moment
    first = await run(engine, {"email": email_channel(smtp_server), "zalo": None})
    second = await run(engine, {"email": email_channel(smtp_server), "zalo": None})
    # Then both due reminders arrived once, the second run sent nothing, tomorrow's waits
    assert (first.sent, first.messages, second.sent, second.claimed) == (2, 2, 0, 0)
    assert sorted(received_keys(smtp_server)) == sorted([a.key, b.key])
    msg = email.message_from_bytes(smtp_server.recorder.messages[0].content, policy=policy.default)  # type: ignore[arg-type]
    assert msg["Subject"] == "[Nhắc báo cáo, còn 3 ngày làm việc] Báo cáo năm 2026 – hạn Thứ Sáu, 04/12/2026"
    st = statuses(engine)
    assert st[a.key][0] == st[b.key][0] == "sent" and st[later.key][0] == "pending"


async def test_smtp_down_loses_nothing_and_the_next_dispatch_sends_all(engine: Engine, smtp_server: SMTPServer) -> None:
    # Given 30 due reminders and an SMTP server that is not listening
    items = [notification(f"don-vi-{i}") for i in range(30)]
    seed(engine, *items)
    dirx = directory(30)
    down = await run(engine, {"email": email_channel(None, port=smtp_server.port + 1), "zalo": None}, dirx=dirx)
    # Then nothing is lost: all still pending with the error, and the run ended
    assert down.sent == 0 and down.retried == 30
    assert {s for s, _ in statuses(engine).values()} == {"pending"}
    # When the server is back and the next dispatch runs
    up = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=dirx)
    # Then every reminder went out exactly once
    assert up.sent == 30 and len(set(received_keys(smtp_server))) == len(smtp_server.recorder.messages) == 30


async def test_421_and_451_mid_batch_are_retried(engine: Engine, smtp_server: SMTPServer) -> None:
    items = [notification(f"don-vi-{i}") for i in range(20)]
    seed(engine, *items)
    smtp_server.recorder.fail_next("421 4.7.0 Thử lại sau")
    smtp_server.recorder.fail_next("451 4.3.0 Lỗi tạm thời", times=2)
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(20))
    assert summary.sent == 20
    assert sorted(received_keys(smtp_server)) == sorted(n.key for n in items)


async def test_550_for_one_recipient_fails_only_that_notification(engine: Engine, smtp_server: SMTPServer) -> None:
    items = [notification(u) for u in ("phong-1", "phong-3", "thon-x")]
    seed(engine, *items)
    smtp_server.recorder.refuse["bad@so.example"] = "550 5.1.1 Không có hộp thư này"
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None})
    st = statuses(engine)
    assert (summary.sent, summary.failed) == (2, 1)
    assert st[items[2].key][0] == "failed" and "550" in (st[items[2].key][1] or "")
    assert st[items[0].key][0] == st[items[1].key][0] == "sent"


async def test_several_notifications_same_day_become_one_digest(engine: Engine, smtp_server: SMTPServer) -> None:
    # Given three notifications for one unit on the same day
    items = [notification("phong-1", kind=k, step=s) for k, s in
             ((Kind.REPORT_REMINDER, "-3"), (Kind.TASK_REMINDER, "-1"), (Kind.REPORT_DUE, "0"))]
    seed(engine, *items)
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None})
    # Then one message arrived and each notification is recorded as sent with it
    assert (summary.messages, summary.sent, len(smtp_server.recorder.messages)) == (1, 3, 1)
    with session(engine) as s:
        rows = s.scalars(select(Outbox)).all()
        assert {r.status for r in rows} == {"sent"} and len({r.message_key for r in rows}) == 1
        assert len({r.provider_id for r in rows}) == 1


async def test_zalo_without_credentials_is_skipped_with_the_reason(engine: Engine, tmp_path: Path) -> None:
    seed(engine, notification("phong-2", channel="zalo"))
    channels = channels_from_settings(Settings(data_dir=tmp_path, smtp_host=None), engine)
    summary = await run(engine, channels)
    assert summary.skipped == 1
    assert list(statuses(engine).values()) == [("skipped", "Zalo chưa được cấu hình")]


async def test_without_smtp_email_goes_to_a_maildir_a_person_can_open(engine: Engine, tmp_path: Path) -> None:
    seed(engine, notification("phong-1"))
    channels = channels_from_settings(Settings(data_dir=tmp_path, smtp_host=None), engine)
    summary = await run(engine, channels)
    assert summary.sent == 1
    box = mailbox.Maildir(tmp_path / "maildir", create=False)
    [msg] = list(box)
    assert "Báo cáo năm" in str(email.message_from_bytes(msg.as_bytes(), policy=policy.default)["Subject"])


async def test_permanent_zalo_error_falls_back_to_email(
    engine: Engine, smtp_server: SMTPServer, zalo_server: ZaloServer, tmp_path: Path
) -> None:
    # Given a Zalo reminder to a unit that also has an email, and Zalo answering -108
    z = notification("phong-3", channel="zalo")
    seed(engine, z)
    zalo_server.state.fail_next(-108)
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": zalo_channel(zalo_server, engine)})
    # Then the Zalo row failed and its email fallback was sent in the same run
    st = statuses(engine)
    assert st[z.key][0] == "failed"
    assert st[z.key + "/fallback-email"][0] == "sent" and summary.fallbacks == 1
    assert received_keys(smtp_server) == [z.key + "/fallback-email"]


async def test_zalo_quota_defers_to_the_next_working_morning(
    engine: Engine, zalo_server: ZaloServer, tmp_path: Path
) -> None:
    z = notification("phong-2", channel="zalo")
    seed(engine, z)
    zalo_server.state.fail_next(-144)
    summary = await run(engine, {"email": None, "zalo": zalo_channel(zalo_server, engine)})
    assert summary.retried == 1
    with session(engine) as s:
        [row] = listing(s)
    # (from the run's own now, Tuesday 01/12/2026 09:00, not from the wall clock)
    assert row.status == "pending" and row.send_at == at(date(2026, 12, 2), 8) and row.attempts == 1


async def test_zalo_sends_with_the_key_as_tracking_id(engine: Engine, zalo_server: ZaloServer, tmp_path: Path) -> None:
    z = notification("phong-2", channel="zalo")
    seed(engine, z)
    summary = await run(engine, {"email": None, "zalo": zalo_channel(zalo_server, engine)})
    assert summary.sent == 1 and len(zalo_server.state.sends()) == 1


async def test_reminder_found_after_its_deadline_is_skipped_not_sent(engine: Engine, smtp_server: SMTPServer) -> None:
    # Given a "3 days before" reminder for a 04/12 deadline, first seen on 07/12
    seed(engine, notification("phong-1"))
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, now=at(date(2026, 12, 7), 9))
    # Then it is skipped with the reason and nothing is sent
    assert summary.skipped == 1 and smtp_server.recorder.messages == []
    [(status, reason)] = statuses(engine).values()
    assert status == "skipped" and "04/12/2026" in (reason or "")


async def test_submitted_unit_gets_no_more_reminders(engine: Engine, smtp_server: SMTPServer) -> None:
    seed(engine, notification("phong-1"), notification("phong-3"))
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None},
                        submitted=lambda _s, plan, period: {"phong-1"})
    st = {k.split("/")[-2]: v for k, v in statuses(engine).items()}
    assert st["phong-1"] == ("skipped", "đã nộp báo cáo") and st["phong-3"][0] == "sent"
    assert summary.sent == 1


async def test_escalation_lists_only_missing_units(engine: Engine, smtp_server: SMTPServer) -> None:
    ctx = context(expected_unit_ids=["phong-1", "phong-3"], expected_units=["Phòng Nghiệp vụ 1", "Phòng Nghiệp vụ 3"])
    esc = notification("van-phong", kind=Kind.ESCALATION, step="+1", ctx=ctx, send_at=at(date(2026, 12, 7)))
    seed(engine, esc)
    await run(engine, {"email": email_channel(smtp_server), "zalo": None}, now=at(date(2026, 12, 7), 9),
              submitted=lambda _s, plan, period: {"phong-1"})
    [m] = smtp_server.recorder.messages
    body = email.message_from_bytes(m.content, policy=policy.default).get_body(("plain",)).get_content()  # type: ignore[arg-type, union-attr]
    assert "Phòng Nghiệp vụ 3" in body and "Phòng Nghiệp vụ 1" not in body


async def test_dry_run_changes_nothing(engine: Engine, smtp_server: SMTPServer) -> None:
    seed(engine, notification("phong-1"), notification("phong-2", channel="zalo"))
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dry_run=True)
    assert (summary.claimed, summary.sent, summary.skipped) == (2, 1, 1)
    assert {s for s, _ in statuses(engine).values()} == {"pending"} and smtp_server.recorder.messages == []
    with session(engine) as s:
        assert s.scalars(select(DeliveryAttempt)).all() == []


async def test_small_batches_still_send_everything(engine: Engine, smtp_server: SMTPServer) -> None:
    items = [notification(f"don-vi-{i}") for i in range(45)]
    seed(engine, *items)
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(45),
                        options=Options(batch_size=7, lease=timedelta(minutes=1)))
    assert summary.sent == 45 and len(smtp_server.recorder.messages) == 45


class SwitchIntervalSeen:
    """A channel that notes the GIL switch interval at each send; it delivers nowhere."""

    name = "email"

    def __init__(self) -> None:
        self.seen: list[float] = []

    async def send(self, msg: OutgoingMessage) -> Delivery:
        self.seen.append(sys.getswitchinterval())
        return Delivery(provider_id=msg.key, sent_at=NOW)

    async def aclose(self) -> None:
        pass


async def test_a_run_hands_the_gil_over_often_and_puts_the_interval_back(engine: Engine) -> None:
    items = [notification(f"don-vi-{i}") for i in range(3)]
    seed(engine, *items)
    before = sys.getswitchinterval()
    channel = SwitchIntervalSeen()
    summary = await run(engine, {"email": channel, "zalo": None}, dirx=directory(3))
    # (the interpreter keeps the interval in whole microseconds)
    assert summary.sent == 3 and len(channel.seen) == 3
    assert all(abs(seen - SWITCH_INTERVAL) < 1e-6 and seen < before for seen in channel.seen)
    assert sys.getswitchinterval() == before


async def test_a_lead_that_recorded_its_dated_task_done_through_the_tasks_report_gets_no_more_reminders(
        engine: Engine, smtp_server: SMTPServer) -> None:
    # Given a dated task's reminders whose completion is recorded through the report period nam-2026,
    # and a year-round task's reminder (no period: nothing to record it against)
    ctx = context(title="Kiện toàn Ban Chỉ đạo", item={"id": "ii-1", "title": "Kiện toàn Ban Chỉ đạo"})
    dated = [notification(u, kind=Kind.TASK_REMINDER, ref="ii-1/2026", ctx=ctx,
                          subject="[Nhắc việc] Kiện toàn Ban Chỉ đạo – hạn Thứ Sáu, 04/12/2026") for u in ("phong-1", "phong-3")]
    yearly = notification("phong-1", kind=Kind.TASK_REMINDER, ref="ii-2/2026-q4", step="0", period=None, deadline=None,
                          ctx=context(deadline=None), subject="[Nhắc việc] Tuyên truyền")
    seed(engine, *dated, yearly)
    # When phong-1 has submitted that period (its note and files say the task is done)
    await run(engine, {"email": email_channel(smtp_server), "zalo": None}, options=Options(digest_channels=frozenset()),
              submitted=lambda _s, plan, period: {"phong-1"} if period == "nam-2026" else set())
    # Then its dated-task reminder is not sent; phong-3's is, and so is the year-round reminder
    st = {k.split("/")[2] + "/" + k.split("/")[-2]: v for k, v in statuses(engine).items()}
    assert st["ii-1/phong-1"] == ("skipped", "đã nộp báo cáo")
    assert st["ii-1/phong-3"][0] == "sent" and st["ii-2/phong-1"][0] == "sent"
