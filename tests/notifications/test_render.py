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


# Units whose names and links must come out exactly as a full rendering writes them (Jinja2's
# HTML escaping of quotes and ampersands included); the first warms the per-event caches.
RECIPIENTS = (
    {"id": "u1", "name": "Phòng Văn hóa và Thông tin"},
    {"id": "xa-tan-loi", "name": 'UBND xã "Tân & Lợi" <Đồng Tháp> l\'an'},
    {"id": "u3", "name": "Thôn Đông"},
)


def link_of(unit: dict[str, str]) -> str:
    return f"https://kehoach.vn/s/{unit['id']}?ky=2026&x=\"1\""


@pytest.mark.parametrize("channel", ["email", "zalo"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_message_rendered_once_per_event_is_what_a_full_rendering_writes(kind: str, channel: str) -> None:
    # Given one event sent to several units, with their links or none
    for i, unit in enumerate(RECIPIENTS):
        ctx = context(unit=unit, link=link_of(unit) if i != 2 else None)
        # When each is rendered through the per-event cache and in full
        fast = render_message(kind, ctx, key=f"k/{unit['id']}", channel=channel, to=["a@x.vn"], to_name=unit["name"])
        full = render_message(kind, ctx, key=f"k/{unit['id']}", channel=channel, to=["a@x.vn"], to_name=unit["name"],
                              shortcut=False)
        # Then they are the same, byte for byte: subject, both bodies, the Zalo fields, the calendar
        assert fast == full
        assert unit["name"] in fast.text


def digests() -> list[list[tuple[str, dict[str, Any]]]]:
    """Digests of two kinds each, of one plan or two, the same form said twice or not, with and without links."""
    other = {"id": "2026-ubnd", "label": "Kế hoạch số 3/KH-UBND", "title": "Tháng hành động vì bình đẳng giới",
             "issuer": "Ủy ban nhân dân tỉnh"}
    out = []
    for n, (a, b) in enumerate((a, b) for a in KINDS for b in KINDS if a < b):
        second = {"item": {"id": "r2", "title": "Báo cáo quý III năm 2026"}, "deadline": "2026-10-20"}
        if n % 2:
            second["plan"] = other
        form = {"form": "Biểu mẫu số 01/BC: số buổi, số người tham dự"} if n % 3 else {}
        items = [(a, context(**form, role="chủ trì" if n % 4 == 0 else None)), (b, context(**form, **second))]
        if n % 5 == 0:
            items.append(("campaign_kickoff", context(plan=other, deadline=None, link=None)))
        out.append(items)
    return out


@pytest.mark.parametrize("channel", ["email", "zalo"])
def test_a_digest_of_entries_rendered_once_per_event_is_what_a_full_rendering_writes(channel: str) -> None:
    said_once = 0
    for items in digests():
        for i, unit in enumerate(RECIPIENTS):
            # Given the same digest for several units, each with its own links (one unit has none)
            own = [(kind, {**ctx, "unit": unit, "link": link_of(unit) + kind if ctx["link"] and i != 2 else None})
                   for kind, ctx in items]
            # When rendered with the per-event entries and in full
            fast = render_digest(own, day="2026-11-16", key="k", channel=channel, to=["a@x.vn"], to_name=unit["name"])
            full = render_digest(own, day="2026-11-16", key="k", channel=channel, to=["a@x.vn"], to_name=unit["name"],
                                 shortcut=False)
            # Then they are the same, byte for byte, calendars included
            assert fast == full
            said_once += "Cùng biểu mẫu như nội dung trên." in (fast.html or "")
    assert said_once or channel == "zalo"  # some digests said their shared form once
