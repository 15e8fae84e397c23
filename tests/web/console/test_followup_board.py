"""The board's follow-up actions in the console: exempt and undo, remind now, record on a unit's
behalf with a scan, download its files, who granted an extension, the completeness chart;
with the access rules (office scope, clerk vs leader) and CSRF on every new form."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.plans.config import Config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import session
from kehoach.store.followup_tables import Exemption
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Outbox, Source
from kehoach.submissions.record import Upload, record_submission
from kehoach.web.console.accounts import add_user
from tests.web.console.conftest import DT_PLAN, NOW, PASSWORD, csrf_of, log_in

BOARD = f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026"
UNIT = "stp-dt-tgpl"
UNIT_NAME = "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Đồng Tháp"
PAGE = f"{BOARD}/don-vi/{UNIT}"
SCAN = b"%PDF-1.4 ban quet bao cao giay\n%%EOF"


def _row(page: str, unit: str = UNIT) -> str:
    return page.split(f'id="don-vi-{unit}"')[1].split("</tr>")[0]


def _filled(page: str) -> dict[str, str]:
    """Every field of the page's report form, filled as a clerk copies a paper report."""
    form = page.split('action="' + PAGE + '/ghi-nhan"')[1].split("</form>")[0]
    data = {name: "3" for name in re.findall(r'inputmode="numeric" name="([^"]+)"', form)}
    data |= {name: "co" for name in re.findall(r'type="radio" name="([^"]+)" value="co"', form)}
    data |= {name: "Đã tổ chức 3 buổi <b>tuyên truyền</b> tại xã." for name in re.findall(r'<textarea name="([^"]+)"', form)}
    return data


def _kehoach(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          env=env, timeout=120)


def test_exempting_a_unit_on_the_board_shows_miễn_with_who_and_why_and_kehoach_status_agrees(
        client: TestClient, console_settings: Settings) -> None:
    # Given the annual report's board (due 20/11), seven units, none reported
    log_in(client, "vt-dongthap")
    assert "0/7" in client.get(BOARD).text
    page = client.get(PAGE).text
    # When the clerk exempts Trung tâm Trợ giúp pháp lý, with a reason
    answer = client.post(f"{PAGE}/mien", data={"csrf_token": csrf_of(page), "ly_do": "Đơn vị đang sáp nhập",
                                               "trang": PAGE})
    assert answer.status_code == 303
    unit_page = client.get(answer.headers["location"]).text
    # Then the unit page says so, with the reason, who and when
    assert "Đã miễn báo cáo kỳ này cho đơn vị" in unit_page
    assert "Miễn báo cáo kỳ này: Đơn vị đang sáp nhập (vt-dongthap, 10/12/2026 09:00)." in unit_page
    # and the board shows "Miễn", counts six expected units, and logs the action
    board = client.get(BOARD).text
    row = _row(board)
    assert "Miễn: Đơn vị đang sáp nhập" in row and "Miễn báo cáo Đơn vị đang sáp nhập · vt-dongthap" in row
    assert "0/6" in board and "Miễn báo cáo: 1 đơn vị" in board
    # and the home page no longer lists it overdue for that report
    overdue = client.get("/quan-ly/").text.split('id="qua-han"')[1].split("</ul>")[0]
    assert f'data-unit="{UNIT}" data-period="bc-nam-2026"' not in overdue
    # and `kehoach status` reads the same exemption
    out = _kehoach(console_settings, "status", "--plan", DT_PLAN, "--period", "bc-nam-2026", "--format", "json")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert [u["id"] for u in status["exempt"]] == [UNIT] and len(status["expected"]) == 6
    # When the clerk undoes it, the unit is missing again and both actions stay in the log
    answer = client.post(f"{PAGE}/bo-mien", data={"csrf_token": csrf_of(unit_page), "trang": PAGE})
    assert answer.status_code == 303
    row = _row(client.get(BOARD).text)
    assert "Chưa nộp" in row and "Bỏ miễn · vt-dongthap" in row


def test_recording_a_paper_report_on_the_unit_s_behalf_checks_it_as_the_portal_does(
        client: TestClient, engine: Engine) -> None:
    log_in(client, "vt-dongthap")
    page = client.get(PAGE).text
    data = _filled(page) | {"csrf_token": csrf_of(page), "nguoi_gui": "Nguyễn Thị Lan", "trang": PAGE}
    # A negative figure is refused beside its field, with nothing stored
    figure = next(k for k in data if data[k] == "3")
    bad = client.post(f"{PAGE}/ghi-nhan", data=data | {figure: "-2"}, files={"tep_dinh_kem": ("scan.pdf", SCAN)})
    assert bad.status_code == 400 and "Số liệu không được âm." in bad.text
    # and so is a file that is not .docx/.xlsx/.pdf (415, as on the unit's form)
    wrong = client.post(f"{PAGE}/ghi-nhan", data=data, files={"tep_dinh_kem": ("anh.png", b"\x89PNG")})
    assert wrong.status_code == 415 and "chỉ nhận .docx, .xlsx, .pdf" in wrong.text
    with session(engine) as s:
        assert s.exec(select(Submission)).all() == []
    # When the clerk records the report with its scan
    answer = client.post(f"{PAGE}/ghi-nhan", data=data, files={"tep_dinh_kem": ("Báo cáo giấy.pdf", SCAN)})
    assert answer.status_code == 303
    unit_page = client.get(answer.headers["location"]).text
    # Then it is the unit's version 1, marked as recorded by the office, by whom, the narrative escaped
    assert "Đã ghi nhận báo cáo thay đơn vị" in unit_page
    assert "Phiên bản 1, 10/12/2026 09:00" in unit_page
    assert "văn phòng ghi nhận thay trên trang quản lý · người gửi: Nguyễn Thị Lan" in unit_page
    assert "Ghi nhận báo cáo thay đơn vị: phiên bản 1 · vt-dongthap" in unit_page
    assert "&lt;b&gt;tuyên truyền&lt;/b&gt;" in unit_page and "<b>tuyên truyền</b>" not in unit_page
    # and the board counts it (late: the deadline was 20/11), with the action's author
    row = _row(client.get(BOARD).text)
    assert "Nộp muộn" in row and "Ghi nhận báo cáo thay đơn vị phiên bản 1 · vt-dongthap" in row
    # and the scan downloads from the unit page, byte for byte, under its Vietnamese name
    link = re.search(rf'href="({PAGE}/tep/\d+)"', unit_page)
    assert link
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.content == SCAN
    assert "attachment" in got.headers["content-disposition"] and "B%C3%A1o" in got.headers["content-disposition"]
    # and the unit is sent its confirmation
    with session(engine) as s:
        assert s.exec(select(Outbox).where(Outbox.kind == "submission_received", Outbox.unit == UNIT)).first()


def test_a_reminder_sent_now_is_queued_for_the_next_dispatch_and_shows_who_asked(
        client: TestClient, engine: Engine) -> None:
    log_in(client, "vt-dongthap")
    page = client.get(PAGE).text
    answer = client.post(f"{PAGE}/nhac-ngay", data={"csrf_token": csrf_of(page), "trang": PAGE})
    assert answer.status_code == 303
    assert "Đã xếp lời nhắc gửi ngay cho đơn vị" in client.get(answer.headers["location"]).text
    with session(engine) as s:
        rows = s.exec(select(Outbox).where(Outbox.source == Source.MANUAL.value)).all()
    assert rows and all(r.unit == UNIT and r.send_at == NOW and r.context["sent_by"] == "vt-dongthap" for r in rows)
    row = _row(client.get(BOARD).text)
    assert "10/12/2026 09:00 · Quá hạn báo cáo · email · sẽ gửi · gửi ngay theo yêu cầu" in row
    assert "Gửi nhắc ngay email" in row and "vt-dongthap" in row


def test_the_board_shows_who_granted_an_extension_and_the_completeness_chart(client: TestClient) -> None:
    log_in(client, "vt-dongthap")
    page = client.get(BOARD).text
    answer = client.post(f"{BOARD}/gia-han", data={"csrf_token": csrf_of(page), "don_vi": UNIT,
                                                   "den_ngay": "2026-12-31", "trang": BOARD})
    assert answer.status_code == 303
    board = client.get(BOARD).text
    assert "10/12/2026 09:00 · Gia hạn đến 31/12/2026 · vt-dongthap" in _row(board)
    # the chart has a text alternative naming each week's figure
    chart = board.split('id="bieu-do"')[1].split("</figure>")[0]
    assert 'role="img"' in chart and "Tỷ lệ đã nộp theo tuần đến hạn nộp" in board
    assert "hạn nộp (20/11): 0/7 đơn vị, 0,0%" in chart and "đến nay (10/12): 0/7 đơn vị, 0,0%" in chart
    assert "còn 5 tuần (16/10)" in chart and "còn 6 tuần" not in chart  # the last six weeks


def test_another_office_s_unit_page_actions_and_files_are_404_and_change_nothing(
        client: TestClient, engine: Engine, console_settings: Settings) -> None:
    # Given a file the Sở's clerk recorded for Trung tâm Trợ giúp pháp lý
    log_in(client, "vt-dongthap")
    page = client.get(PAGE).text
    client.post(f"{PAGE}/ghi-nhan", data=_filled(page) | {"csrf_token": csrf_of(page)},
                files={"tep_dinh_kem": ("scan.pdf", SCAN)})
    file_url = re.search(rf'href="({PAGE}/tep/\d+)"', client.get(PAGE).text).group(1)  # type: ignore[union-attr]
    # and a file id asked through another unit of the same plan: not that unit's, 404
    assert client.get(file_url.replace(UNIT, "stp-dt-nv1")).status_code == 404
    # When the commune's clerk opens them by URL, with a valid token of her own session
    client.cookies.clear()
    log_in(client, "vt-yetkieu")
    token = csrf_of(client.get("/quan-ly/").text)
    # Then every page, file and action is 404, naming nothing
    for url in (PAGE, file_url):
        answer = client.get(url)
        assert answer.status_code == 404 and UNIT_NAME not in answer.text and SCAN not in answer.content
    for action in ("mien", "bo-mien", "nhac-ngay", "ghi-nhan"):
        answer = client.post(f"{PAGE}/{action}", data={"csrf_token": token, "ly_do": "x"})
        assert answer.status_code == 404, action
    with session(engine) as s:
        assert s.exec(select(Exemption)).all() == [] and len(s.exec(select(Submission)).all()) == 1
        assert s.exec(select(Outbox).where(Outbox.source == Source.MANUAL.value)).all() == []


def test_a_leader_reads_the_unit_page_and_files_but_cannot_act(client: TestClient, engine: Engine,
                                                               config: Config, console_settings: Settings) -> None:
    with session(engine) as s:
        add_user(s, config.directory, username="ld-dongthap", office="stp-dt-van-phong", role="lanh_dao",
                 password=PASSWORD, email=None, now=NOW)
        record_submission(s, console_settings.data_dir, plan_id=DT_PLAN, period="bc-nam-2026", unit_id=UNIT,
                          values={}, now=NOW, source="portal", uploads=[Upload("bao-cao.pdf", SCAN)])
    log_in(client, "ld-dongthap")
    page = client.get(PAGE)
    # The leader sees the unit's page and downloads its file, without the clerk's forms
    assert page.status_code == 200 and UNIT_NAME in page.text
    link = re.search(rf'href="({PAGE}/tep/\d+)"', page.text)
    assert link and client.get(link.group(1)).content == SCAN
    assert "/mien" not in page.text and "/ghi-nhan" not in page.text and "/gia-han" not in client.get(BOARD).text
    token = csrf_of(page.text)
    # and posting them anyway is 403, changing nothing
    for action in ("mien", "nhac-ngay", "ghi-nhan"):
        assert client.post(f"{PAGE}/{action}", data={"csrf_token": token, "ly_do": "x"}).status_code == 403
    assert client.post(f"{BOARD}/gia-han", data={"csrf_token": token, "don_vi": UNIT,
                                                 "den_ngay": "2026-12-31"}).status_code == 403
    with session(engine) as s:
        assert s.exec(select(Exemption)).all() == [] and len(s.exec(select(Submission)).all()) == 1


def test_every_new_form_posted_without_or_with_a_foreign_csrf_token_is_403(client: TestClient, engine: Engine) -> None:
    log_in(client, "vt-dongthap")
    foreign = csrf_of(client.get(PAGE).text)
    client.cookies.clear()
    log_in(client, "vt-dongthap")  # a new session: the old token is another session's
    for action in ("mien", "bo-mien", "nhac-ngay", "ghi-nhan"):
        for token in ({}, {"csrf_token": foreign}):
            answer = client.post(f"{PAGE}/{action}", data={"ly_do": "Đơn vị đang sáp nhập", **token})
            assert answer.status_code == 403, (action, token)
    with session(engine) as s:
        assert s.exec(select(Exemption)).all() == [] and s.exec(select(Submission)).all() == []
        assert s.exec(select(Outbox).where(Outbox.source == Source.MANUAL.value)).all() == []
