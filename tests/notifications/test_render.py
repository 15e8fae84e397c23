"""Rendering: every kind renders in Vietnamese, subjects stay one line, HTML is escaped."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.render import render_digest, render_message

KINDS = (
    "task_reminder report_reminder report_due report_overdue escalation office_compile "
    "campaign_notice campaign_kickoff campaign_weekly campaign_closing occasion rollup_ready "
    "submission_received extension_decision"
).split()


def context(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "plan": {"id": "2026-stp", "label": "Kế hoạch số 12/KH-STP", "title": "Phổ biến, giáo dục pháp luật năm 2026", "issuer": "Sở Tư pháp"},
        "item": {"id": "r1", "title": "Báo cáo kết quả"},
        "period": {"id": "2026-h1", "label": "6 tháng đầu năm 2026"},
        "deadline": "2026-05-29", "step": -3, "start": "2026-11-15", "end": "2026-12-15", "week": 2,
        "occasion_date": "2026-03-08", "upward_to": "Bộ Tư pháp", "expected_units": ["Phòng A", "Phòng B"],
        "missing_units": ["Phòng B"], "content": ["Tuyên truyền"], "lead": ["Phòng A"], "coordinating": [],
        "activities": ["Mít tinh"], "unit": {"id": "u1", "name": "Phòng Văn hóa"}, "link": "https://kehoach.vn/s/abc?x=1&y=2",
    }
    return base | extra


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_names_plan_item_deadline_unit_and_link(kind: str) -> None:
    # Given a full context / When rendered for email and Zalo
    email = render_message(kind, context(), key="k", channel="email", to=["a@x.vn"], to_name="Phòng Văn hóa")
    zalo = render_message(kind, context(), key="k", channel="zalo", to=["84912345678"], to_name="Phòng Văn hóa")
    # Then each body says what, for whom, by when and where to submit
    for body in (email.text, email.html or ""):
        assert "Kế hoạch số 12/KH-STP" in body and "Phổ biến, giáo dục pháp luật năm 2026" in body
        assert "Báo cáo kết quả" in body and "Phòng Văn hóa" in body
        assert "Thứ Sáu, 29/05/2026" in body
    assert "https://kehoach.vn/s/abc?x=1&y=2" in email.text
    assert "https://kehoach.vn/s/abc?x=1&amp;y=2" in (email.html or "")
    assert "Kế hoạch số 12/KH-STP" in zalo.text and len(zalo.text) < 400
    assert zalo.zalo_template_data["content"] == zalo.text


@pytest.mark.parametrize("kind", KINDS)
def test_optional_keys_may_be_missing(kind: str) -> None:
    # Given only what every context has (and the keys its subject names)
    minimal = {"plan": {"id": "p", "label": "KH 1", "title": "T"}, "item": {"id": "i", "title": "I"},
               "period": {"id": "p1", "label": "Năm 2026"}, "deadline": "2026-05-29", "step": 0,
               "start": "2026-11-15", "end": "2026-12-15", "week": 1, "occasion_date": "2026-03-08", "upward_to": "UBND"}
    # When / Then: nothing raises under StrictUndefined
    message = render_message(kind, minimal, key="k", channel="email", to=[], to_name="")
    assert "I" in message.text


def test_hostile_unit_name_cannot_inject_a_header_or_markup() -> None:
    # Given a unit name with CR/LF and a script tag
    hostile = {"id": "u", "name": "Thôn 1\r\nBcc: x@evil.com <script>alert(1)</script>"}
    ctx = context(unit=hostile, item={"id": "i", "title": "Nhắc\r\nBcc: y@evil.com"})
    # When rendered
    message = render_message("report_due", ctx, key="k", channel="email", to=["a@x.vn"], to_name=hostile["name"])
    # Then the subject is one line and the HTML is escaped
    assert "\r" not in message.subject and "\n" not in message.subject
    assert "<script>" not in (message.html or "") and "&lt;script&gt;" in (message.html or "")


def test_deadline_reminders_carry_an_ics_and_announcements_do_not() -> None:
    assert render_message("report_reminder", context(), key="k", channel="email", to=[], to_name="").attachments
    assert not render_message("campaign_kickoff", context(), key="k", channel="email", to=[], to_name="").attachments
    assert not render_message("task_reminder", context(deadline=None), key="k", channel="email", to=[], to_name="").attachments


def test_digest_lists_each_item_with_its_deadline_and_link() -> None:
    # Given three items due for one unit on Monday 16/11/2026
    items = [
        ("report_due", context()),
        ("task_reminder", context(item={"id": "t", "title": "Treo băng rôn"}, deadline="2026-11-20", link="https://kehoach.vn/s/t")),
        ("campaign_kickoff", context(item={"id": "c", "title": "Tháng hành động"}, deadline=None, link=None)),
    ]
    # When rendered as one message
    message = render_digest(items, day="2026-11-16", key="k1", channel="email", to=["a@x.vn"], to_name="Phòng Văn hóa")
    # Then the subject counts them and the body lists each with its own deadline and link
    assert message.subject == "[Nhắc việc] 3 nội dung cần thực hiện – Thứ Hai, 16/11/2026"
    assert "Thứ Sáu, 20/11/2026" in message.text and "https://kehoach.vn/s/t" in message.text
    assert "Tháng hành động" in message.text and "Thứ Sáu, 29/05/2026" in (message.html or "")
    assert len(message.attachments) == 1  # one calendar, one event per deadline
    zalo = render_digest(items, day="2026-11-16", key="k1", channel="zalo", to=["84912345678"], to_name="")
    assert "3 nội dung" in zalo.text and len(zalo.text) < 400
