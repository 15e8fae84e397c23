"""A unit asks for an extension from its signed link; the office grants or refuses it on the board.

Bad input on the unit's side (a date not after its deadline, 31/02, an empty or too long
reason, a tampered link, no CSRF token, a second request while one waits) and on the office's
(another office's clerk, a leader, no CSRF token, a refusal without a note) each changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.followup_tables import ExtensionRequest, FollowupAction
from kehoach.store.report_tables import ReportApproval, ReportDraft
from kehoach.store.submission_tables import Extension
from kehoach.store.tables import Outbox
from kehoach.submissions import followup
from kehoach.submissions.links import make_link
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.record import record_submission
from tests.web.console.conftest import DT_PLAN, NOW, csrf_of, log_in

PERIOD = "bc-nam-2026"  # due 20/11/2026; the clock reads 10/12/2026
BOARD = f"/quan-ly/ke-hoach/{DT_PLAN}/{PERIOD}"
UNIT = "stp-dt-tgpl"
UNIT_NAME = "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Đồng Tháp"
ANSWER = f"{BOARD}/don-vi/{UNIT}/de-nghi-gia-han"
REASON = "Cán bộ phụ trách <b>nghỉ ốm</b> dài ngày"


def unit_link(settings: Settings, unit: str = UNIT) -> str:
    """The unit's signed link, as its reminders carry it (path and query)."""
    return make_link(settings, DT_PLAN, unit, PERIOD, NOW + timedelta(days=30)).removeprefix("http://testserver")


def ask(client: TestClient, link: str, until: str, reason: str = REASON, *, token: str | None = None) -> Response:
    """Open the unit's page (its CSRF cookie and token) and post the extension request form."""
    page = client.get(link)
    path, query = link.split("?")
    data = {"den_ngay": until, "ly_do": reason}
    if token != "":
        data["csrf_token"] = token or csrf_of(page.text)
    return client.post(f"{path}/gia-han?{query}", data=data)


def stored(engine: Engine) -> list[ExtensionRequest]:
    with session(engine) as s:
        return list(s.exec(select(ExtensionRequest)))


def decisions(engine: Engine) -> list[Outbox]:
    with session(engine) as s:
        return list(s.exec(select(Outbox).where(Outbox.kind == "extension_decision")))


def test_a_request_waits_on_the_board_and_the_home_page_and_a_second_one_is_refused(
        client: TestClient, engine: Engine, console_settings: Settings) -> None:
    link = unit_link(console_settings)
    # Given the unit's page offers the form, with its current deadline
    page = client.get(link).text
    assert "Xin gia hạn" in page and "Hạn nộp hiện tại: 20/11/2026" in page
    # When the unit asks for 28/12/2026, with markup in its reason
    answer = ask(client, link, "28/12/2026")
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    # Then its page says the request waits, the reason shown escaped, and no longer offers the form
    assert "Đã gửi đề nghị gia hạn" in page
    assert "Đề nghị gia hạn đến ngày 28/12/2026" in page and "đang chờ văn phòng xử lý" in page
    assert "&lt;b&gt;nghỉ ốm&lt;/b&gt;" in page and "<b>nghỉ ốm</b>" not in page
    assert 'id="gh-den_ngay"' not in page
    # When it posts a second request anyway, it is told one is waiting, and nothing changes
    again = ask(client, link, "2026-12-30", "Lý do khác")
    assert again.status_code == 409 and "Đã có một đề nghị gia hạn đang chờ xử lý" in again.text
    [row] = stored(engine)
    assert (row.requested, row.reason, row.state) == (date(2026, 12, 28), "Cán bộ phụ trách <b>nghỉ ốm</b> dài ngày",
                                                        "pending")
    # And the clerk's home page counts it, linking to the board, where it is shown with both actions
    log_in(client, "vt-dongthap")
    home = client.get("/quan-ly/").text
    assert "Đơn vị xin gia hạn (1)" in home
    assert f'href="{BOARD}#de-nghi-gia-han">{UNIT_NAME}</a>' in home
    board = client.get(BOARD).text
    listed = board.split(f'id="de-nghi-{UNIT}"')[1].split("</li>")[0]
    assert "xin gia hạn đến ngày <strong>28/12/2026</strong>" in listed
    assert "&lt;b&gt;nghỉ ốm&lt;/b&gt;" in listed and "<b>nghỉ ốm</b>" not in listed
    assert 'value="2026-12-28"' in listed and f'action="{ANSWER}/dong-y"' in listed
    assert f'action="{ANSWER}/tu-choi"' in listed


def test_the_office_grants_another_date_than_asked_through_kehoach_extend_s_path(
        client: TestClient, engine: Engine, console_settings: Settings) -> None:
    ask(client, unit_link(console_settings), "2026-12-28")
    log_in(client, "vt-dongthap")
    token = csrf_of(client.get(BOARD).text)
    # A date not after the period's due date, or none, is refused, and the request still waits
    early = client.post(f"{ANSWER}/dong-y", data={"csrf_token": token, "den_ngay": "2026-11-15"})
    assert early.status_code == 400 and "Ngày gia hạn phải sau hạn nộp của kỳ (20/11/2026)." in early.text
    empty = client.post(f"{ANSWER}/dong-y", data={"csrf_token": token, "den_ngay": ""})
    assert empty.status_code == 400 and "Vui lòng chọn ngày (ngày/tháng/năm)." in empty.text
    assert client.post(f"{ANSWER}/xoa", data={"csrf_token": token}).status_code == 404
    [req] = stored(engine)
    assert req.state == "pending" and req.granted is None and decisions(engine) == []
    # When the clerk grants until 31/12/2026 instead of 28/12
    answer = client.post(f"{ANSWER}/dong-y", data={"csrf_token": token, "den_ngay": "2026-12-31"})
    assert answer.status_code == 303
    board = client.get(answer.headers["location"]).text
    # Then the unit is extended to that date, as `kehoach extend` records it, with who and when
    assert f"Đã gia hạn cho {UNIT_NAME} đến 31/12/2026." in board
    row = board.split(f'id="don-vi-{UNIT}"')[1].split("</tr>")[0]
    assert "Được gia hạn" in row and "31/12/2026" in row
    assert "10/12/2026 09:00 · Gia hạn đến 31/12/2026 · vt-dongthap" in row
    assert f'id="de-nghi-{UNIT}"' not in board
    with session(engine) as s:
        assert [e.until for e in s.exec(select(Extension))] == [date(2026, 12, 31)]
    [req] = stored(engine)
    assert (req.state, req.granted, req.decided_by) == ("granted", date(2026, 12, 31), "vt-dongthap")
    # and the unit's email names its new deadline and carries its link
    [mail] = decisions(engine)
    assert mail.unit == UNIT and mail.context["decision"] == "granted" and mail.context["deadline"] == "2026-12-31"
    assert "Đồng ý gia hạn" in mail.subject and f"/nop/{DT_PLAN}/{PERIOD}/{UNIT}?" in mail.context["link"]
    # and the unit's page shows the extension
    page = client.get(unit_link(console_settings)).text
    assert "đã gia hạn đến 31/12/2026" in page and "đã gia hạn đến ngày 31/12/2026" in page


def test_a_refusal_needs_a_note_which_the_unit_then_reads_escaped(
        client: TestClient, engine: Engine, console_settings: Settings) -> None:
    link = unit_link(console_settings)
    ask(client, link, "2026-12-28")
    log_in(client, "vt-dongthap")
    token = csrf_of(client.get(BOARD).text)
    # A refusal without a note is refused, and the request still waits
    empty = client.post(f"{ANSWER}/tu-choi", data={"csrf_token": token, "ghi_chu": "  "})
    assert empty.status_code == 400 and "Vui lòng ghi lý do từ chối gia hạn" in empty.text
    assert [r.state for r in stored(engine)] == ["pending"] and decisions(engine) == []
    # When the clerk refuses with a note
    answer = client.post(f"{ANSWER}/tu-choi", data={"csrf_token": token, "ghi_chu": "Đã quá hạn <i>lâu</i>"})
    assert answer.status_code == 303
    board = client.get(answer.headers["location"]).text
    assert f"Đã từ chối đề nghị gia hạn của {UNIT_NAME}" in board
    assert "Từ chối gia hạn đề nghị đến 28/12/2026: Đã quá hạn &lt;i&gt;lâu&lt;/i&gt; · vt-dongthap" in board
    assert "Chưa nộp" in board.split(f'id="don-vi-{UNIT}"')[1].split("</tr>")[0]
    # Then the unit's email quotes the note and keeps its deadline; its page says refused, and offers the form again
    [mail] = decisions(engine)
    assert mail.context["decision"] == "refused" and mail.context["note"] == "Đã quá hạn <i>lâu</i>"
    assert mail.context["deadline"] == "2026-11-20"
    page = client.get(link).text
    assert "bị từ chối: Đã quá hạn &lt;i&gt;lâu&lt;/i&gt;" in page and 'id="gh-den_ngay"' in page
    with session(engine) as s:
        assert s.exec(select(Extension)).all() == []


@pytest.mark.parametrize(("until", "reason", "field", "message"), [
    ("2026-11-20", REASON, "den_ngay", "Ngày xin gia hạn phải sau hạn nộp hiện tại (20/11/2026)."),
    ("31/02/2026", REASON, "den_ngay", "Ngày “31/02/2026” không có trên lịch."),
    ("2026-12-05", REASON, "den_ngay", "Ngày xin gia hạn (05/12/2026) đã qua."),
    ("2026-12-28", "   ", "ly_do", "Vui lòng ghi lý do xin gia hạn."),
    ("2026-12-28", "x" * 501, "ly_do", "Lý do dài 501 ký tự, quá 500 ký tự cho phép."),
])
def test_bad_input_is_shown_beside_its_field_with_what_was_typed_and_nothing_is_stored(
        client: TestClient, engine: Engine, console_settings: Settings,
        until: str, reason: str, field: str, message: str) -> None:
    answer = ask(client, unit_link(console_settings), until, reason)
    assert answer.status_code == 422
    assert f'<p class="error" id="loi-gh-{field}">{message}</p>' in answer.text
    assert f'id="gh-den_ngay" value="{until}"' in answer.text  # what was typed is kept
    if reason.strip():
        assert f">{reason.replace('<', '&lt;').replace('>', '&gt;')}</textarea>" in answer.text
    assert stored(engine) == []


def test_a_tampered_link_or_a_post_without_csrf_stores_nothing(
        client: TestClient, engine: Engine, console_settings: Settings) -> None:
    link = unit_link(console_settings)
    tampered = link.replace(UNIT, "stp-dt-nv1")  # another unit's path under this unit's signature
    path, query = tampered.split("?")
    answer = client.post(f"{path}/gia-han?{query}", data={"den_ngay": "2026-12-28", "ly_do": REASON})
    assert answer.status_code == 403
    assert ask(client, link, "2026-12-28", token="").status_code == 403
    assert ask(client, link, "2026-12-28", token="khong-phai-ma-that").status_code == 403
    assert stored(engine) == []


@pytest.mark.parametrize("why", ["Đơn vị được miễn báo cáo kỳ này.",
                                 "Đơn vị đã nộp báo cáo kỳ này đúng hạn; không cần gia hạn.",
                                 "Kỳ báo cáo đã khép lại: văn phòng đã gửi báo cáo tổng hợp lên cấp trên."])
def test_an_exempt_unit_one_that_reported_on_time_or_a_closed_period_offers_no_form_and_refuses_a_post(
        client: TestClient, engine: Engine, config: Config, console_settings: Settings, why: str) -> None:
    plan = config.plans[DT_PLAN]
    with session(engine) as s:
        if "miễn" in why:
            followup.exempt(config, s, plan, resolve_period(plan, PERIOD), UNIT, "Đang sáp nhập", by="vt", now=NOW)
        elif "đúng hạn" in why:
            record_submission(s, console_settings.data_dir, plan_id=DT_PLAN, period=PERIOD, unit_id=UNIT, values={},
                              now=datetime(2026, 11, 18, 9, tzinfo=VN_TZ), source="portal")
        else:  # the báo cáo was approved and sent upward
            draft = ReportDraft(plan=DT_PLAN, period=PERIOD, version=1, saved_at=NOW, saved_by="vt")
            s.add(draft)
            s.flush()
            s.add(ReportApproval(plan=DT_PLAN, period=PERIOD, draft_id=draft.id, version=1, approved_at=NOW,
                                 approved_by="ld", filename="bao-cao.docx", docx=b"PK", csv="", sent_at=NOW,
                                 sent_by="ld"))
            s.commit()
    link = unit_link(console_settings)
    page = client.get(link).text
    assert why in page and 'id="gh-den_ngay"' not in page
    answer = ask(client, link, "2026-12-28")
    assert answer.status_code == 409 and why in answer.text
    assert stored(engine) == []


def _unchanged(engine: Engine) -> None:
    [req] = stored(engine)
    assert req.state == "pending" and req.decided_by is None and decisions(engine) == []
    with session(engine) as s:
        assert s.exec(select(Extension)).all() == [] and s.exec(select(FollowupAction)).all() == []


def test_another_office_a_leader_or_a_form_without_csrf_cannot_answer(
        client: TestClient, engine: Engine, console_settings: Settings) -> None:
    ask(client, unit_link(console_settings), "2026-12-28")
    # The commune's clerk, with a valid token of her own session: 404, naming nothing
    log_in(client, "vt-yetkieu")
    token = csrf_of(client.get("/quan-ly/").text)
    for action, data in (("dong-y", {"den_ngay": "2026-12-31"}), ("tu-choi", {"ghi_chu": "Không"})):
        answer = client.post(f"{ANSWER}/{action}", data={"csrf_token": token, **data})
        assert answer.status_code == 404 and UNIT_NAME not in answer.text, action
    assert "Đơn vị xin gia hạn (1)" not in client.get("/quan-ly/").text
    # The Sở's leader reads the request on the board without its forms, and gets 403 posting them
    client.cookies.clear()
    log_in(client, "lanhdao-dt")
    board = client.get(BOARD).text
    assert f'id="de-nghi-{UNIT}"' in board and "/de-nghi-gia-han/" not in board
    token = csrf_of(board)
    for action, data in (("dong-y", {"den_ngay": "2026-12-31"}), ("tu-choi", {"ghi_chu": "Không"})):
        assert client.post(f"{ANSWER}/{action}", data={"csrf_token": token, **data}).status_code == 403, action
    # The Sở's clerk, without or with a foreign CSRF token: 403
    client.cookies.clear()
    log_in(client, "vt-dongthap")
    for action, data in (("dong-y", {"den_ngay": "2026-12-31"}), ("tu-choi", {"ghi_chu": "Không"})):
        for tokens in ({}, {"csrf_token": token}):
            assert client.post(f"{ANSWER}/{action}", data={**tokens, **data}).status_code == 403, (action, tokens)
    _unchanged(engine)
