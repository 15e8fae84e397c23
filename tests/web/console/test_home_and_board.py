"""The home page's attention list and the follow-up board, against what the CLI reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kehoach.expansion.sync import sync
from kehoach.plans.config import Config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import session
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.record import record_submission
from tests.web.console.conftest import DT_PLAN, NOW, csrf_of, log_in

BOARD = f"/quan-ly/ke-hoach/{DT_PLAN}/bc-thang-hanh-dong-2026"


def _submit(engine: Engine, settings: Settings, unit: str, period: str, days_ago: int) -> None:
    with session(engine) as s:
        record_submission(s, settings.data_dir, plan_id=DT_PLAN, period=period, unit_id=unit, values={},
                          now=NOW - timedelta(days=days_ago), source="cli")


def _failed_email(engine: Engine) -> None:
    """A reminder the SMTP server refused, as the dispatcher records it."""
    with session(engine) as s:
        s.add(Outbox(key=f"{DT_PLAN}/bc-nam-2026/stp-dt-tgpl/email/nhac", plan=DT_PLAN, kind="report_reminder",
                     unit="stp-dt-tgpl", channel="email", period="bc-nam-2026", send_at=NOW - timedelta(days=20),
                     subject="Nhắc hạn báo cáo năm 2026", content_hash="x", status=Status.FAILED.value,
                     attempts=1, last_error="550 5.1.1 hộp thư không tồn tại"))
        s.commit()


def test_home_lists_deadlines_soon_with_completeness_overdue_units_and_failed_deliveries(
    client: TestClient, engine: Engine, console_settings: Settings
) -> None:
    # Given, on 10/12/2026, two of seven units reported for the Action Month (due 20/12),
    # Phòng Công chứng số 1 reported the annual report (due 20/11) and one reminder bounced
    _submit(engine, console_settings, "stp-dt-tgpl", "bc-thang-hanh-dong-2026", 1)
    _submit(engine, console_settings, "stp-dt-nv1", "bc-thang-hanh-dong-2026", 2)
    _submit(engine, console_settings, "stp-dt-cong-chung-1", "bc-nam-2026", 25)
    _failed_email(engine)
    log_in(client, "vt-dongthap")
    # When the clerk opens her home page
    home = client.get("/quan-ly/").text
    # Then the Action Month report is due soon, with completeness so far, linked to its board
    soon = home.split('id="han-sap-toi"')[1].split("</ul>")[0]
    assert f'href="{BOARD}"' in soon and "hạn 20/12/2026; đã nộp 2/7 (28,6%)" in soon
    # the annual report's missing units are overdue, the one that reported is not
    overdue = home.split('id="qua-han"')[1].split("</ul>")[0]
    assert 'data-unit="stp-dt-tgpl" data-period="bc-nam-2026"' in overdue and "hạn 20/11/2026" in overdue
    assert 'data-unit="stp-dt-cong-chung-1" data-period="bc-nam-2026"' not in overdue
    assert 'data-unit="stp-dt-cong-chung-1" data-period="bc-6-thang-2026"' in overdue  # due 20/05, never sent
    # and the bounced reminder shows with the server's reply, linked to its board
    failed = home.split('id="gui-loi"')[1].split("</ul>")[0]
    assert "550 5.1.1 hộp thư không tồn tại" in failed and f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026" in failed
    assert "(Nhắc báo cáo, email, Trung tâm Trợ giúp pháp lý nhà nước tỉnh Đồng Tháp)" in failed


def test_granting_an_extension_on_the_board_changes_the_unit_s_status_as_kehoach_extend_does(
    client: TestClient, engine: Engine, console_settings: Settings
) -> None:
    # Given the board of the annual report (due 20/11), where Trung tâm Trợ giúp pháp lý has not reported
    log_in(client, "vt-dongthap")
    board = f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026"
    page = client.get(board).text
    row = page.split('id="don-vi-stp-dt-tgpl"')[1].split("</tr>")[0]
    assert "Chưa nộp" in row
    assert 'data-unit="stp-dt-tgpl" data-period="bc-nam-2026"' in client.get("/quan-ly/").text
    # When the clerk grants Trung tâm Trợ giúp pháp lý until 31/12/2026
    answer = client.post(f"{board}/gia-han", data={"csrf_token": csrf_of(page), "don_vi": "stp-dt-tgpl",
                                                  "den_ngay": "2026-12-31", "trang": board})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    # Then the board says so, with the new deadline
    assert "Đã gia hạn cho Trung tâm Trợ giúp pháp lý nhà nước tỉnh Đồng Tháp đến 31/12/2026." in page
    row = page.split('id="don-vi-stp-dt-tgpl"')[1].split("</tr>")[0]
    assert "Được gia hạn" in row and "31/12/2026" in row
    # and the unit is no longer overdue for that report on the home page
    overdue = client.get("/quan-ly/").text.split('id="qua-han"')[1].split("</ul>")[0]
    assert 'data-unit="stp-dt-tgpl" data-period="bc-nam-2026"' not in overdue
    assert 'data-unit="stp-dt-tgpl" data-period="bc-6-thang-2026"' in overdue
    # and `kehoach status` reads the same extension from the same table
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(console_settings.data_dir), "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "kehoach", "status", "--plan", DT_PLAN, "--period", "bc-nam-2026",
                          "--format", "json"], capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["extensions"] == {"stp-dt-tgpl": "2026-12-31"}


def test_an_extension_before_the_due_date_or_without_a_date_is_refused_on_the_board(client: TestClient) -> None:
    log_in(client, "vt-dongthap")
    board = f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026"
    token = csrf_of(client.get(board).text)
    early = client.post(f"{board}/gia-han", data={"csrf_token": token, "don_vi": "stp-dt-tgpl", "den_ngay": "2026-11-01"})
    assert early.status_code == 400 and "Ngày gia hạn phải sau hạn nộp của kỳ (20/11/2026)." in early.text
    blank = client.post(f"{board}/gia-han", data={"csrf_token": token, "don_vi": "stp-dt-tgpl", "den_ngay": ""})
    assert blank.status_code == 400 and "Gia hạn chưa được ghi: Vui lòng chọn ngày (ngày/tháng/năm)." in blank.text
    impossible = client.post(f"{board}/gia-han", data={"csrf_token": token, "don_vi": "stp-dt-tgpl",
                                                       "den_ngay": "31/02/2027"})
    assert impossible.status_code == 400 and "Ngày “31/02/2027” không có trên lịch." in impossible.text
    stranger = client.post(f"{board}/gia-han", data={"csrf_token": token, "don_vi": "xa-yk-thon-1",
                                                     "den_ngay": "2026-12-31"})
    assert stranger.status_code == 404


def test_the_board_grants_an_extension_typed_as_day_month_year(client: TestClient) -> None:
    log_in(client, "vt-dongthap")
    board = f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026"
    token = csrf_of(client.get(board).text)
    typed = client.post(f"{board}/gia-han", data={"csrf_token": token, "don_vi": "stp-dt-tgpl", "den_ngay": "28/12/2026"},
                        follow_redirects=False)
    assert typed.status_code == 303
    assert "28/12/2026" in client.get(typed.headers["location"]).text


def test_the_board_shows_each_unit_s_latest_version_and_its_reminders(
    client: TestClient, engine: Engine, console_settings: Settings
) -> None:
    # Given a unit that reported twice and a reminder that bounced
    _submit(engine, console_settings, "stp-dt-nv1", "bc-nam-2026", 30)
    _submit(engine, console_settings, "stp-dt-nv1", "bc-nam-2026", 10)
    _failed_email(engine)
    log_in(client, "vt-dongthap")
    page = client.get(f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026").text
    # Then the unit's row shows its first version's timeliness and its latest version's time
    nv1 = page.split('id="don-vi-stp-dt-nv1"')[1].split("</tr>")[0]
    assert "Đã nộp đúng hạn" in nv1 and "phiên bản 2, 30/11/2026 09:00" in nv1
    # and the bounced reminder, with its status and the server's reply, on the unit's row
    tgpl = page.split('id="don-vi-stp-dt-tgpl"')[1].split("</tr>")[0]
    assert "20/11/2026 09:00 · Nhắc báo cáo · email · lỗi: 550 5.1.1 hộp thư không tồn tại" in tgpl


def test_the_board_shows_the_reminders_still_to_come_beyond_the_sync_horizon(
    client: TestClient, engine: Engine, config: Config
) -> None:
    # Given the outbox synced on 10/12 with a horizon of one day: only the 11/12 reminder is written
    with session(engine) as s:
        sync(config, 2026, s, NOW, [DT_PLAN], days=1)
    log_in(client, "vt-dongthap")
    page = client.get(f"/quan-ly/ke-hoach/{DT_PLAN}/bc-thang-hanh-dong-2026").text
    tgpl = page.split('id="don-vi-stp-dt-tgpl"')[1].split("</tr>")[0]
    # Then the unit's row shows it once, and the later reminders and overdue notices the plan will
    # send (in time order), but not the reminder of 04/12 that was never written
    assert tgpl.count("11/12/2026 08:00 · Nhắc báo cáo · email · sẽ gửi") == 1
    later = ["16/12/2026 08:00 · Nhắc báo cáo · email · sẽ gửi", "18/12/2026 08:00 · Hạn báo cáo · email · sẽ gửi",
             "24/12/2026 08:00 · Quá hạn báo cáo · email · sẽ gửi"]
    assert all(line in tgpl for line in later), tgpl
    assert [tgpl.index(line) for line in later] == sorted(tgpl.index(line) for line in later)
    assert "04/12/2026" not in tgpl
