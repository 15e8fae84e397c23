"""Practice channels against the real local SMTP server: only test addresses get through."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest

from notifications.channels import EmailChannel, MaildirChannel
from notifications.channels.practice import TestRecipientsOnly, ZaloRecord, is_test_address
from notifications.message import OutgoingMessage
from tests.servers.smtp import SMTPServer


def message(*to: str) -> OutgoingMessage:
    return OutgoingMessage(key="k1", channel="email", to=to, to_name="Phòng Văn hóa", subject="Nhắc việc",
                           text="Nội dung thử")


@pytest.mark.parametrize(("address", "reserved"), [
    ("a@so.example", True), ("a@x.test", True), ("a@y.invalid", True), ("a@localhost", True),
    ("a@example.com", True), ("a@mail.example.org", True), ("a@example.net", True),
    ("vanthu@dongthap.gov.vn", False), ("a@example.com.vn", False), ("a@notexample.com", False), ("khong-co", False),
])
def test_reserved_domains(address: str, reserved: bool) -> None:
    assert is_test_address(address) is reserved


def channel(server: SMTPServer, tmp_path: Path, override: str | None = None) -> TestRecipientsOnly:
    smtp = EmailChannel(host="127.0.0.1", port=server.port, mail_from="vp@so.example", starttls=False, timeout=5)
    return TestRecipientsOnly(smtp, MaildirChannel(tmp_path / "maildir"), override=override)


async def test_real_addresses_stay_in_the_maildir_test_addresses_reach_the_server(
    smtp_server: SMTPServer, tmp_path: Path,
) -> None:
    sender = channel(smtp_server, tmp_path)
    await sender.send(message("vanthu@dongthap.gov.vn", "thu@so.example"))
    await sender.send(message("vanthu@dongthap.gov.vn"))
    await sender.aclose()
    assert [m.rcpt_tos for m in smtp_server.recorder.messages] == [["thu@so.example"]]
    assert len(list(mailbox.Maildir(tmp_path / "maildir", create=False))) == 1


async def test_override_address_receives_everything_and_nobody_else(smtp_server: SMTPServer, tmp_path: Path) -> None:
    sender = channel(smtp_server, tmp_path, override="toi@gmail.com")
    await sender.send(message("vanthu@dongthap.gov.vn", "thu@so.example"))
    await sender.aclose()
    assert [m.rcpt_tos for m in smtp_server.recorder.messages] == [["toi@gmail.com"]]


def zalo_message(key: str) -> OutgoingMessage:
    return OutgoingMessage(key=key, channel="zalo", to=("0912345678",), to_name="UBND xã", subject="", text="",
                           zalo_template_id="tpl", zalo_template_data={"ten": "UBND xã", "ma": key})


async def test_the_zalo_record_has_each_line_as_soon_as_it_is_sent_and_appends_across_runs(tmp_path: Path) -> None:
    # Given the simulation's Zalo record
    path = tmp_path / "sim" / "zalo-mo-phong.jsonl"
    record = ZaloRecord(path)
    # When two messages are sent and the record is not closed (a process stopped mid-run)
    await record.send(zalo_message("z1"))
    await record.send(zalo_message("z2"))
    # Then both lines are already in the file
    assert [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()] == ["z1", "z2"]
    # and a later run, after this one is closed, appends to them
    await record.aclose()
    again = ZaloRecord(path)
    await again.send(zalo_message("z3"))
    await again.aclose()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [m["key"] for m in lines] == ["z1", "z2", "z3"]
    assert lines[2] == {"phone": ["0912345678"], "key": "z3", "template_id": "tpl",
                        "template_data": {"ten": "UBND xã", "ma": "z3"}}
