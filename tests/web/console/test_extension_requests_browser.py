"""Real Chromium: a unit asks for an extension from its link; the clerk grants it on the board
(the unit's reminders move as with `kehoach extend`) or refuses it with a note, and the unit's
email, dispatched to a local SMTP server, names the new date or quotes the note.

Skipped when Debian's Chromium is missing, unless CI=true, where a missing browser fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.delivery.dispatcher import dispatch
from kehoach.expansion.expand import expand
from kehoach.expansion.sync import sync_notifications
from kehoach.notification import Kind
from kehoach.plans.config import Config
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.links import make_link
from kehoach.web.app import create_app
from notifications.channels import EmailChannel
from tests.delivery.test_messages import received, text
from tests.servers.smtp import SMTPServer
from tests.web.browser import base_url, chromium_page, served
from tests.web.console.conftest import DT_PLAN, NOW, PASSWORD, Clock

pytestmark = pytest.mark.browser

PERIOD, UNIT = "bc-nam-2026", "stp-dt-tgpl"
UNIT_NAME = "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Đồng Tháp"
MAILBOX = "trogiupphaply@stp-dongthap.example"
CHASING = (Kind.REPORT_REMINDER.value, Kind.REPORT_DUE.value, Kind.REPORT_OVERDUE.value)


@pytest.fixture
def live(console_settings: Settings, config: Config, engine: Engine, clock: Clock,
         accounts: dict[str, tuple[str, str]]) -> Iterator[tuple[str, Settings]]:
    base = base_url()
    settings = console_settings.model_copy(update={"portal_base_url": base})
    with served(create_app(settings, config, engine, clock=clock), base):
        yield base, settings


@pytest.fixture
def phone() -> Iterator[Page]:
    with chromium_page(390, 844) as p:
        yield p


def _synced(engine: Engine, config: Config) -> None:
    """The unit's messages of the annual report, as the plan's sync queued them in January."""
    notes = [n for n in expand(config.plans[DT_PLAN], 2026, config.directory, config.calendar([2026]))
             if n.unit == UNIT and n.period == PERIOD]
    with session(engine) as s:
        sync_notifications(s, 2026, [DT_PLAN], notes, datetime(2026, 1, 2, 9, tzinfo=VN_TZ))


def _chasing_deadlines(engine: Engine) -> list[date | None]:
    with session(engine) as s:
        return [r.deadline for r in s.exec(select(Outbox).where(
            Outbox.unit == UNIT, Outbox.period == PERIOD, Outbox.status == Status.PENDING.value,
            Outbox.kind.in_(CHASING)))]  # type: ignore[attr-defined]


def _ask(page: Page, base: str, settings: Settings, until: str, reason: str) -> str:
    """The unit opens its link and asks; returns the link."""
    link = make_link(settings, DT_PLAN, UNIT, PERIOD, NOW + timedelta(days=30))
    page.goto(link)
    expect(page.get_by_role("heading", name="Xin gia hạn")).to_be_visible()
    page.get_by_label("Xin gia hạn đến ngày").fill(until)
    page.get_by_label("Lý do xin gia hạn").fill(reason)
    page.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi đề nghị gia hạn")
    expect(page.locator("#de-nghi-gia-han")).to_contain_text("đang chờ văn phòng xử lý")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    return link


def _clerk_opens_the_request(page: Page, base: str) -> None:
    """The clerk logs in and follows the home page's link to the board's waiting requests."""
    page.goto(f"{base}/quan-ly/")
    page.get_by_label("Tên đăng nhập hoặc email").fill("vt-dongthap")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#h-xin-gia-han")).to_have_text("Đơn vị xin gia hạn (1)")
    page.locator("#xin-gia-han a").click()
    expect(page.locator(f"#de-nghi-{UNIT}")).to_be_visible()


def _mail_to_the_unit(engine: Engine, config: Config, clock: Clock, smtp: SMTPServer) -> tuple[str, str, str]:
    """Dispatch at the clock's time; (subject, text, html) of the decision the unit received."""
    channel = EmailChannel(host=smtp.hostname, port=smtp.port, mail_from="vp@stp.example", starttls=False)
    with ThreadPoolExecutor(1) as worker:  # (Playwright's sync API holds this thread's event loop)
        worker.submit(dispatch, engine, config, {"email": channel, "zalo": None}, clock()).result()
    [mail] = [m for m in received(smtp, MAILBOX) if "/extension_decision/" in str(m["X-Kehoach-Key"])]
    return str(mail["Subject"]), text(mail), mail.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_a_unit_asks_the_clerk_grants_another_date_and_the_unit_is_emailed_its_new_deadline(
        live: tuple[str, Settings], phone: Page, engine: Engine, config: Config, clock: Clock,
        smtp_server: SMTPServer) -> None:
    base, settings = live
    # Given the unit's reminders of the annual report (due 20/11) still queued
    _synced(engine, config)
    assert _chasing_deadlines(engine) and set(_chasing_deadlines(engine)) == {date(2026, 11, 20)}
    # When the unit asks from its link for 28/12/2026
    link = _ask(phone, base, settings, "2026-12-28", "Cán bộ phụ trách nghỉ ốm dài ngày")
    # and the clerk grants it on the board, to 31/12/2026 instead
    _clerk_opens_the_request(phone, base)
    request = phone.locator(f"#de-nghi-{UNIT}")
    expect(request).to_contain_text("Cán bộ phụ trách nghỉ ốm dài ngày")
    asked = request.get_by_label(f"Gia hạn cho {UNIT_NAME} đến ngày")
    expect(asked).to_have_value("2026-12-28")
    asked.fill("2026-12-31")
    request.get_by_role("button", name="Gia hạn").click()
    # Then the board says so and the unit's status is "được gia hạn"
    expect(phone.get_by_role("status")).to_contain_text("đến 31/12/2026")
    expect(phone.locator(f"#don-vi-{UNIT} .tinh-trang")).to_have_text("Được gia hạn")
    expect(phone.locator(f"#de-nghi-{UNIT}")).to_have_count(0)
    # and its pending reminders moved to the new deadline, as `kehoach extend` moves them
    assert _chasing_deadlines(engine) and set(_chasing_deadlines(engine)) == {date(2026, 12, 31)}
    # and the email the unit receives names the new date
    subject, body, _ = _mail_to_the_unit(engine, config, clock, smtp_server)
    assert subject.startswith("[Đồng ý gia hạn]") and "31/12/2026" in subject
    assert "hạn nộp mới là Thứ Năm, 31/12/2026 (đơn vị đề nghị đến Thứ Hai, 28/12/2026)" in body
    # and the unit's page shows it
    phone.goto(link)
    expect(phone.locator("#de-nghi-gia-han")).to_contain_text("đã gia hạn đến 31/12/2026")


def test_a_unit_asks_the_clerk_refuses_with_a_note_and_the_unit_reads_it(
        live: tuple[str, Settings], phone: Page, engine: Engine, config: Config, clock: Clock,
        smtp_server: SMTPServer) -> None:
    base, settings = live
    link = _ask(phone, base, settings, "2026-12-28", "Chờ số liệu của cấp xã")
    _clerk_opens_the_request(phone, base)
    request = phone.locator(f"#de-nghi-{UNIT}")
    request.get_by_label(f"Lý do từ chối đề nghị của {UNIT_NAME}").fill("Đã quá hạn <i>lâu</i>, đề nghị nộp ngay")
    request.get_by_role("button", name="Từ chối").click()
    expect(phone.get_by_role("status")).to_contain_text(f"Đã từ chối đề nghị gia hạn của {UNIT_NAME}")
    expect(phone.locator(f"#don-vi-{UNIT} .tinh-trang")).to_have_text("Chưa nộp")
    # The unit's email quotes the note (escaped in its HTML) and keeps its deadline
    subject, body, html = _mail_to_the_unit(engine, config, clock, smtp_server)
    assert subject.startswith("[Không đồng ý gia hạn]")
    assert "Lý do: Đã quá hạn <i>lâu</i>, đề nghị nộp ngay" in body and "hạn nộp vẫn là Thứ Sáu, 20/11/2026" in body
    assert "Đã quá hạn &lt;i&gt;lâu&lt;/i&gt;" in html and "<i>lâu</i>" not in html
    # and its page says the request was refused, with the note as typed
    phone.goto(link)
    expect(phone.locator("#de-nghi-gia-han")).to_contain_text("bị từ chối: Đã quá hạn <i>lâu</i>, đề nghị nộp ngay")
