"""A dated task's lead records it done through its signed link: that unit's rows stop, no other's."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from kehoach.cli import app

from kehoach.expansion.sync import sync
from kehoach.plans.config import Config
from kehoach.plans.model import Plan
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.submission_tables import Attachment, Submission
from kehoach.store.tables import Outbox
from kehoach.submissions.links import make_link
from kehoach.submissions.task_done import DONE
from tests import reporting_world as world
from tests.web.portal.conftest import NOW

TASK_PERIOD = "hoan-thanh-t9"
FAR = 60  # days: a horizon holding the task's whole ladder, to 28/12 and the escalations after (not what is tested)
DOCX = b"PK\x03\x04" + b"\x00" * 100
DATED: dict[str, Any] = {
    "id": "t9", "section": "II.9", "title": "Rà soát, cập nhật dữ liệu về bình đẳng giới",
    "content": ["Rà soát số liệu về bình đẳng giới năm 2026", "Gửi kết quả rà soát về Phòng Văn hóa - Xã hội"],
    "lead": ["yk-cong-an", "yk-tram-y-te"], "cadence": "theo_thoi_han", "due": "28/12/2026",
}


def dated_plan() -> Plan:
    return Plan.model_validate(world.PLAN | {"tasks": [*world.PLAN["tasks"], DATED]})


@pytest.fixture
def config() -> Config:
    p, c = dated_plan(), world.city_plan()
    return Config(world.directory(), {p.id: p, c.id: c})


def link(settings: Settings, unit: str = "yk-cong-an") -> str:
    return make_link(settings, world.PLAN_ID, unit, TASK_PERIOD, NOW + timedelta(days=30)).removeprefix("http://testserver")


def rows(engine: Engine) -> list[Outbox]:
    with session(engine) as s:
        return list(s.exec(select(Outbox).where(Outbox.period == TASK_PERIOD)))


def post_done(client: TestClient, url: str, note: str = "Đã rà soát xong, số liệu gửi kèm") -> Any:
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(url).text)
    assert token
    return client.post(url, data={"csrf_token": token[1], "ghi_chu": note},
                       files={"tep_dinh_kem": ("ket-qua.docx", BytesIO(DOCX))})


def test_the_page_shows_the_task_its_content_and_deadline(client: TestClient, portal_settings: Settings) -> None:
    r = client.get(link(portal_settings))
    assert r.status_code == 200
    assert "Báo cáo hoàn thành nhiệm vụ" in r.text and DATED["title"] in r.text
    assert all(line in r.text for line in DATED["content"]) and "28/12/2026" in r.text


def test_posting_done_stops_that_units_rows_only_and_sync_keeps_them_skipped(
    client: TestClient, portal_settings: Settings, config: Config, engine: Engine,
) -> None:
    with session(engine) as s:
        sync(config, 2026, s, NOW, days=FAR)
    before = rows(engine)
    assert {r.unit for r in before if r.status == "pending"} >= {"yk-cong-an", "yk-tram-y-te"}
    r = post_done(client, link(portal_settings))
    assert r.status_code == 200 and "Đã ghi nhận hoàn thành nhiệm vụ" in r.text and "Đúng hạn" in r.text
    after = rows(engine)
    mine = [r for r in after if r.unit == "yk-cong-an"]
    assert mine and all(r.status == "skipped" and r.last_error == DONE for r in mine)
    assert all(r.status == "pending" for r in after if r.unit == "yk-tram-y-te")
    escalations = [r for r in after if r.kind == "escalation"]
    assert escalations and all(r.status == "pending" for r in escalations)  # Trạm Y tế has not reported
    with session(engine) as s:
        sync(config, 2026, s, NOW + timedelta(days=1), days=FAR)
    assert [(r.key, r.status) for r in rows(engine) if r.unit == "yk-cong-an"] == [(r.key, r.status) for r in mine]
    with session(engine) as s:
        stored = s.exec(select(Submission).where(Submission.period == TASK_PERIOD)).one()
        assert stored.unit == "yk-cong-an" and stored.values["ghi_chu"].startswith("Đã rà soát")
        assert [a.filename for a in s.exec(select(Attachment))] == ["ket-qua.docx"]
    # and once the other lead records it done too, the office's escalations stop as well
    assert post_done(client, link(portal_settings, "yk-tram-y-te")).status_code == 200
    assert all(r.status == "skipped" and r.last_error == DONE for r in rows(engine) if r.kind == "escalation")


def test_a_late_completion_says_so(portal_settings: Settings, config: Config, engine: Engine) -> None:
    from kehoach.web.app import create_app
    late = NOW.replace(month=12, day=31)
    with TestClient(create_app(portal_settings, config, engine, clock=lambda: late)) as c:
        url = make_link(portal_settings, world.PLAN_ID, "yk-cong-an", TASK_PERIOD,
                        late + timedelta(days=3)).removeprefix("http://testserver")
        r = post_done(c, url)
    assert r.status_code == 200 and "Hoàn thành muộn" in r.text


def test_tampered_link_is_403_and_oversized_file_is_413_with_nothing_stored(
    client: TestClient, portal_settings: Settings, engine: Engine,
) -> None:
    url = link(portal_settings)
    assert client.get(url.replace("yk-cong-an", "yk-tram-y-te")).status_code == 403
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(url).text)
    assert token
    big = b"PK" + b"\x00" * (1024 * 1024 + 10)
    r = client.post(url, data={"csrf_token": token[1], "ghi_chu": "xong"},
                    files={"tep_dinh_kem": ("lon.docx", BytesIO(big))})
    assert r.status_code == 413
    with session(engine) as s:
        assert list(s.exec(select(Submission))) == []


def test_a_unit_that_does_not_lead_the_task_cannot_record_it(client: TestClient, portal_settings: Settings) -> None:
    assert client.get(link(portal_settings, "yk-vhxh")).status_code == 404


def test_task_status_shows_the_task_done_by_its_lead_and_not_yet_by_the_other(
    client: TestClient, portal_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the plan with its dated task as config files, sharing the portal's database
    config_dir = world.write_config(tmp_path / "config")
    (config_dir / "plans" / f"{world.PLAN_ID}.yaml").write_text(
        json.dumps(world.PLAN | {"tasks": [*world.PLAN["tasks"], DATED]}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(portal_settings.data_dir))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    # When Công an xã records the task done through its link
    assert post_done(client, link(portal_settings)).status_code == 200
    # Then task-status shows it done on time with its note, and Trạm Y tế not yet
    result = CliRunner().invoke(app, ["task-status", "--plan", world.PLAN_ID, "--year", "2026"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    done = next(line for line in lines if "Công an" in line)
    assert "Đã hoàn thành 01/12/2026 (Đúng hạn)" in done and "Đã rà soát xong" in done
    assert "Chưa báo cáo hoàn thành" in next(line for line in lines if "Trạm Y tế" in line)
