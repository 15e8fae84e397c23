"""Real Chromium through Playwright: a unit opens its signed link, fills the form, attaches a
file and sees the confirmation; a tampered link shows the Vietnamese 403 page.

Skipped when Debian's Chromium is missing, unless CI=true, where a missing browser fails.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.submission_tables import Attachment, Submission
from kehoach.submissions.links import make_link
from tests import reporting_world as world
from tests.web.portal.conftest import NOW

pytestmark = pytest.mark.browser


def test_unit_fills_the_form_attaches_a_file_and_sees_the_confirmation(
    live_portal: str, page: Page, portal_settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    # Given Công an xã's signed link for the 2026 annual report
    settings = portal_settings.model_copy(update={"portal_base_url": live_portal})
    url = make_link(settings, world.PLAN_ID, "yk-cong-an", "nam-2026", NOW + timedelta(days=30))
    attachment = tmp_path / "bao-cao-cong-an.docx"
    attachment.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    # When it opens the link, first sends a negative figure, then corrects it
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("năm 2026")
    for box in page.locator("input[type=text][inputmode=numeric]").all():
        box.fill("1")
    page.fill("#tuyen_truyen_so_cuoc", "-4")
    page.fill("#tuyen_truyen_luot_nguoi__nu", "12")
    page.fill("#ket_qua_noi_bat", "Phối hợp tổ chức 3 buổi tuyên truyền tại các thôn.")
    page.click("#gui-bao-cao")
    expect(page.locator("#loi-tuyen_truyen_so_cuoc")).to_have_text("Số liệu không được âm.")
    page.fill("#tuyen_truyen_so_cuoc", "3")
    page.set_input_files("#tep_dinh_kem", str(attachment))
    page.click("#gui-bao-cao")
    # Then the confirmation page shows, and the submission and its file are stored
    expect(page.locator("#xac-nhan")).to_contain_text("Hệ thống đã nhận báo cáo")
    expect(page.locator("body")).to_contain_text("bao-cao-cong-an.docx")
    with session(engine) as s:
        row = s.exec(select(Submission)).one()
        assert row.values["tuyen_truyen_so_cuoc"] == {"tong": 3}
        assert row.values["tuyen_truyen_luot_nguoi"] == {"nam": 1, "nu": 12}
        assert s.exec(select(Attachment)).one().filename == "bao-cao-cong-an.docx"


def test_tampered_link_shows_the_403_page(live_portal: str, page: Page, portal_settings: Settings) -> None:
    settings = portal_settings.model_copy(update={"portal_base_url": live_portal})
    url = make_link(settings, world.PLAN_ID, "yk-cong-an", "nam-2026", NOW + timedelta(days=30))
    response = page.goto(url.replace("s=", "s=x"))
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Không có quyền truy cập")
    expect(page.locator("#error-message")).to_contain_text("không hợp lệ")


def test_a_validation_rule_keeps_the_form_and_shows_its_message_beside_the_fields(
    live_portal: str, page: Page, portal_settings: Settings, engine: Engine
) -> None:
    # Given the plan's rule "supported victims <= victims" and Công an xã's link, which reports both
    settings = portal_settings.model_copy(update={"portal_base_url": live_portal})
    url = make_link(settings, world.PLAN_ID, "yk-cong-an", "nam-2026", NOW + timedelta(days=30))
    page.goto(url)
    for box in page.locator("input[type=text][inputmode=numeric]").all():
        box.fill("1")
    # When it reports 3 victims but 5 supported
    page.fill("#blgd_nan_nhan__nam", "1")
    page.fill("#blgd_nan_nhan__nu", "2")
    page.fill("#blgd_nan_nhan_duoc_ho_tro__nam", "2")
    page.fill("#blgd_nan_nhan_duoc_ho_tro__nu", "3")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#gui-bao-cao")
    # Then the form comes back with 400, the rule's message beside the fields and the figures kept
    assert posted.value.status == 400
    expect(page.locator("#loi-blgd_nan_nhan_duoc_ho_tro__nam")).to_have_text(
        "Số nạn nhân được hỗ trợ không được lớn hơn số nạn nhân")
    expect(page.locator("#blgd_nan_nhan_duoc_ho_tro__nu")).to_have_value("3")
    expect(page.locator("#blgd_nan_nhan__nu")).to_have_value("2")
    with session(engine) as s:
        assert s.exec(select(Submission)).all() == []
    # And once corrected to 2 supported, the report is accepted
    page.fill("#blgd_nan_nhan_duoc_ho_tro__nam", "0")
    page.fill("#blgd_nan_nhan_duoc_ho_tro__nu", "2")
    page.click("#gui-bao-cao")
    expect(page.locator("#xac-nhan")).to_contain_text("Hệ thống đã nhận báo cáo")
    with session(engine) as s:
        assert s.exec(select(Submission)).one().values["blgd_nan_nhan_duoc_ho_tro"] == {"nam": 0, "nu": 2}
