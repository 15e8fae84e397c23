"""Real Chromium at 390 px: a clerk edits a contact and sees the audit line, uploads a broken plan and sees the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.console.conftest import PASSWORD
from tests.web.console.test_browser import live_console, phone  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402


def test_clerk_edits_a_contact_and_uploads_a_broken_plan(live_console: str, phone: Page, tmp_path: Path) -> None:  # noqa: F811
    phone.goto(f"{live_console}/quan-ly/danh-ba/stp-dt-nv1")
    phone.get_by_label("Tên đăng nhập hoặc email").fill("vt-dongthap")
    phone.get_by_label("Mật khẩu").fill(PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.get_by_label("Email (cách nhau bằng dấu phẩy)").fill("khong-hop-le")
    phone.get_by_role("button", name="Lưu").click()
    expect(phone.locator("#e-email")).to_contain_text("khong-hop-le")
    phone.get_by_label("Email (cách nhau bằng dấu phẩy)").fill("moi.nv1@stp-dongthap.example")
    phone.get_by_role("button", name="Lưu").click()
    expect(phone.get_by_role("status")).to_contain_text("Đã lưu thay đổi.")
    audit = phone.locator("#lich-su tbody tr").first
    expect(audit).to_contain_text("vt-dongthap")
    expect(audit).to_contain_text("nv1@stp-dongthap.example")
    expect(audit).to_contain_text("moi.nv1@stp-dongthap.example")

    broken = tmp_path / "hong.yaml"
    broken.write_text("id: 2026-thu\ntasks:\n  - id: a\n    due: 31/02/2026\n", encoding="utf-8")
    phone.get_by_role("link", name="Kế hoạch", exact=True).click()  # the menu on every console page
    phone.get_by_label("Tải lên kế hoạch (.yaml)").set_input_files(str(broken))
    phone.get_by_role("button", name="Tải lên", exact=True).click()
    expect(phone.locator("#loi-ke-hoach")).to_contain_text("hong.yaml, dòng ")
    expect(phone.locator("#ke-hoach")).not_to_contain_text("2026-thu")
