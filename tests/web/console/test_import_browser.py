"""Real Chromium: a clerk uploads a Word plan, reads the draft beside its text, corrects units and a date, saves it paused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from kehoach.settings import Settings
from tests.importer.make_documents import write_documents
from tests.web.browser import chromium_page
from tests.web.console.conftest import PASSWORD
from tests.web.console.test_browser import live_console  # noqa: F401  (the fixture)
from tests.web.console.test_import_page import console_settings  # noqa: F401  (a config copy to save into)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk() -> Iterator[Page]:
    with chromium_page(1280, 900) as p:
        yield p


def test_a_clerk_imports_a_word_plan_corrects_it_and_saves_it_paused(  # noqa: F811
        live_console: str, desk: Page, tmp_path, console_settings: Settings) -> None:  # noqa: F811
    doc = write_documents(tmp_path)[0]
    # Given the clerk of Yết Kiêu logs in and opens the import page from the menu
    desk.goto(f"{live_console}/quan-ly/")
    desk.get_by_label("Tên đăng nhập hoặc email").fill("vt-yetkieu")
    desk.get_by_label("Mật khẩu").fill(PASSWORD)
    desk.get_by_role("button", name="Đăng nhập").click()
    desk.get_by_role("link", name="Nhập kế hoạch").click()
    # When she uploads the Word plan
    desk.get_by_label("Tệp kế hoạch (.docx hoặc .txt)").set_input_files(str(doc))
    desk.get_by_role("button", name="Đọc văn bản").click()
    # Then the task section's text stands beside the tasks read from it
    section = desk.locator("#muc-II")
    expect(section.locator(".source")).to_contain_text("Tuyên truyền phòng, chống đuối nước")
    expect(section.locator(".task").first).to_contain_text("Chủ trì:")
    source_box, tasks_box = section.locator(".source").bounding_box(), section.locator(".task").first.bounding_box()
    assert source_box and tasks_box and tasks_box["x"] > source_box["x"] + source_box["width"] - 1
    # And each unit the directory lacks is highlighted with what it was read from
    first_lead = desk.locator("#nv-0 .don-vi").first
    expect(first_lead).to_contain_text("“Phòng Giáo dục phổ thông”: chưa có trong danh bạ")
    expect(first_lead).to_have_css("background-color", "rgb(255, 244, 214)")
    # When she chooses her own office for every unit the directory lacks
    selects = desk.locator("#don-vi-de-xuat select")
    assert selects.count() >= 1
    for i in range(selects.count()):
        selects.nth(i).select_option(label="Phòng Văn hóa - Xã hội xã Yết Kiêu")
    # and for the first task picks the Women's Union from the directory as its lead, moves its date, adds the police
    desk.get_by_label("Nhiệm vụ II.1, đơn vị 1").select_option(label="Hội Liên hiệp Phụ nữ xã Yết Kiêu")
    desk.get_by_label("Nhiệm vụ II.1: hạn").fill("20/05/2026")
    desk.get_by_label("Nhiệm vụ II.1, thêm đơn vị").select_option(label="Công an xã Yết Kiêu")
    desk.get_by_label("Vai trò của đơn vị thêm, nhiệm vụ II.1").select_option(label="chủ trì")
    desk.get_by_label("Mã kế hoạch").fill("2026-yk-duoi-nuoc")
    desk.get_by_role("button", name="Lưu kế hoạch (tạm dừng)").click()
    # Then the plan is listed as paused, with her corrections
    expect(desk.locator("#da-luu")).to_contain_text("2026-yk-duoi-nuoc")
    expect(desk.locator('li[data-plan="2026-yk-duoi-nuoc"] .trang-thai')).to_have_text("tạm dừng")
    saved = (console_settings.plans_dir / "2026-yk-duoi-nuoc.yaml").read_text(encoding="utf-8")
    assert "lead: [xa-yk-hoi-lhpn, xa-yk-cong-an]" in saved and "due: 20/05/2026" in saved
