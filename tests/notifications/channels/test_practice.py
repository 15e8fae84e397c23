"""Practice channels against the real local SMTP server: only test addresses get through."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from notifications.channels import EmailChannel, MaildirChannel
from notifications.channels.practice import TestRecipientsOnly, is_test_address
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
