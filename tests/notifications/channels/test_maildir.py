"""The local outbox: a Maildir a person can open."""

from __future__ import annotations

import mailbox
import os
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from notifications.channels.base import DeliveryError
from notifications.channels.maildir import MaildirChannel
from notifications.message import OutgoingMessage
from notifications.render import render_message
from tests.notifications.test_render import context


async def test_message_lands_in_the_maildir_and_parses(tmp_path: Path) -> None:
    # Given the outbox used when SMTP is not configured
    outbox = MaildirChannel(tmp_path / "outbox", mail_from="kehoach <kehoach@localhost>")
    message = render_message("report_reminder", context(), key="k1", channel="maildir", to=["a@x.vn"], to_name="Phòng Văn hóa")
    # When a message is sent
    delivery = await outbox.send(message)
    await outbox.aclose()
    # Then the Maildir holds it, readable as an email whose Message-ID is the provider id
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    (raw,) = [box.get_bytes(k) for k in box.keys()]
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Message-ID"] == delivery.provider_id and parsed["X-Kehoach-Key"] == "k1"
    assert parsed["Subject"] == ("[Nhắc báo cáo, còn 3 ngày làm việc] Báo cáo kết quả 6 tháng đầu năm 2026"
                                 " – hạn Thứ Sáu, 29/05/2026")
    assert parsed["To"].addresses[0].display_name == "Phòng Văn hóa"


async def test_a_maildir_under_a_data_folder_not_yet_made_is_created(tmp_path: Path) -> None:
    # Server mode keeps its database elsewhere, so nothing has made the data folder yet
    outbox = MaildirChannel(tmp_path / "data" / "maildir")
    message = render_message("report_reminder", context(), key="k2", channel="maildir", to=["a@x.vn"], to_name="Phòng")
    await outbox.send(message)
    assert len(mailbox.Maildir(tmp_path / "data" / "maildir", create=False)) == 1


def reminder(key: str) -> OutgoingMessage:
    return render_message("report_reminder", context(), key=key, channel="maildir", to=["a@x.vn"],
                          to_name="Phòng Văn hóa")


def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The file descriptors ``os.fsync`` is asked to flush from now on (it still flushes them)."""
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    return calls


async def test_a_practice_maildir_keeps_every_message_as_its_own_file_without_an_fsync_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the simulation's outbox, which does not force each message to the disk
    synced = fsyncs(monkeypatch)
    outbox = MaildirChannel(tmp_path / "data" / "maildir", durable=False)
    # When 30 messages are sent and the outbox is not closed (a process stopped mid-run)
    sent = {}
    for n in range(30):
        sent[f"k{n}"] = (await outbox.send(reminder(f"k{n}"))).provider_id
    # Then each one is already a message of its own in new/, with its headers, and no file is left in tmp/
    box = mailbox.Maildir(tmp_path / "data" / "maildir", create=False)
    parsed = [BytesParser(policy=policy.default).parsebytes(box.get_bytes(k)) for k in box.keys()]
    assert {str(p["X-Kehoach-Key"]): str(p["Message-ID"]) for p in parsed} == sent
    assert all(p["Subject"] and p["To"].addresses[0].display_name == "Phòng Văn hóa" for p in parsed)
    assert len(list((tmp_path / "data" / "maildir" / "new").iterdir())) == 30
    assert list((tmp_path / "data" / "maildir" / "tmp").iterdir()) == []
    # and nothing asked the disk for an fsync
    assert synced == []


async def test_the_offices_maildir_forces_each_message_to_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    synced = fsyncs(monkeypatch)
    outbox = MaildirChannel(tmp_path / "maildir")
    for n in range(3):
        await outbox.send(reminder(f"k{n}"))
    assert len(synced) == 3 and len(mailbox.Maildir(tmp_path / "maildir", create=False)) == 3


async def test_a_practice_maildir_that_cannot_be_written_fails_the_message_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "tep").write_text("không phải thư mục")
    outbox = MaildirChannel(tmp_path / "tep" / "maildir", durable=False)
    with pytest.raises(DeliveryError, match="cannot write to Maildir"):
        await outbox.send(reminder("k"))
