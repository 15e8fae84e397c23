"""The báo cáo review page: the clerk edits and saves versions, the leader approves the latest and
sends it upward through the outbox (the path of ``kehoach rollup --send-upward``); HTML typed in a
narrative stays text on the page, in the DOCX and in the email; other offices get 404; a session
that ends while the clerk types loses nothing.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from kehoach.cli import app
from kehoach.plans.config import load_config
from kehoach.settings import Settings
from kehoach.store.db import make_engine, session
from kehoach.store.documents import local_files
from kehoach.store.report_tables import ReportApproval, ReportDraft
from kehoach.store.tables import Outbox
from kehoach.submissions.record import record_submission
from kehoach.web.app import create_app
from kehoach.web.console.accounts import add_user
from notifications.render import render_message
from tests import reporting_world as world
from tests.web.console.conftest import DT_PLAN, PASSWORD, Clock, csrf_of, log_in

PAGE = f"/quan-ly/bao-cao/{DT_PLAN}/bc-nam-2026"
EVIL = "<script>alert('x')</script> & <b>đậm</b>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;"
NOTE = re.compile(r'name="(ghi_chu__[^"]+)"')


def save(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    return client.post(f"{PAGE}/luu", data={"csrf_token": token, "trang": PAGE, **fields})


def post(client: TestClient, action: str, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    return client.post(f"{PAGE}/{action}", data={"csrf_token": token, "trang": PAGE, **fields})


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_each_save_is_a_new_version_with_who_and_when_and_the_draft_shows_it(client: TestClient,
                                                                             engine: Engine) -> None:
    # Given the clerk of Văn phòng Sở Tư pháp Đồng Tháp on the annual báo cáo's page
    log_in(client, "vt-dongthap")
    page = client.get(PAGE)
    assert page.status_code == 200 and "Chưa lưu phiên bản nào" in page.text
    note = NOTE.search(page.text)
    assert note, "the page has a note field per figure"
    # When she writes the situation and a note on a figure, then the assessment
    assert save(client, dac_diem_tinh_hinh="Sở có 12 đơn vị trực thuộc.", **{note.group(1): "số liệu ước"}
                ).headers["location"] == f"{PAGE}?da=luu"
    save(client, dac_diem_tinh_hinh="Sở có 12 đơn vị trực thuộc.", danh_gia_chung="Hoàn thành kế hoạch.")
    # Then two versions are kept, newest first, each with who saved it
    with session(engine) as s:
        rows = s.exec(select(ReportDraft).where(ReportDraft.plan == DT_PLAN)).all()
    assert sorted((d.version, d.saved_by) for d in rows) == [(1, "vt-dongthap"), (2, "vt-dongthap")]
    shown = client.get(PAGE).text
    versions = shown.split('id="phien-ban"')[1]
    assert versions.index(">2</th>") < versions.index(">1</th>") and "10/12/2026 09:00" in versions
    # and the draft on the page carries the latest texts in their sections
    draft = shown.split('id="du-thao"')[1].split("</article>")[0]
    assert "ĐẶC ĐIỂM TÌNH HÌNH</h3>" in draft and "<p>Sở có 12 đơn vị trực thuộc.</p>" in draft
    assert "<p>Hoàn thành kế hoạch.</p>" in draft
    assert "Chờ lãnh đạo phê duyệt phiên bản 2" in shown


def test_a_clerk_cannot_approve_or_send_and_nothing_unapproved_goes_upward(client: TestClient,
                                                                           engine: Engine) -> None:
    log_in(client, "vt-dongthap")
    save(client, danh_gia_chung="Bản của văn thư.")
    # A clerk has no approve button, and posting the form anyway is refused
    assert "Phê duyệt phiên bản" not in client.get(PAGE).text
    assert post(client, "phe-duyet", phien_ban="1").status_code == 403
    assert post(client, "gui-len").status_code == 403
    client.cookies.clear()
    # The leader cannot send what is not approved yet
    log_in(client, "lanhdao-dt")
    refused = post(client, "gui-len")
    assert refused.status_code == 409 and "chưa được lãnh đạo phê duyệt" in refused.text
    with session(engine) as s:
        assert s.exec(select(Outbox).where(Outbox.kind == "report_upward")).all() == []
        assert s.exec(select(ReportApproval)).all() == []


def test_the_leader_approves_the_latest_version_and_sends_it_upward_escaped_everywhere(
    client: TestClient, engine: Engine, clock: Clock
) -> None:
    # Given the clerk's draft whose assessment contains HTML
    log_in(client, "vt-dongthap")
    save(client, danh_gia_chung="Bản đầu.")
    save(client, danh_gia_chung=EVIL)
    # Then the page shows it as text, never as markup
    page = client.get(PAGE).text
    assert ESCAPED in page and "<script>alert" not in page
    # and the draft's DOCX carries it literally
    draft = client.get(f"{PAGE}/du-thao.docx")
    assert draft.status_code == 200 and draft.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert EVIL in docx_text(draft.content)
    client.cookies.clear()
    # When the leader approves a version that is no longer the latest, she is told to look again
    log_in(client, "lanhdao-dt")
    stale = post(client, "phe-duyet", phien_ban="1")
    assert stale.status_code == 409 and "không phải bản mới nhất" in stale.text
    # When she approves the latest
    clock.advance(timedelta(hours=1))
    assert post(client, "phe-duyet", phien_ban="2").headers["location"] == f"{PAGE}?da=duyet"
    page = client.get(PAGE).text
    assert "Đã phê duyệt phiên bản 2 (lanhdao-dt, 10/12/2026 10:00)" in page
    with session(engine) as s:
        approval = s.exec(select(ReportApproval)).one()
    # Then the approved DOCX is stored and downloadable, byte for byte
    stored = client.get(f"{PAGE}/da-duyet/{approval.id}.docx")
    assert stored.status_code == 200 and stored.content == approval.docx and EVIL in docx_text(stored.content)
    # When she sends it upward
    assert post(client, "gui-len").headers["location"] == f"{PAGE}?da=gui"
    assert "Đã gửi 10/12/2026 10:00 (lanhdao-dt)" in client.get(PAGE).text
    # Then the email to Sở Nội vụ waits in the outbox with the approved DOCX, its body escaped
    with session(engine) as s:
        row = s.exec(select(Outbox).where(Outbox.kind == "report_upward")).one()
        context = {**row.context, "files": local_files(s, row.context["files"])}
    assert row.unit == "tinh-dt-snv"
    msg = render_message(row.kind, context, key=row.key, channel="email", to=["vanthu@snv-dongthap.example"],
                         to_name="Sở Nội vụ tỉnh Đồng Tháp")
    assert ESCAPED in (msg.html or "") and "<script>" not in (msg.html or "") and EVIL in msg.text
    assert next(a for a in msg.attachments if a.filename.endswith(".docx")).data == approval.docx
    # And a later edit needs a new approval before anything else goes up
    client.cookies.clear()
    log_in(client, "vt-dongthap")
    save(client, danh_gia_chung="Bản sửa sau khi duyệt.")
    client.cookies.clear()
    log_in(client, "lanhdao-dt")
    assert post(client, "gui-len").status_code == 409


def test_a_bad_save_keeps_what_was_typed_and_saves_nothing(client: TestClient, engine: Engine) -> None:
    log_in(client, "vt-dongthap")
    answer = save(client, kien_nghi="Đề nghị bổ sung kinh phí.", ghi_chu__khong_co="x")
    assert answer.status_code == 400 and "không có chỉ tiêu “khong_co”" in answer.text
    assert "Đề nghị bổ sung kinh phí.</textarea>" in answer.text
    with session(engine) as s:
        assert s.exec(select(ReportDraft)).all() == []


def test_another_office_gets_404_for_the_page_its_files_and_its_forms(client: TestClient, engine: Engine) -> None:
    # Given an approved report of Sở Tư pháp Đồng Tháp
    log_in(client, "vt-dongthap")
    save(client, danh_gia_chung="Nội dung nội bộ của Sở.")
    client.cookies.clear()
    log_in(client, "lanhdao-dt")
    post(client, "phe-duyet", phien_ban="1")
    with session(engine) as s:
        approval_id = s.exec(select(ReportApproval)).one().id
    client.cookies.clear()
    # When the clerk of xã Yết Kiêu tries its addresses
    log_in(client, "vt-yetkieu")
    token = csrf_of(client.get("/quan-ly/").text)
    answers = [client.get(PAGE), client.get(f"{PAGE}/du-thao.docx"), client.get(f"{PAGE}/da-duyet/{approval_id}.docx"),
               client.post(f"{PAGE}/luu", data={"csrf_token": token, "danh_gia_chung": "ghi đè"})]
    # Then each is "not found", and nothing of the report leaks
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert all("Nội dung nội bộ" not in a.text for a in answers)
    with session(engine) as s:
        assert len(s.exec(select(ReportDraft)).all()) == 1
    # And an approval of one plan is not reachable under another plan's address
    client.cookies.clear()
    log_in(client, "quantri")
    other = f"/quan-ly/bao-cao/2026-stp-lang-son-bdg/bc-nam-2026/da-duyet/{approval_id}.docx"
    assert client.get(other).status_code == 404


def test_a_session_that_ends_while_editing_loses_nothing(client: TestClient, clock: Clock, engine: Engine,
                                                         console_settings, config) -> None:  # type: ignore[no-untyped-def]
    # Given the clerk with the edit form open
    log_in(client, "vt-dongthap")
    token = csrf_of(client.get(PAGE).text)
    # When her session has ended by the time she posts a long text
    clock.advance(timedelta(hours=9))
    typed = "Đánh giá dài\nnhiều dòng, có <em>thẻ</em>."
    answer = client.post(f"{PAGE}/luu", data={"csrf_token": token, "trang": PAGE, "danh_gia_chung": typed,
                                               "kien_nghi": "Kiến nghị A."})
    # Then she is sent to log in, and from there back to the page
    assert answer.status_code == 303 and answer.headers["location"] == f"/quan-ly/dang-nhap?tiep={PAGE}"
    assert log_in(client, "vt-dongthap", back=PAGE).headers["location"] == PAGE
    # where the form holds what she typed, not yet saved
    page = client.get(PAGE).text
    assert 'id="da-khoi-phuc"' in page
    assert "Đánh giá dài\nnhiều dòng, có &lt;em&gt;thẻ&lt;/em&gt;.</textarea>" in page and "Kiến nghị A.</textarea>" in page
    with session(engine) as s:
        assert s.exec(select(ReportDraft)).all() == []
    # and only once: the next visit shows the saved state again
    assert 'id="da-khoi-phuc"' not in client.get(PAGE).text
    assert "Kiến nghị A." not in client.get(PAGE).text


def test_kept_text_comes_back_only_to_the_browser_that_typed_it(client: TestClient, clock: Clock) -> None:
    log_in(client, "vt-dongthap")
    token = csrf_of(client.get(PAGE).text)
    clock.advance(timedelta(hours=9))
    client.post(f"{PAGE}/luu", data={"csrf_token": token, "trang": PAGE, "kien_nghi": "Văn bản riêng."})
    # Another browser (no cookie of hers) logging in to the same page sees nothing of it
    client.cookies.clear()
    log_in(client, "vt-dongthap", back=PAGE)
    assert "Văn bản riêng." not in client.get(PAGE).text


def test_home_lists_the_draft_waiting_for_approval_until_the_leader_approves_it(client: TestClient) -> None:
    log_in(client, "vt-dongthap")
    assert "Không có báo cáo nào chờ phê duyệt." in client.get("/quan-ly/").text
    save(client, danh_gia_chung="Chờ duyệt.")
    client.cookies.clear()
    # The leader's home links the waiting draft to its review page
    log_in(client, "lanhdao-dt")
    waiting = client.get("/quan-ly/").text.split('id="cho-duyet"')[1].split("</ul>")[0]
    assert f'href="{PAGE}"' in waiting and "phiên bản 1 (vt-dongthap, 10/12/2026 09:00)" in waiting
    # and, once approved, it is no longer waiting; another office never saw it
    post(client, "phe-duyet", phien_ban="1")
    assert "Không có báo cáo nào chờ phê duyệt." in client.get("/quan-ly/").text
    client.cookies.clear()
    log_in(client, "vt-dongthap")
    save(client, danh_gia_chung="Sửa lại.")
    client.cookies.clear()
    log_in(client, "vt-yetkieu")
    assert "Không có báo cáo nào chờ phê duyệt." in client.get("/quan-ly/").text


def test_a_leader_edits_too_the_board_links_the_page_and_kept_text_lasts_a_day(client: TestClient,
                                                                               clock: Clock) -> None:
    # The board of the period links its báo cáo
    log_in(client, "lanhdao-dt")
    assert f'href="{PAGE}"' in client.get(f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026").text
    # A leader saves a version as a clerk does
    assert save(client, phuong_huong="Tiếp tục tuyên truyền.").headers["location"] == f"{PAGE}?da=luu"
    assert "phiên bản 1, lanhdao-dt" in client.get(PAGE).text
    # Text kept over an ended session is gone when she comes back more than a day later
    token = csrf_of(client.get(PAGE).text)
    clock.advance(timedelta(hours=9))
    client.post(f"{PAGE}/luu", data={"csrf_token": token, "trang": PAGE, "kien_nghi": "Để lâu quá."})
    clock.advance(timedelta(hours=25))
    log_in(client, "lanhdao-dt", back=PAGE)
    assert "Để lâu quá." not in client.get(PAGE).text


def test_sending_submits_to_the_parent_plan_in_the_system_and_the_cli_agrees(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the xã Yết Kiêu plan and the city's plan above it, one unit's figures, a leader of the xã's office
    settings = Settings(config_dir=world.write_config(tmp_path / "config"), data_dir=tmp_path / "data",
                        portal_secret=SecretStr("test-secret"), portal_base_url="http://testserver")
    engine = make_engine(settings.resolved_database_url)
    config = load_config(settings, engine=engine, now=clock())
    with session(engine) as s:
        add_user(s, config.directory, username="ld-yetkieu", office="yk-vhxh", role="lanh_dao", password=PASSWORD,
                 email=None, now=clock())
        record_submission(s, settings.data_dir, plan_id=world.PLAN_ID, period="nam-2026", unit_id="yk-cong-an",
                          values={"tuyen_truyen_so_cuoc": {"tong": 3}}, now=clock(), source="cli")
    page = f"/quan-ly/bao-cao/{world.PLAN_ID}/nam-2026"
    with TestClient(create_app(settings, config, engine, clock=clock), follow_redirects=False) as web:
        log_in(web, "ld-yetkieu")
        # When she saves, approves and sends the báo cáo in the console
        web.post(f"{page}/luu", data={"csrf_token": csrf_of(web.get(page).text), "danh_gia_chung": "Hoàn thành."})
        web.post(f"{page}/phe-duyet", data={"csrf_token": csrf_of(web.get(page).text), "phien_ban": "1"})
        sent = web.post(f"{page}/gui-len", data={"csrf_token": csrf_of(web.get(page).text)})
        assert sent.headers["location"] == f"{page}?da=gui"
    engine.dispose()
    # Then `kehoach status` of the city's plan shows the xã's report as submitted, with the approved figures
    for name, value in {"KEHOACH_CONFIG_DIR": str(settings.config_dir), "KEHOACH_DATA_DIR": str(settings.data_dir),
                        "KEHOACH_DATABASE_URL": settings.resolved_database_url}.items():
        monkeypatch.setenv(name, value)
    status = CliRunner().invoke(app, ["status", "--plan", world.CITY_PLAN_ID, "--period", "nam-2026", "--format", "json"])
    assert status.exit_code == 0, status.output
    assert [u["id"] for u in json.loads(status.output)["submitted"]] == ["ubnd-xa-yet-kieu"]


def test_review_forms_without_or_with_a_foreign_csrf_token_are_refused(client: TestClient, engine: Engine) -> None:
    # A token from another session (the clerk of xã Yết Kiêu's)
    log_in(client, "vt-yetkieu")
    foreign = csrf_of(client.get("/quan-ly/").text)
    client.cookies.clear()
    log_in(client, "lanhdao-dt")
    answers = [client.post(f"{PAGE}/luu", data={"danh_gia_chung": "x"}),
               client.post(f"{PAGE}/luu", data={"csrf_token": foreign, "danh_gia_chung": "x"}),
               client.post(f"{PAGE}/phe-duyet", data={"csrf_token": foreign, "phien_ban": "1"}),
               client.post(f"{PAGE}/gui-len", data={})]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    with session(engine) as s:
        assert s.exec(select(ReportDraft)).all() == []
