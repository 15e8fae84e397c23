"""Real Chromium through Playwright at a phone's 390 px width: the admin logs in, sees the
three seed plans, grants an extension on a board and sees the unit's status change, logs out;
a clerk edits the báo cáo, the leader approves it and sends it to a local SMTP server;
no page needs sideways scrolling (the board's table scrolls in its own box).

Skipped when Debian's Chromium is missing, unless CI=true, where a missing browser fails.
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from kehoach.delivery.dispatcher import dispatch
from kehoach.plans.config import Config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.web.app import create_app
from notifications.channels import EmailChannel
from tests.servers.smtp import SMTPServer
from tests.web.browser import base_url, chromium_page, served
from tests.web.console.conftest import DT_PLAN, LS_PLAN, PASSWORD, YK_PLAN, Clock

pytestmark = pytest.mark.browser


@pytest.fixture
def live_console(console_settings: Settings, config: Config, engine: Engine, clock: Clock,
                 accounts: dict[str, tuple[str, str]]) -> Iterator[str]:
    base = base_url()
    settings = console_settings.model_copy(update={"portal_base_url": base})
    with served(create_app(settings, config, engine, clock=clock), base):
        yield base


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


def test_edit_a_draft_approve_it_as_leader_and_send_it_to_the_smtp_server(
    live_console: str, phone: Page, engine: Engine, config: Config, clock: Clock, smtp_server: SMTPServer
) -> None:
    review = f"{live_console}/quan-ly/bao-cao/{DT_PLAN}/bc-nam-2026"

    def log_in_as(username: str) -> None:
        phone.goto(review)
        phone.get_by_label("Tên đăng nhập hoặc email").fill(username)
        phone.get_by_label("Mật khẩu").fill(PASSWORD)
        phone.get_by_role("button", name="Đăng nhập").click()

    # Given the clerk on the plan's page, which links each period's báo cáo
    log_in_as("vt-dongthap")
    phone.goto(f"{live_console}/quan-ly/ke-hoach/{DT_PLAN}")
    phone.locator(f'a[href="/quan-ly/bao-cao/{DT_PLAN}/bc-nam-2026"]').click()
    expect(phone.locator("#du-thao")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # When she writes the overall assessment (with markup in it) and saves
    phone.get_by_label("Đánh giá chung").fill("Hoàn thành các chỉ tiêu <b>chính</b>.")
    phone.get_by_role("button", name="Lưu phiên bản mới").click()
    # Then version 1 is listed with her name, and the draft shows her words as typed
    expect(phone.get_by_role("status")).to_have_text("Đã lưu phiên bản mới.")
    expect(phone.locator("#phien-ban tbody tr").first).to_contain_text("vt-dongthap")
    expect(phone.locator("#du-thao")).to_contain_text("Hoàn thành các chỉ tiêu <b>chính</b>.")
    phone.get_by_role("button", name="Đăng xuất").click()
    # When the leader logs in, approves version 1 and sends it upward
    log_in_as("lanhdao-dt")
    phone.get_by_role("button", name="Phê duyệt phiên bản 1").click()
    expect(phone.locator("#phe-duyet")).to_contain_text("Đã phê duyệt phiên bản 1 (lanhdao-dt")
    expect(phone.locator("#tai-ban-da-duyet")).to_be_visible()
    phone.get_by_role("button", name="Gửi báo cáo lên cấp trên").click()
    expect(phone.get_by_role("status")).to_have_text("Đã gửi báo cáo đã phê duyệt lên cấp trên.")
    # Then the next dispatch delivers it to Sở Nội vụ's mailboxes, the approved DOCX attached
    channel = EmailChannel(host=smtp_server.hostname, port=smtp_server.port, mail_from="vp@stp.example", starttls=False)
    with ThreadPoolExecutor(1) as worker:  # (Playwright's sync API holds this thread's event loop)
        worker.submit(dispatch, engine, config, {"email": channel, "zalo": None}, clock()).result()
    [mail] = smtp_server.recorder.messages
    assert sorted(mail.rcpt_tos) == ["binhdanggioi@snv-dongthap.example", "vanthu@snv-dongthap.example"]
    message = email.message_from_bytes(mail.content, policy=policy.default)
    assert [p.get_filename() for p in message.iter_attachments() if str(p.get_filename()).endswith(".docx")]
    html = message.get_body(("html",)).get_content()
    assert "Hoàn thành các chỉ tiêu &lt;b&gt;chính&lt;/b&gt;." in html


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
