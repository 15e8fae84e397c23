"""MIME building: what a mail reader sees."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

from notifications.message import Attachment
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


def test_message_id_is_new_for_every_message_and_the_key_travels_in_its_own_header() -> None:
    first, again = parsed(), parsed()
    assert first["Message-ID"] != again["Message-ID"] and first["Message-ID"].endswith("@stp.gov.vn>")
    assert first["X-Kehoach-Key"] == again["X-Kehoach-Key"] == "k1"


def test_automated_mail_headers_date_in_vietnam_time_and_bounce_address() -> None:
    message = render_message("report_due", context(), key="k1", channel="email", to=["a@x.vn"], to_name="")
    message = replace(message, from_name="Văn phòng Sở Tư pháp Đồng Tháp", reply_to=("vanphong@stp.example",),
                      list_id="2026-stp-dong-thap-bdg")
    built = build_email(message, "kehoach@stp.gov.vn", date=datetime(2026, 5, 25, 1, 0, tzinfo=UTC),
                        bounce_to="thu-loi@stp.gov.vn")
    msg = email.message_from_bytes(built.data, policy=policy.default)
    assert built.sender == "thu-loi@stp.gov.vn"  # the envelope sender: where bounces go
    assert msg["From"].addresses[0].display_name == "Văn phòng Sở Tư pháp Đồng Tháp"
    assert msg["From"].addresses[0].addr_spec == "kehoach@stp.gov.vn"
    assert msg["Reply-To"].addresses[0].addr_spec == "vanphong@stp.example"
    assert msg["Date"].endswith("+0700") and "08:00:00" in msg["Date"]
    assert (msg["Precedence"], msg["X-Auto-Response-Suppress"]) == ("bulk", "All")
    assert msg["List-Id"] == "<2026-stp-dong-thap-bdg.stp.gov.vn>"


def test_vietnamese_attachment_name_is_sent_with_rfc_2231() -> None:
    # Given a draft report whose file name is Vietnamese
    name = "Báo cáo tổng hợp 6 tháng đầu năm 2026 – Sở Tư pháp tỉnh Đồng Tháp (dự thảo).docx"
    message = replace(render_message("rollup_ready", context(), key="k", channel="email", to=["a@x.vn"], to_name=""),
                      attachments=(Attachment(name, "application/octet-stream", b"PK\x03\x04"),))
    # When built and parsed again
    raw = build_email(message, MAIL_FROM).data
    msg = email.message_from_bytes(raw, policy=policy.default)
    # Then every line is short ASCII and a mail reader recovers the exact name and bytes
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == name and part.get_content() == b"PK\x03\x04"
    assert b"filename*0*=utf-8''" in raw


def test_name_with_crlf_or_300_characters_injects_no_header() -> None:
    # Given display names built to break headers
    for name in ("Thôn 1\r\nBcc: evil@x.com", 'Tổ "dân phố"\n' + "Đ" * 300):
        # When the message is built and parsed again
        msg = parsed(to_name=name)
        # Then no header appeared and the recipients are still the two addresses
        assert "Bcc" not in msg
        assert [a.addr_spec for a in msg["To"].addresses] == ["a@x.vn", "b@x.vn"]
