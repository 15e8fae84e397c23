"""A task due every year of a 2026–2030 plan is recorded done once per year: 2026 done leaves 2027 chased."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from kehoach.calendar import VN_TZ
from kehoach.expansion.sync import sync
from kehoach.plans.config import Config
from kehoach.plans.model import Plan
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Outbox
from kehoach.submissions.links import make_link
from kehoach.submissions.record import record_submission
from kehoach.submissions.task_done import DONE, task_statuses
from kehoach.submissions.tracking import submitted_units
from tests import reporting_world as world
from tests.web.portal.conftest import NOW

YEARLY: dict[str, Any] = {
    "id": "t9", "section": "II.9", "title": "Tự đánh giá kết quả thực hiện công tác bình đẳng giới của năm",
    "content": ["Tự đánh giá, gửi kết quả về Phòng Văn hóa - Xã hội"],
    "lead": ["yk-cong-an", "yk-tram-y-te"], "cadence": "theo_thoi_han", "due": "28/12",
}
ONCE: dict[str, Any] = YEARLY | {"id": "t10", "title": "Sơ kết 3 năm thực hiện Kế hoạch", "due": "30/06/2028"}
FAR = 3 * 366  # days: a horizon past 2028, every year these tests sync (they are about completions, not the horizon)
BARE, Y2026, Y2027, ONCE_PERIOD = "hoan-thanh-t9", "hoan-thanh-t9-2026", "hoan-thanh-t9-2027", "hoan-thanh-t10"


@pytest.fixture
def config() -> Config:
    p = Plan.model_validate(world.PLAN | {"years": "2026–2030", "tasks": [*world.PLAN["tasks"], YEARLY, ONCE]})
    return Config(world.directory(), {p.id: p})


def periods(engine: Engine, unit: str) -> dict[str, set[str]]:
    """The unit's task reminder rows: completion period -> statuses."""
    out: dict[str, set[str]] = {}
    with session(engine) as s:
        for r in s.exec(select(Outbox).where(Outbox.unit == unit, Outbox.kind == "task_reminder")):
            if r.period and r.period.startswith("hoan-thanh-"):
                out.setdefault(r.period, set()).add(r.status)
    return out


def post_done(client: TestClient, settings: Settings, period: str, unit: str = "yk-cong-an") -> Any:
    url = make_link(settings, world.PLAN_ID, unit, period, NOW + timedelta(days=30)).removeprefix("http://testserver")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(url).text)
    assert token
    return client.post(url, data={"csrf_token": token[1], "ghi_chu": "Đã tự đánh giá, gửi kèm kết quả"},
                       files={"tep_dinh_kem": ("ket-qua.docx", BytesIO(b"PK\x03\x04" + b"\x00" * 100))})


def test_each_year_has_its_own_completion_and_a_one_off_task_keeps_its_id(config: Config, engine: Engine) -> None:
    with session(engine) as s:
        sync(config, 2026, s, NOW, days=FAR)
        sync(config, 2028, s, NOW, days=FAR)
    mine = periods(engine, "yk-cong-an")
    assert {Y2026, "hoan-thanh-t9-2028", ONCE_PERIOD} <= set(mine)
    assert BARE not in mine and "hoan-thanh-t10-2028" not in mine


def test_completing_2026_does_not_silence_2027(
    client: TestClient, portal_settings: Settings, config: Config, engine: Engine,
) -> None:
    with session(engine) as s:
        sync(config, 2026, s, NOW, days=FAR)
    r = post_done(client, portal_settings, Y2026)
    assert r.status_code == 200 and "Đúng hạn" in r.text
    with session(engine) as s:
        sync(config, 2027, s, NOW + timedelta(days=1), days=FAR)
        assert submitted_units(s, world.PLAN_ID, Y2026) == {"yk-cong-an"}
        assert submitted_units(s, world.PLAN_ID, Y2027) == set()
        done_2027 = {st.unit: st.done_at for st in task_statuses(s, config, config.plans[world.PLAN_ID], 2027)
                     if st.task.id == "t9"}
    mine = periods(engine, "yk-cong-an")
    assert mine[Y2026] == {"skipped"} and mine[Y2027] == {"pending"}
    assert done_2027 == {"yk-cong-an": None, "yk-tram-y-te": None}


def test_a_record_under_the_old_bare_id_still_counts_for_the_year_it_answered(
    client: TestClient, portal_settings: Settings, config: Config, engine: Engine,
) -> None:
    # Given Trạm Y tế recorded the yearly task done in 12/2026 under the id every year shared
    with session(engine) as s:
        record_submission(s, portal_settings.data_dir, plan_id=world.PLAN_ID, period=BARE, unit_id="yk-tram-y-te",
                          values={"ghi_chu": "Đã tự đánh giá"}, now=NOW, source="portal")
    # When the daily sync runs
    with session(engine) as s:
        sync(config, 2026, s, NOW, days=FAR)
        sync(config, 2027, s, NOW, days=FAR)
        stored = s.exec(select(Submission).where(Submission.unit == "yk-tram-y-te")).one()
        statuses = {st.unit: st for st in task_statuses(s, config, config.plans[world.PLAN_ID], 2026)
                    if st.task.id == "t9"}
    # Then it counts as 2026 done (on time), and 2027 is still asked of it
    assert stored.period == Y2026 and stored.version == 1
    assert statuses["yk-tram-y-te"].on_time is True and statuses["yk-cong-an"].done_at is None
    mine = periods(engine, "yk-tram-y-te")
    assert Y2026 in mine and mine[Y2027] == {"pending"}
    # and a reminder sent with the old bare link still records the occurrence it answers (2026 here)
    assert post_done(client, portal_settings, BARE, "yk-cong-an").status_code == 200
    with session(engine) as s:
        assert submitted_units(s, world.PLAN_ID, Y2026) == {"yk-cong-an", "yk-tram-y-te"}
        assert s.exec(select(Submission).where(Submission.period == BARE)).all() == []
        skipped = s.exec(select(Outbox).where(Outbox.unit == "yk-cong-an", Outbox.period == Y2026)).all()
    assert skipped and all(r.status == "skipped" and r.last_error == DONE for r in skipped)


def test_a_late_record_of_a_yearly_task_is_late_against_that_years_deadline(
    portal_settings: Settings, config: Config, engine: Engine,
) -> None:
    from kehoach.web.app import create_app
    late = datetime(2027, 1, 5, 9, 0, tzinfo=VN_TZ)
    with TestClient(create_app(portal_settings, config, engine, clock=lambda: late)) as c:
        url = make_link(portal_settings, world.PLAN_ID, "yk-cong-an", Y2026,
                        late + timedelta(days=3)).removeprefix("http://testserver")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', c.get(url).text)
        assert token
        r = c.post(url, data={"csrf_token": token[1], "ghi_chu": "Đã tự đánh giá"})
    assert r.status_code == 200 and "Hoàn thành muộn" in r.text
    with session(engine) as s:
        assert submitted_units(s, world.PLAN_ID, Y2026) == {"yk-cong-an"}
