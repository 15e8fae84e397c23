"""Real Chromium through Playwright at a phone's 390 px width: the admin logs in, sees the
three seed plans, grants an extension on a board and sees the unit's status change, logs out;
no page needs sideways scrolling (the board's table scrolls in its own box).

Skipped when Debian's Chromium is missing, unless CI=true, where a missing browser fails.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from kehoach.plans.config import Config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.web.app import create_app
from tests.web.console.conftest import DT_PLAN, LS_PLAN, PASSWORD, YK_PLAN, Clock
from tests.web.portal.test_browser import CHROMIUM, chromium_page, free_port

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing in CI: run .ci/chromium.sh", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402


@pytest.fixture
def live_console(console_settings: Settings, config: Config, engine: Engine, clock: Clock,
                 accounts: dict[str, tuple[str, str]]) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = console_settings.model_copy(update={"portal_base_url": base})
    server = uvicorn.Server(uvicorn.Config(create_app(settings, config, engine, clock=clock),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("console did not start")
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def phone() -> Iterator[Page]:
    with chromium_page(390, 844) as p:
        yield p


def test_log_in_see_the_seed_plans_grant_an_extension_and_log_out(live_console: str, phone: Page) -> None:
    # Given the admin opens the console's address on a phone
    phone.goto(f"{live_console}/quan-ly/")
    # Then she is on the login page, whose fields have labels
    expect(phone.get_by_role("heading", name="Đăng nhập trang quản lý")).to_be_visible()
    # When she types a wrong password, she sees the generic error
    phone.get_by_label("Tên đăng nhập hoặc email").fill("quantri")
    phone.get_by_label("Mật khẩu").fill("khong-dung-dau")
    phone.get_by_role("button", name="Đăng nhập").click()
    expect(phone.locator("#loi-dang-nhap")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    # When she logs in with her email and the right password
    phone.get_by_label("Tên đăng nhập hoặc email").fill("quantri@kehoach.example")
    phone.get_by_label("Mật khẩu").fill(PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    # Then her home lists every plan of config/ (the three seeds and the two of other fields),
    # and the page fits the phone's width
    expect(phone.get_by_role("heading", name="Việc cần làm hôm nay")).to_be_visible()
    plans = phone.locator("#ke-hoach a")
    expect(plans).to_have_count(len(list((REPO_ROOT / "config" / "plans").glob("*.yaml"))))
    for plan in (DT_PLAN, LS_PLAN, YK_PLAN):
        expect(phone.locator(f'#ke-hoach a[href="/quan-ly/ke-hoach/{plan}"]')).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # When she opens a board from the deadlines list, it fits too (the table scrolls in its own box)
    phone.locator("#han-sap-toi a").first.click()
    expect(phone.locator("#bang-theo-doi")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # When she grants the first unit still missing an extension to 31/12/2026
    unit = phone.get_by_label("Đơn vị chưa nộp").evaluate("select => select.options[0].value")
    expect(phone.locator(f"#don-vi-{unit} .tinh-trang")).to_have_text("Chưa nộp")
    phone.get_by_label("Gia hạn đến ngày").fill("2026-12-31")
    phone.get_by_role("button", name="Gia hạn").click()
    # Then the board says so and the unit's status has changed
    expect(phone.get_by_role("status")).to_contain_text("đến 31/12/2026")
    expect(phone.locator(f"#don-vi-{unit} .tinh-trang")).to_have_text("Được gia hạn")
    # When she logs out
    phone.get_by_role("button", name="Đăng xuất").click()
    # Then she is back on the login page, and the console asks for a login again
    expect(phone.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    phone.goto(f"{live_console}/quan-ly/")
    expect(phone.get_by_role("heading", name="Đăng nhập trang quản lý")).to_be_visible()


def _log_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/quan-ly/")
    page.get_by_label("Tên đăng nhập hoặc email").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Việc cần làm hôm nay")).to_be_visible()


def test_a_clerk_exempts_a_unit_and_records_a_paper_report_on_another_s_behalf(
        live_console: str, phone: Page, tmp_path: Path) -> None:
    # Given the Sở's clerk on the annual report's board, on her phone
    _log_in(phone, live_console, "vt-dongthap")
    phone.goto(f"{live_console}/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026")
    expect(phone.get_by_role("img", name="Tỷ lệ đã nộp theo tuần đến hạn nộp")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # When she opens Trung tâm Trợ giúp pháp lý and exempts it, with a reason
    phone.locator("#don-vi-stp-dt-tgpl a").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_label("Lý do miễn").fill("Đơn vị đang sáp nhập")
    phone.get_by_role("button", name="Miễn báo cáo").click()
    # Then the page confirms it with who and when, and the board shows "Miễn"
    expect(phone.get_by_role("status")).to_contain_text("Đã miễn báo cáo kỳ này cho đơn vị")
    expect(phone.locator("#mien")).to_contain_text("Đơn vị đang sáp nhập (vt-dongthap, 10/12/2026 09:00)")
    phone.get_by_role("link", name="← Bảng theo dõi").click()
    expect(phone.locator("#don-vi-stp-dt-tgpl .tinh-trang")).to_have_text("Miễn: Đơn vị đang sáp nhập")
    expect(phone.locator("#day-du")).to_contain_text("0/6")
    # When she records Phòng Nghiệp vụ 1's paper report, figures and scan, on its behalf
    phone.locator("#don-vi-stp-dt-nv1 a").click()
    form = phone.locator("form[action$='/ghi-nhan']")
    for field in form.locator("input[inputmode=numeric]").all():
        field.fill("4")
    for radio in form.locator("input[type=radio][value=co]").all():
        radio.check()
    for text in form.locator("textarea").all():
        text.fill("Đã tổ chức hội nghị tuyên truyền về bình đẳng giới.")
    scan = tmp_path / "Báo cáo bản giấy.pdf"
    scan.write_bytes(b"%PDF-1.4 ban quet\n%%EOF")
    form.locator("input[type=file]").set_input_files(str(scan))
    phone.get_by_label("Họ và tên người gửi ở đơn vị").fill("Trần Văn Bình")
    phone.get_by_role("button", name="Ghi nhận báo cáo").click()
    # Then it is the unit's first version, recorded by the office, with the scan to download
    expect(phone.get_by_role("status")).to_contain_text("Đã ghi nhận báo cáo thay đơn vị")
    expect(phone.locator("#phien-ban-1")).to_contain_text("văn phòng ghi nhận thay trên trang quản lý")
    expect(phone.locator("#thao-tac")).to_contain_text("Ghi nhận báo cáo thay đơn vị: phiên bản 1 · vt-dongthap")
    with phone.expect_download() as got:
        phone.get_by_role("link", name="Báo cáo bản giấy.pdf").click()
    assert Path(got.value.path()).read_bytes() == scan.read_bytes()
    # and on the board the unit has reported (late: the deadline was 20/11)
    phone.get_by_role("link", name="← Bảng theo dõi").click()
    expect(phone.locator("#don-vi-stp-dt-nv1 .tinh-trang")).to_have_text("Nộp muộn")
    expect(phone.locator("#day-du")).to_contain_text("1/6")
