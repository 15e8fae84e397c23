"""The console's import page: upload a KẾ HOẠCH, review the draft beside its text, correct, save paused."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from msoffcrypto.format.ooxml import OOXMLFile
from sqlalchemy import Engine

from kehoach.plans.config import Config
from kehoach.plans.lifecycle import PlanState, plan_states
from kehoach.plans.loader import load_plan
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import session
from kehoach.web.console.accounts import add_user
from tests.importer.make_documents import write_documents
from tests.web.console.conftest import NOW, PASSWORD, csrf_of, log_in, settings_with_own_config

PAGE = "/quan-ly/nhap-ke-hoach"


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    """A copy of config/, so a saved plan lands in the test's own plans folder."""
    return settings_with_own_config(tmp_path)


def upload(client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    return client.post(PAGE, data={"csrf_token": token}, files={"tep": (name, data)})


def saved_files(settings: Settings) -> set[str]:
    return {p.name for p in settings.plans_dir.glob("*.yaml")}


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in entries.items():
            z.writestr(k, v)
    return buf.getvalue()


def _docx(*paragraphs: str) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _locked(data: bytes) -> bytes:
    out = BytesIO()
    OOXMLFile(BytesIO(data)).encrypt("mat-khau", out)
    return out.getvalue()


def _bomb() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as f:
            for _ in range(100):
                f.write(b"\0" * (1024 * 1024))
    return buf.getvalue()


BAD = {
    "cu.doc": (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "lưu lại dạng .docx"),
    "thu.txt": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nKính gửi: Sở Tư pháp\nĐề nghị Sở xem xét.\n".encode(),
                "không phải một KẾ HOẠCH"),
    "rong.docx": (b"", "tệp rỗng"),
    "cong-van.docx": (_docx("ỦY BAN NHÂN DÂN XÃ YẾT KIÊU", "CÔNG VĂN", "Kính gửi: Sở Tư pháp",
                            "Đề nghị Sở hướng dẫn thủ tục chứng thực."), "không phải một KẾ HOẠCH"),
    "mat-khau.docx": (_locked(_docx("KẾ HOẠCH", "Công tác năm 2026")), "được đặt mật khẩu"),
    "bom.docx": (_bomb(), "tệp nén bất thường"),
    "bang.docx": (_zip({"xl/workbook.xml": b"<workbook/>"}), "rong.docx"),
    "lon.txt": (b"a" * (21 * 1024 * 1024), "vượt giới hạn 20 MB"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_file_that_is_not_a_plan_shows_the_importer_s_error_and_saves_nothing(client, console_settings, name):
    data, expected = BAD[name]
    before = saved_files(console_settings)
    assert log_in(client, "vt-yetkieu").status_code == 303
    response = upload(client, name, data)
    assert response.status_code == 400
    if name != "bang.docx":
        assert expected in response.text
    assert f"{name}:" in response.text and 'id="loi-nhap"' in response.text
    assert saved_files(console_settings) == before
    assert not any((console_settings.data_dir / "imports").rglob(name))


def _first_due(html: str) -> str:
    """The index of the first task the draft gives a due date."""
    return re.search(r'name="gt__tasks\.(\d+)\.due" id="[^"]*" value="\d', html)[1]


def test_review_shows_tasks_beside_their_section_then_saves_a_paused_plan_that_validates(
        client, console_settings, engine: Engine, config: Config):
    assert log_in(client, "vt-yetkieu").status_code == 303
    doc = write_documents(console_settings.data_dir.parent)[0]
    review = upload(client, doc.name, doc.read_bytes())
    assert review.status_code == 200
    html = review.text
    # the content section's source lines and the tasks read from them stand side by side
    assert 'id="muc-II"' in html and "Chủ trì:" in html and 'name="gt__tasks.' in html
    assert "Phối hợp:" in html and "Cần xem lại:" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_of(html), "token": token, "ma": "2026-yk-nhap-thu"}
    for select in html.split('<select name="don_vi__')[1:]:
        form["don_vi__" + select.split('"')[0]] = "xa-yk-vhxh"
    # a date the validator refuses: the error names line and path, nothing is saved
    due_field = _first_due(html)
    bad = client.post(f"{PAGE}/luu", data={**form, f"gt__tasks.{due_field}.due": "31/02"})
    assert bad.status_code == 400 and 'id="loi-kiem-tra"' in bad.text
    assert f"tasks[{due_field}]" in bad.text or f"tasks.{due_field}" in bad.text
    assert "dòng " in bad.text
    assert "2026-yk-nhap-thu.yaml" not in saved_files(console_settings)
    assert "2026-yk-nhap-thu" not in plan_states(engine)
    # with the proposed units chosen from the directory, the plan is saved, paused
    saved = client.post(f"{PAGE}/luu", data={**form, f"gt__tasks.{due_field}.due": "20/05"})
    assert saved.status_code == 303, saved.text
    assert plan_states(engine)["2026-yk-nhap-thu"] is PlanState.PAUSED
    plan = load_plan(console_settings.plans_dir / "2026-yk-nhap-thu.yaml", config.directory)
    assert plan.id == "2026-yk-nhap-thu" and plan.office == "xa-yk-vhxh"
    assert "due: 20/05" in (console_settings.plans_dir / "2026-yk-nhap-thu.yaml").read_text(encoding="utf-8")
    listing = client.get(saved.headers["location"]).text
    assert 'data-plan="2026-yk-nhap-thu"' in listing and "tạm dừng" in listing


def test_only_a_clerk_or_admin_may_save(client, console_settings, engine: Engine, config: Config):
    with session(engine) as s:
        add_user(s, config.directory, username="ld-yetkieu", office="xa-yk-vhxh", role="lanh_dao",
                 password=PASSWORD, email=None, now=NOW)
    assert log_in(client, "ld-yetkieu").status_code == 303
    doc = write_documents(console_settings.data_dir.parent)[0]
    review = upload(client, doc.name, doc.read_bytes())
    assert review.status_code == 200 and "Chỉ văn thư hoặc quản trị mới lưu được" in review.text
    token = review.text.split('name="token" value="')[1].split('"')[0]
    refused = client.post(f"{PAGE}/luu", data={"csrf_token": csrf_of(review.text), "token": token, "ma": "x-y"})
    assert refused.status_code == 403
    assert saved_files(console_settings) == {p.name for p in (REPO_ROOT / "config" / "plans").glob("*.yaml")}


GIA_DINH = "\n".join([
    "ỦY BAN NHÂN DÂN", "XÃ YẾT KIÊU", "Số: 12/KH-UBND", "Yết Kiêu, ngày 02 tháng 6 năm 2026", "KẾ HOẠCH",
    "Công tác gia đình năm 2026", "II. NỘI DUNG", "1. Tổ chức ngày hội gia đình", "- Tổ chức tại nhà văn hóa.",
    "- Đơn vị chủ trì: Hội Phụ nữ xã", "- Đơn vị phối hợp: Công an xã", "- Thời gian thực hiện: trước ngày 30/6",
    "2. Khảo sát hộ gia đình", "- Khảo sát, lập danh sách hộ gia đình.", "- Đơn vị chủ trì: Phòng Văn hóa - Xã hội xã",
    "- Thời gian thực hiện: khảo sát trước ngày 31/7/2026; tổng hợp kết quả, hoàn thành trước 30/9/2026",
    "IV. TỔ CHỨC THỰC HIỆN", "1. Phòng Văn hóa - Xã hội xã theo dõi, đôn đốc, tổng hợp; báo cáo năm trước ngày 30/11 "
    "gửi Ủy ban nhân dân xã.", "Nơi nhận:", "- Lưu: VT.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Tăng Văn Nguyễn",
]).encode()


def _unit_row(html: str, task: int, row: int) -> str:
    start = html.index(f'<label for="dv-{task}-{row}">')
    return html[html.rindex("<div", 0, start):html.index(f'id="vt-{task}-{row}"', start)]


def test_each_unit_shows_its_confidence_low_ones_highlighted_with_the_closest_candidates(client, console_settings):
    assert log_in(client, "vt-yetkieu").status_code == 303
    html = upload(client, "gia-dinh.txt", GIA_DINH).text
    # the lead read from "Hội Phụ nữ xã" below the threshold: highlighted, its score, closest units first
    lead = _unit_row(html, 0, 0)
    assert 'class="don-vi can-xem-lai"' in lead and "“Hội Phụ nữ xã”: khớp 86%" in html
    assert lead.index('<optgroup label="Gần nhất">') < lead.index("Hội Nông dân xã Yết Kiêu (64%)") < lead.index(
        '<optgroup label="Danh bạ">')
    assert 'value="xa-yk-hoi-lhpn" selected>Hội Liên hiệp Phụ nữ xã Yết Kiêu (86%)' in lead
    # a sure match is not highlighted; every directory unit can still be chosen
    coordinating = _unit_row(html, 0, 1)
    assert 'class="don-vi"' in coordinating and "khớp 100%" in html
    assert '<option value="tinh-dt-snv">' in coordinating
    # the doubtful name is listed once to confirm, and every date, cadence and period is a field
    assert 'data-ref="xa-yk-hoi-lhpn"' in html.split('id="don-vi-de-xuat"')[1].split("</fieldset>")[0]
    for name in ("gt__effective_from", "gt__tasks.0.cadence", "gt__tasks.0.due", "gt__tasks.1.milestones.1.due",
                 "gt__reports.0.period", "gt__reports.0.due"):
        assert f'name="{name}"' in html
    assert 'value="31/07/2026"' in html and 'value="30/09/2026"' in html
    due = html.split('name="gt__reports.0.due"')[0].rsplit("<div", 1)[1]
    assert "can-xem-lai" in due


def _review(client) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    assert log_in(client, "vt-yetkieu").status_code == 303
    html = upload(client, "gia-dinh.txt", GIA_DINH).text
    token = html.split('name="token" value="')[1].split('"')[0]
    return html, {"csrf_token": csrf_of(html), "token": token, "ma": "2026-yk-gia-dinh"}


def test_the_clerk_changes_units_roles_dates_milestones_and_report_period_and_the_saved_plan_has_them(
        client, console_settings, engine: Engine, config: Config):
    _, form = _review(client)
    form |= {
        # task 1: the lead becomes the Women's Union's neighbour, the police move to chủ trì, the office is added
        "dv__0__0": "xa-yk-hoi-nong-dan", "vt__0__1": "chu_tri", "dv__0__moi": "xa-yk-vhxh", "vt__0__moi": "phoi_hop",
        "gt__tasks.0.due": "30/06/2026",
        # task 2: a milestone moved and renamed; the report becomes a six-month one due 15/6
        "gt__tasks.1.milestones.0.due": "15/08/2026", "gt__tasks.1.milestones.0.title": "Khảo sát toàn xã",
        "gt__reports.0.period": "6_thang", "gt__reports.0.due": "15/06",
    }
    saved = client.post(f"{PAGE}/luu", data=form)
    assert saved.status_code == 303, saved.text
    plan = load_plan(console_settings.plans_dir / "2026-yk-gia-dinh.yaml", config.directory)
    first, second = plan.tasks
    assert (first.lead, first.coordinating) == (["xa-yk-hoi-nong-dan", "xa-yk-cong-an"], ["xa-yk-vhxh"])
    assert (first.due.day, first.due.month, first.due.year) == (30, 6, 2026)
    assert [(m.title, str(m.due)) for m in second.milestones] == [("Khảo sát toàn xã", "15/08/2026"),
                                                                  ("Tổng hợp kết quả", "30/09/2026")]
    (report,) = plan.reports
    assert (report.period.value, str(report.due)) == ("6_thang", "15/06")


def test_a_unit_dropped_from_a_task_leaves_it_and_a_task_without_lead_is_refused_naming_the_field(
        client, console_settings, engine: Engine):
    html, form = _review(client)
    refused = client.post(f"{PAGE}/luu", data={**form, "vt__0__0": "bo"})
    assert refused.status_code == 400 and "tasks[0].lead" in refused.text
    assert "2026-yk-gia-dinh" not in plan_states(engine)
    # the page shown again keeps the clerk's choice: the dropped unit's row is gone, the police still phối hợp
    assert 'data-ref="xa-yk-hoi-lhpn"' not in refused.text.split('id="nv-0"')[1].split('id="nv-1"')[0]
    saved = client.post(f"{PAGE}/luu", data={**form, "vt__0__0": "bo", "vt__0__1": "chu_tri"})
    assert saved.status_code == 303, saved.text
    text = (console_settings.plans_dir / "2026-yk-gia-dinh.yaml").read_text(encoding="utf-8")
    assert "lead: [xa-yk-cong-an]" in text and "xa-yk-hoi-lhpn" not in text


def test_a_wrong_period_kind_or_cadence_is_refused_by_the_plan_checks(client, console_settings, engine: Engine):
    _, form = _review(client)
    refused = client.post(f"{PAGE}/luu", data={**form, "gt__tasks.0.cadence": "theo_thoi_han", "gt__tasks.0.due": "",
                                               "gt__reports.0.period": "hang_nam"})
    assert refused.status_code == 400 and 'id="loi-kiem-tra"' in refused.text
    assert "reports[0].period" in refused.text and "tasks[0]" in refused.text
    assert "2026-yk-gia-dinh" not in plan_states(engine)


def test_drafts_left_longer_than_the_set_age_are_cleaned_on_upload_but_never_one_under_review(
        client, console_settings, clock):
    imports = console_settings.data_dir / "imports"
    _, kept_form = _review(client)  # under review: re-shown below, so it counts as just opened
    html, old_form = _review(client)
    folders = {p.name: p for p in imports.glob("*/*")}
    assert set(folders) == {kept_form["token"], old_form["token"]}
    # eight days pass; the clerk re-shows the first draft (an invalid save) but never returns to the second
    clock.advance(timedelta(days=8))
    assert log_in(client, "vt-yetkieu").status_code == 303
    csrf = {"csrf_token": csrf_of(client.get(PAGE).text)}
    assert client.post(f"{PAGE}/luu", data={**kept_form, **csrf, "gt__tasks.0.due": "31/02"}).status_code == 400
    clock.advance(timedelta(hours=1))
    upload(client, "gia-dinh.txt", GIA_DINH)
    left = {p.name for p in imports.glob("*/*")}
    assert kept_form["token"] in left and old_form["token"] not in left and len(left) == 2
    # the cleaned draft cannot be saved: a Vietnamese message, nothing written
    gone = client.post(f"{PAGE}/luu", data={**old_form, **csrf})
    assert gone.status_code == 410 and "quá hạn và được dọn" in gone.text
    assert "2026-yk-gia-dinh.yaml" not in saved_files(console_settings)


def test_a_younger_draft_is_kept(client, console_settings, clock):
    _, form = _review(client)
    clock.advance(timedelta(days=6))
    assert log_in(client, "vt-yetkieu").status_code == 303
    upload(client, "gia-dinh.txt", GIA_DINH)
    assert form["token"] in {p.name for p in (console_settings.data_dir / "imports").glob("*/*")}
