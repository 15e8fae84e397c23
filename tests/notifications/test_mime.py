"""MIME building: what a mail reader sees."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from email.message import EmailMessage

from notifications.mime import build_email
from notifications.render import render_message
from tests.notifications.test_render import context

MAIL_FROM = "Văn phòng Sở Tư pháp <vanphong@stp.gov.vn>"


def parsed(to_name: str = "Phòng Văn hóa", **extra: object) -> EmailMessage:
    message = render_message("report_due", context(**extra), key="k1", channel="email", to=["a@x.vn", "b@x.vn"], to_name=to_name)
    raw = build_email(message, MAIL_FROM, date=datetime(2026, 5, 25, 8, 0).astimezone()).data
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_subject_and_names_decode_to_vietnamese() -> None:
    msg = parsed()
    assert msg["Subject"] == "[Hạn hôm nay] Báo cáo kết quả 6 tháng đầu năm 2026 – hạn Thứ Sáu, 29/05/2026"
    assert msg["From"].addresses[0].display_name == "Văn phòng Sở Tư pháp"
    assert [a.addr_spec for a in msg["To"].addresses] == ["a@x.vn", "b@x.vn"]
    assert msg["To"].addresses[0].display_name == "Phòng Văn hóa"


def test_structure_is_text_html_alternative_plus_calendar() -> None:
    msg = parsed()
    assert [part.get_content_type() for part in msg.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert "Phòng Văn hóa" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_message_id_depends_only_on_the_key() -> None:
    assert parsed()["Message-ID"] == parsed(to_name="Khác")["Message-ID"]
    assert parsed()["Message-ID"].endswith("@stp.gov.vn>")


def test_name_with_crlf_or_300_characters_injects_no_header() -> None:
    # Given display names built to break headers
    for name in ("Thôn 1\r\nBcc: evil@x.com", 'Tổ "dân phố"\n' + "Đ" * 300):
        # When the message is built and parsed again
        msg = parsed(to_name=name)
        # Then no header appeared and the recipients are still the two addresses
        assert "Bcc" not in msg
        assert [a.addr_spec for a in msg["To"].addresses] == ["a@x.vn", "b@x.vn"]
