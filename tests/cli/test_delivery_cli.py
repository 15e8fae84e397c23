"""The real ``kehoach`` CLI in a subprocess: sync, dispatch, outbox, and a SIGKILL mid-batch."""

from __future__ import annotations

import asyncio
import email
import json
import mailbox
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import make_engine
from kehoach.submissions.links import verify
from tests.servers.postgres import PrivatePostgres
from tests.servers.smtp import Recorder, SMTPServer
from tests.servers.zalo import APP_ID, SECRET_KEY, ZaloServer

T = "2026-07-01T09:00:00+07:00"  # a working day on which the seed plans remind by email
AFTER_LEASE = "2026-07-01T09:15:00+07:00"  # the default lease is 10 minutes
MORNING = "2026-07-01T06:30:00+07:00"  # the morning sync of T's day: its horizon holds what T sends
MAIL_FROM = "Văn phòng Sở <vanphong@so.example>"
CLI = [sys.executable, "-c", "from kehoach.cli import main; main()"]


def kehoach(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=REPO_ROOT)


@pytest.fixture
def env(tmp_path: Path, smtp_server: SMTPServer) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    return {**clean, "KEHOACH_DATA_DIR": str(tmp_path / "data"), "KEHOACH_CONFIG_DIR": str(REPO_ROOT / "config"),
            "KEHOACH_SMTP_HOST": "127.0.0.1", "KEHOACH_SMTP_PORT": str(smtp_server.port),
            "KEHOACH_SMTP_STARTTLS": "false", "KEHOACH_MAIL_FROM": MAIL_FROM}


def outbox(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    done = kehoach(env, "outbox", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def ids(server: SMTPServer) -> list[str]:
    """The notification key of each message that arrived: the duplicate detector."""
    return [str(email.message_from_bytes(m.content, policy=policy.default)["X-Kehoach-Key"])  # type: ignore[arg-type]
            for m in server.recorder.messages]


def test_sync_then_dispatch_delivers_due_reminders_once(env: dict[str, str], smtp_server: SMTPServer) -> None:
    # Given the seed plans synced for 2026, twice (idempotent)
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    again = kehoach(env, "sync", "--year", "2026", "--now", MORNING)
    assert again.returncode == 0 and "Không đổi" in again.stdout
    due_email = [r for r in outbox(env, "--status", "pending") if r["channel"] == "email" and r["send_at"] <= T]
    assert due_email
    # When the dispatcher runs at T with SMTP pointing at the local server
    first = kehoach(env, "dispatch", "--now", T)
    assert first.returncode == 0, first.stderr
    # Then messages arrived, parse with the email package, and subjects read in Vietnamese
    assert smtp_server.recorder.messages
    for m in smtp_server.recorder.messages:
        msg = email.message_from_bytes(m.content, policy=policy.default)  # type: ignore[arg-type]
        assert any(ch in str(msg["Subject"]) for ch in "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ")
    sent = outbox(env, "--status", "sent")
    assert sent and {r["key"] for r in sent} <= {r["key"] for r in due_email}
    assert all(set(r) >= {"key", "plan", "kind", "unit", "channel", "send_at", "status", "sent_at", "last_error"}
               for r in sent)
    # When the same command runs again
    count = len(smtp_server.recorder.messages)
    second = kehoach(env, "dispatch", "--now", T, "--json")
    # Then nothing more is delivered
    assert second.returncode == 0 and json.loads(second.stdout)["sent"] == 0
    assert len(smtp_server.recorder.messages) == count


def test_dry_run_sends_and_writes_nothing(env: dict[str, str], smtp_server: SMTPServer) -> None:
    kehoach(env, "sync", "--year", "2026", "--now", MORNING)
    done = kehoach(env, "dispatch", "--now", T, "--dry-run", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["sent"] > 0
    assert smtp_server.recorder.messages == [] and outbox(env, "--status", "sent") == []


class SlowRecorder(Recorder):
    """Each DATA takes a while, so a dispatcher can be killed in the middle of a batch."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.15)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.recorder = server.handler = SlowRecorder()
    server.start()
    yield server
    server.stop()


def test_sigkill_mid_batch_then_restart_delivers_everything_duplicating_at_most_the_concurrency(
    env: dict[str, str], slow_smtp: SMTPServer
) -> None:
    env = {**env, "KEHOACH_SMTP_PORT": str(slow_smtp.port)}
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    # Given a dispatcher sending through a slow server, killed with SIGKILL mid-batch
    proc = subprocess.Popen([*CLI, "dispatch", "--now", T], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO_ROOT)
    deadline = time.monotonic() + 60
    while len(slow_smtp.recorder.messages) < 15 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(slow_smtp.recorder.messages)
    stuck = outbox(env, "--status", "sending")
    assert before >= 15 and stuck, "the kill must land mid-batch"
    # When a dispatcher runs again after the lease expired
    done = kehoach(env, "dispatch", "--now", AFTER_LEASE)
    assert done.returncode == 0, done.stderr
    # Then every notification was delivered, and at most `concurrency` messages arrived twice
    rows = [r for r in outbox(env) if r["channel"] == "email" and r["send_at"] <= T]
    assert not [r for r in rows if r["status"] in ("pending", "sending")]
    received = Counter(ids(slow_smtp))
    for r in rows:
        if r["status"] == "sent":
            assert received[r["message_key"]] >= 1, r["key"]
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= 10, received.most_common(12)


def test_report_reminder_carries_the_units_signed_link(env: dict[str, str], smtp_server: SMTPServer) -> None:
    # Given the seed plans synced, and the first Yết Kiêu annual-report reminder due on 19/11/2026
    assert kehoach(env, "sync", "--year", "2026", "--now", "2026-11-19T06:30:00+07:00").returncode == 0
    # When the dispatcher runs that morning
    done = kehoach(env, "dispatch", "--now", "2026-11-19T08:05:00+07:00")
    assert done.returncode == 0, done.stderr
    # Then Thôn 1's message names its deadline and carries a link to its own form that verifies
    to_thon_1 = [email.message_from_bytes(m.content, policy=policy.default) for m in smtp_server.recorder.messages
                 if "thon1@" in ",".join(m.rcpt_tos)]
    assert len(to_thon_1) == 1
    text = to_thon_1[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Thứ Sáu, 04/12/2026" in text
    link = next(w for w in text.split() if "/nop/2026-xa-yet-kieu-bdg/bc-nam-2026/xa-yk-thon-1?" in w)
    query = parse_qs(urlsplit(link).query)
    verify(Settings(data_dir=Path(env["KEHOACH_DATA_DIR"])), "2026-xa-yet-kieu-bdg", "xa-yk-thon-1", "bc-nam-2026", query["e"][0], query["s"][0],
           datetime.fromisoformat("2026-11-20T08:00:00+07:00"))


def test_dispatch_exits_2_when_nothing_could_be_sent_and_shows_the_resting_channel(
    env: dict[str, str], smtp_server: SMTPServer
) -> None:
    # Given the seed plans synced and a relay that refuses the sender (it wants a login)
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    smtp_server.recorder.mail_reply = "530 5.7.0 Authentication required"
    # When the dispatcher runs
    done = kehoach(env, "dispatch", "--now", T)
    # Then it exits 2, says which channel rests and why, and no row failed: they all wait
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Kênh email tạm dừng" in done.stdout and "530" in done.stdout
    assert outbox(env, "--status", "failed") == [] and outbox(env, "--status", "sending") == []


def test_one_refused_message_exits_1_and_requeue_sends_it_after_the_fix(
    env: dict[str, str], smtp_server: SMTPServer
) -> None:
    # Given the seed plans synced and a relay refusing the content of the first message
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    smtp_server.recorder.fail_next("554 5.6.0 Nội dung bị từ chối")
    done = kehoach(env, "dispatch", "--now", T)
    # Then the dispatch exits 1: something failed, the rest went out
    assert done.returncode == 1, done.stdout + done.stderr
    failed = outbox(env, "--status", "failed")
    assert failed and all("554" in r["last_error"] for r in failed)
    plan = failed[0]["plan"]
    # When the office requeues that plan's failures since 01/07/2026 (a bad date is refused first)
    bad = kehoach(env, "outbox", "requeue", "--since", "31/02/2026")
    assert bad.returncode != 0 and "31/02/2026" in bad.stderr
    again = kehoach(env, "outbox", "requeue", "--status", "failed", "--plan", plan, "--since", "01/07/2026")
    assert again.returncode == 0 and f"Đã đưa {len(failed)} thông báo" in again.stdout
    # Then the next dispatch sends them and exits 0
    count = len(smtp_server.recorder.messages)
    fixed = kehoach(env, "dispatch", "--now", T)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert len(smtp_server.recorder.messages) == count + 1 and outbox(env, "--status", "failed") == []


def test_the_relay_rate_setting_spaces_the_messages_it_starts(env: dict[str, str], smtp_server: SMTPServer) -> None:
    # Given the seed plans synced and a relay that takes at most 5 messages a second from us
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    # When the office sets the rate and dispatches
    done = kehoach({**env, "KEHOACH_SMTP_RATE_PER_SECOND": "5"}, "dispatch", "--now", T)
    assert done.returncode == 0, done.stdout + done.stderr
    # Then every due message arrived, no faster than 5 a second over the run (each message's own
    # latency varies on a busy machine, so the span of the whole run is what is measured)
    arrived = smtp_server.recorder.arrived[1:]  # the first also pays for the connection
    assert len(arrived) >= 10
    assert arrived[-1] - arrived[0] >= 0.8 * (len(arrived) - 1) / 5, (len(arrived), arrived[-1] - arrived[0])


@pytest.mark.postgres
def test_postgresql_down_mid_dispatch_ends_it_with_the_reason_and_the_next_sends_the_rest(
    env: dict[str, str], slow_smtp: SMTPServer, private_pg: PrivatePostgres,
) -> None:
    # Given the seed plans synced into a PostgreSQL server, and a slow relay
    with make_engine(private_pg.url).begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS outbox, delivery_attempt CASCADE")
    env = {**env, "KEHOACH_SMTP_PORT": str(slow_smtp.port), "KEHOACH_DATABASE_URL": private_pg.url,
           "KEHOACH_PORTAL_SECRET": "mot-khoa-chung", "KEHOACH_DB_PATIENCE": "1"}
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    # When PostgreSQL stops for 6 s in the middle of the dispatch (the patience is 1 s)
    proc = subprocess.Popen([*CLI, "dispatch", "--now", T], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    deadline = time.monotonic() + 60
    while len(slow_smtp.recorder.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    private_pg.stop()
    stopped = time.monotonic()
    out, err = proc.communicate(timeout=60)
    ended_after = time.monotonic() - stopped
    time.sleep(max(0.0, 6 - ended_after))
    private_pg.start()
    # Then the dispatch ended on its own, soon, non-zero, saying why in Vietnamese
    assert ended_after < 10 and proc.returncode in (1, 2), out + err
    assert "dừng giữa chừng" in err and "Cơ sở dữ liệu" in err
    # And with PostgreSQL back, the next dispatch after the lease sends the rest: nothing is left due
    done = kehoach(env, "dispatch", "--now", AFTER_LEASE)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    rows = [r for r in outbox(env) if r["channel"] == "email" and r["send_at"] <= T]
    assert not [r for r in rows if r["status"] in ("pending", "sending")]


def test_failed_deliveries_show_on_the_office_board_per_unit_with_the_reason(
    env: dict[str, str], smtp_server: SMTPServer, zalo_server: ZaloServer,
) -> None:
    # Given the seed plans synced, Zalo configured, Công an xã's mailbox refused by the relay,
    # and Zalo answering that the first recipient has no Zalo account
    env = {**env, "KEHOACH_ZALO_APP_ID": APP_ID, "KEHOACH_ZALO_SECRET_KEY": SECRET_KEY,
           "KEHOACH_ZALO_REFRESH_TOKEN": zalo_server.state.new_refresh_token(),
           "KEHOACH_ZALO_API_BASE": zalo_server.url, "KEHOACH_ZALO_OAUTH_BASE": zalo_server.url}
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    smtp_server.recorder.refuse["congan@yetkieu.example"] = "550 5.1.1 Hộp thư không tồn tại"
    zalo_server.state.fail_next(-118)
    # When the dispatcher runs (it exits 1: something failed)
    assert kehoach(env, "dispatch", "--now", T).returncode == 1
    # Then the Yết Kiêu board lists Công an xã's refused email with the relay's reply
    done = kehoach(env, "status", "--plan", "2026-xa-yet-kieu-bdg", "--period", "bc-nam-2026", "--format", "json")
    assert done.returncode == 0, done.stderr
    failures = json.loads(done.stdout)["delivery_failures"]
    refused = [f for f in failures if f["unit"] == "xa-yk-cong-an" and f["channel"] == "email"]
    assert refused and all("550" in f["reason"] and f["unit_name"] == "Công an xã Yết Kiêu" for f in refused)
    assert {f["kind_label"] for f in refused} == {"Nhắc nhiệm vụ"}
    # and, on whichever plan's board it belongs to, the Zalo error with its code
    plans = sorted(p.stem for p in (REPO_ROOT / "config" / "plans").glob("*.yaml"))  # a plan's file is named by its id
    zalo = [f for plan in plans
            for f in json.loads(kehoach(env, "status", "--plan", plan, "--format", "json").stdout)[0]["delivery_failures"]
            if f["channel"] == "zalo"]
    assert len(zalo) == 1 and "-118" in zalo[0]["reason"]
    # and the table a clerk reads names the unit, the reason and what to do
    table = kehoach(env, "status", "--plan", "2026-xa-yet-kieu-bdg", "--period", "bc-nam-2026")
    assert table.returncode == 0 and "Thông báo gửi không thành công" in table.stdout
    assert "Công an xã Yết Kiêu" in table.stdout and "550" in table.stdout and "requeue" in table.stdout


def delivery_report(original: bytes, recipient: str) -> bytes:
    """A delivery report as Postfix returns it to the envelope sender, with the original headers."""
    headers = original.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n")
    return b"\n".join([
        b"From: MAILER-DAEMON@relay.example", b"To: thu-loi@so.example",
        b"Subject: Undelivered Mail Returned to Sender", b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"', b"",
        b"--B1", b"Content-Type: text/plain; charset=us-ascii", b"",
        b"This is the mail system at host relay.example. Your message could not be delivered.", b"",
        b"--B1", b"Content-Type: message/delivery-status", b"",
        b"Reporting-MTA: dns; relay.example", b"",
        b"Final-Recipient: rfc822; " + recipient.encode(), b"Action: failed", b"Status: 5.1.1",
        b"Diagnostic-Code: smtp; 550 5.1.1 <" + recipient.encode() + b">: Recipient address rejected:",
        b"    User unknown in virtual mailbox table", b"",
        b"--B1", b"Content-Type: text/rfc822-headers", b"", headers, b"",
        b"--B1--", b""])


def test_a_bounce_read_from_the_bounce_mailbox_shows_on_the_board_and_can_be_requeued(
    env: dict[str, str], smtp_server: SMTPServer, tmp_path: Path,
) -> None:
    # Given the seed plans synced and dispatched: the relay accepted everything
    assert kehoach(env, "sync", "--year", "2026", "--now", MORNING).returncode == 0
    assert kehoach(env, "dispatch", "--now", T).returncode == 0
    first = smtp_server.recorder.messages[0]
    key = str(email.message_from_bytes(first.content, policy=policy.default)["X-Kehoach-Key"])
    carried = [r for r in outbox(env, "--status", "sent") if r["message_key"] == key]
    assert carried
    # When its delivery report, and an out-of-office reply, reach the bounce mailbox
    box = mailbox.Maildir(tmp_path / "thu-loi", create=True)
    box.add(delivery_report(first.content, first.rcpt_tos[0]))
    box.add(b"From: vanthu@so.example\nSubject: Tra loi tu dong: dang nghi phep\n\nToi dang nghi phep.\n")
    done = kehoach(env, "outbox", "bounces", str(tmp_path / "thu-loi"))
    assert done.returncode == 0, done.stderr
    assert f"{len(carried)} thông báo được ghi là lỗi" in done.stdout and "1 địa chỉ bị trả lại" in done.stdout
    # Then the board shows, for that unit, the bounce with the address and the server's reason
    plan, unit = carried[0]["plan"], carried[0]["unit"]
    board = json.loads(kehoach(env, "status", "--plan", plan, "--format", "json").stdout)[0]["delivery_failures"]
    mine = [f for f in board if f["unit"] == unit]
    assert len(mine) == len(carried)
    assert all(first.rcpt_tos[0] in f["reason"] and "5.1.1" in f["reason"] and "User unknown" in f["reason"]
               for f in mine)
    # and reading the mailbox again changes nothing
    assert "0 thông báo được ghi là lỗi" in kehoach(env, "outbox", "bounces", str(tmp_path / "thu-loi")).stdout
    # and a folder that is not a mailbox is refused with the reason
    bad = kehoach(env, "outbox", "bounces", str(tmp_path))
    assert bad.returncode != 0 and "Maildir" in bad.stderr
