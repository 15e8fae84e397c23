"""The plans page: the office's plans with state, YAML upload checked whole, pause and resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from kehoach.expansion.freshness import sync_recorded
from kehoach.expansion.preview import YearPreview
from kehoach.plans.lifecycle import PlanState, plan_states
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.outbox import listing
from tests.web.console.conftest import DT_PLAN, YK_PLAN, csrf_of, log_in, settings_with_own_config

PAGE = "/quan-ly/cac-ke-hoach"
BROKEN = "id: 2026-stp-dt-moi\ntitle: Kế hoạch thử\ntasks:\n  - id: bao-cao\n    due: 31/02/2026\n    khong_co: 1\n"


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    """A copy of config/, so an upload lands in the test's own plans folder."""
    return settings_with_own_config(tmp_path)


def post(client, path: str, **files: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    return client.post(path, data={"csrf_token": token}, files=files or None)


def test_the_office_sees_its_plans_with_their_state(client) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert DT_PLAN in page.text and YK_PLAN not in page.text
    assert "đang thực hiện" in page.text


def test_a_broken_plan_shows_line_and_path_and_changes_nothing(client, console_settings) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    before = sorted(p.name for p in console_settings.plans_dir.iterdir())
    response = post(client, f"{PAGE}/tai-len", tep=("moi.yaml", BROKEN.encode()))
    assert response.status_code == 400
    errors = response.text.split('id="loi-ke-hoach"')[1].split("</ul>")[0]
    assert "moi.yaml, dòng " in errors and "tasks[0]" in errors
    assert sorted(p.name for p in console_settings.plans_dir.iterdir()) == before
    assert "2026-stp-dt-moi" not in client.get(PAGE).text


def test_a_valid_upload_replaces_the_plan(client, console_settings) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    path = console_settings.plans_dir / f"{DT_PLAN}.yaml"
    text = path.read_text(encoding="utf-8") + "\n# đã sửa trong trình duyệt\n"
    response = post(client, f"{PAGE}/tai-len", tep=(path.name, text.encode()))
    assert response.status_code == 303, response.text
    assert path.read_text(encoding="utf-8").endswith("# đã sửa trong trình duyệt\n")


def test_pause_and_resume(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    assert post(client, f"{PAGE}/{DT_PLAN}/tam-dung").status_code == 303
    assert plan_states(engine)[DT_PLAN] == PlanState.PAUSED
    assert "tạm dừng" in client.get(PAGE).text
    assert post(client, f"{PAGE}/{DT_PLAN}/tiep-tuc").status_code == 303
    assert plan_states(engine)[DT_PLAN] == PlanState.ACTIVE


def test_another_offices_plan_is_not_found_and_csrf_is_required(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    assert post(client, f"{PAGE}/{YK_PLAN}/tam-dung").status_code == 404
    assert client.post(f"{PAGE}/{DT_PLAN}/tam-dung", data={"csrf_token": "gia-mao"}).status_code == 403
    assert YK_PLAN not in plan_states(engine) and DT_PLAN not in plan_states(engine)


def test_the_year_calendar_shows_what_kehoach_preview_lists(client, config) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    page = client.get(f"{PAGE}/{DT_PLAN}/lich", params={"nam": "2026"})
    assert page.status_code == 200
    found = YearPreview([config.plans[DT_PLAN]], 2026, config.directory, config.calendar([2026]))
    events = found.events()
    assert events and f"Tổng cộng {found.total} thông báo." in page.text
    first = events[0]
    month = page.text.split(f'id="thang-{first.day.month}"')[1].split("</table>")[0]
    assert first.subject in month
    assert client.get(f"{PAGE}/{YK_PLAN}/lich").status_code == 404


def test_an_upload_that_moves_a_due_date_moves_the_pending_reminders_at_once(  # type: ignore[no-untyped-def]
        client, console_settings, config, engine, clock) -> None:
    # Given the year synced this morning
    with session(engine) as s:
        sync_recorded(config, 2026, s, clock())

    def pending() -> dict[str, object]:
        with session(engine) as s:
            return {r.key: r.send_at for r in listing(s) if r.plan == DT_PLAN and r.status == "pending"}

    before = pending()
    # When the clerk uploads the plan with the Action Month report moved from 20/12 to 24/12
    log_in(client, "vt-dongthap")
    path = console_settings.plans_dir / f"{DT_PLAN}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("    due: 20/12\n") == 1
    response = post(client, f"{PAGE}/tai-len", tep=(path.name, text.replace("    due: 20/12\n", "    due: 24/12\n").encode()))
    assert response.status_code == 303, response.text
    # Then the pending reminders of that report have moved already, without waiting for a sync
    after = pending()
    assert [k for k in before if k in after and after[k] > before[k]]
