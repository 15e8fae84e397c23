"""The local outbox: a Maildir a person can open."""

from __future__ import annotations

import mailbox
from email import policy
from email.parser import BytesParser
from pathlib import Path

from notifications.channels.maildir import MaildirChannel
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
