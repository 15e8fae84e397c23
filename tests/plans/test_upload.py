"""A plan uploaded in the console: every error with line and path, nothing written unless valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kehoach.errors import PlanError
from kehoach.expansion.preview import YearPreview, month_weeks
from kehoach.plans.upload import check_upload, write_plan
from kehoach.settings import REPO_ROOT
from tests import reporting_world as world

SEED = REPO_ROOT / "config" / "plans" / "2026-xa-yet-kieu-bdg.yaml"


def plan_yaml(**changes: object) -> bytes:
    data = dict(world.PLAN) | changes
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def test_a_valid_plan_is_written_atomically_under_its_id(tmp_path: Path) -> None:
    plans_dir = tmp_path / "plans"
    data = plan_yaml(id="2027-xa-yet-kieu-bdg", year=2027)
    plan = check_upload(data, "kh.yaml", world.directory(), {}, plans_dir, office="yk-vhxh")
    path = write_plan(plans_dir, plan, data)
    assert path == plans_dir / "2027-xa-yet-kieu-bdg.yaml" and path.read_bytes() == data
    assert [p.name for p in plans_dir.iterdir()] == ["2027-xa-yet-kieu-bdg.yaml"]  # no temporary left behind


def test_a_broken_plan_lists_every_error_with_line_and_path(tmp_path: Path) -> None:
    # Given the seed plan with an unknown lead unit on a known line
    text = SEED.read_text(encoding="utf-8")
    data = YAML(typ="rt").load(text)
    lead_line = data["tasks"][0].lc.key("lead")[0] + 1
    broken = text.replace(f"lead: [{data['tasks'][0]['lead'][0]}]", "lead: [khong-co-don-vi]", 1)
    from kehoach.plans.loader import load_directory

    with pytest.raises(PlanError) as exc:
        check_upload(broken.encode(), "kh-loi.yaml", load_directory(REPO_ROOT / "config" / "contacts.yaml"), {},
                     tmp_path, office=None)
    (issue,) = exc.value.issues
    assert (issue.file, issue.line, issue.path) == ("kh-loi.yaml", lead_line, "tasks[0].lead[0]")
    assert "khong-co-don-vi" in issue.message
    assert not any(tmp_path.iterdir())


def test_syntax_error_schema_error_and_foreign_office_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as exc:
        check_upload(b"id: [a\ntitle: x\n", "a.yaml", world.directory(), {}, tmp_path, office=None)
    assert exc.value.issues[0].line == 2 and "lỗi cú pháp YAML" in exc.value.issues[0].message
    with pytest.raises(PlanError) as exc:
        check_upload(plan_yaml(year="năm nay"), "a.yaml", world.directory(), {}, tmp_path, office=None)
    assert [(i.path, i.message) for i in exc.value.issues] == [("year", "cần một số nguyên")]
    # a clerk of the city cannot upload the commune's plan
    with pytest.raises(PlanError) as exc:
        check_upload(plan_yaml(), "a.yaml", world.directory(), {}, tmp_path, office="phong-vhxh-tp")
    assert "không phải văn phòng của bạn" in exc.value.issues[0].message
    # an id that another file already holds
    with pytest.raises(PlanError) as exc:
        check_upload(plan_yaml(), "a.yaml", world.directory(), {world.PLAN_ID: world.plan()}, tmp_path, office=None)
    assert exc.value.issues[0].message == f"mã kế hoạch '{world.PLAN_ID}' đã dùng ở tệp khác"


def test_the_calendar_groups_the_preview_by_day_and_event() -> None:
    from kehoach.calendar import build_calendar

    found = YearPreview([world.plan()], 2026, world.directory(), build_calendar([2026]))
    notes, events = list(found.notifications()), found.events()
    # the due date 05/12/2026 is a Saturday: the "due today" event is on Friday 04/12, to all five units
    (due,) = [e for e in events if e.kind == "report_due" and e.day.month == 12 and "bình đẳng giới" in e.subject]
    assert str(due.day) == "2026-12-04" and due.kind_label == "Hạn báo cáo"
    assert due.units == ("yk-cong-an", "yk-thon-1", "yk-thon-2", "yk-tram-y-te", "yk-vhxh")
    assert due.recipients({"yk-cong-an": "Công an xã"}) == "Công an xã, yk-thon-1, yk-thon-2 và 2 đơn vị khác"
    # every notification belongs to exactly one event
    assert {(n.send_at.date(), n.kind.value, n.subject, n.unit) for n in notes} == {
        (e.day, e.kind, e.subject, u) for e in events for u in e.units}
    weeks = month_weeks(2026, 12)
    assert weeks[0][0] is None and str(weeks[0][1]) == "2026-12-01"  # 1/12/2026 is a Tuesday
