"""Real Chromium: a dated task's lead opens its link, writes the note, attaches a file, sees the confirmation."""

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
from tests.web.portal.test_task_done import DATED, TASK_PERIOD, config  # noqa: F401

pytestmark = pytest.mark.browser


def test_lead_writes_the_note_attaches_a_file_and_sees_the_task_done(
    live_portal: str, page: Page, portal_settings: Settings, engine: Engine, tmp_path: Path,
) -> None:
    # Given Công an xã's signed link to record the dated task done
    settings = portal_settings.model_copy(update={"portal_base_url": live_portal})
    url = make_link(settings, world.PLAN_ID, "yk-cong-an", TASK_PERIOD, NOW + timedelta(days=30))
    attachment = tmp_path / "ket-qua-ra-soat.pdf"
    attachment.write_bytes(b"%PDF-1.4\n" + b"0" * 200)
    # When it opens the page, writes what was done and attaches the result
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo hoàn thành nhiệm vụ")
    expect(page.locator("#nhiem-vu")).to_have_text(DATED["title"])
    page.fill("#ghi_chu", "Đã rà soát xong số liệu của 6 thôn.")
    page.set_input_files("#tep_dinh_kem", str(attachment))
    page.click("#gui-hoan-thanh")
    # Then the confirmation says the task is done on time, and the record and file are stored
    expect(page.locator("#xac-nhan")).to_contain_text("hoàn thành nhiệm vụ")
    expect(page.locator("#ket-qua")).to_have_text("Đúng hạn")
    expect(page.locator("body")).to_contain_text("ket-qua-ra-soat.pdf")
    with session(engine) as s:
        row = s.exec(select(Submission)).one()
        assert (row.period, row.unit, row.values["ghi_chu"]) == (TASK_PERIOD, "yk-cong-an",
                                                                 "Đã rà soát xong số liệu của 6 thôn.")
        assert s.exec(select(Attachment)).one().filename == "ket-qua-ra-soat.pdf"
