"""Bad config files: every error is reported with its file, YAML path and line, none missed."""

from pathlib import Path

import pytest

from kehoach.plans.config import load_config
from kehoach.errors import PlanError
from kehoach.settings import Settings
from tests.factories import CONTACTS, PLAN, write_config


def load(tmp_path: Path, **files: str):
    cfg = write_config(tmp_path, **files)
    return load_config(Settings(config_dir=cfg))


def issues(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        load(tmp_path, **files)
    return [str(i) for i in info.value.issues]


def test_the_small_config_is_valid(tmp_path):
    cfg = load(tmp_path)
    assert list(cfg.plans) == ["2026-thu-nghiem"]
    assert [u.id for u in cfg.directory.resolve(["cac-don-vi"])] == ["van-phong", "phong-1", "phong-2"]


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    broken = PLAN.replace("title: Tuyên truyền", "title: [Tuyên truyền")
    found = issues(tmp_path, plan=broken)
    assert len(found) == 1
    assert "plan.yaml:" in found[0] and "lỗi cú pháp YAML" in found[0]


def test_unknown_unit_in_a_task_is_located(tmp_path):
    found = issues(tmp_path, plan=PLAN.replace("lead: [phong-1]", "lead: [phong-9]"))
    assert found == [f"{tmp_path}/config/plans/plan.yaml:16: tasks[0].lead[0]: "
                     "đơn vị 'phong-9' không có trong danh bạ đơn vị"]


def test_duplicate_unit_id_in_the_directory(tmp_path):
    dup = CONTACTS.replace("  - id: phong-2\n", "  - id: phong-1\n")
    found = issues(tmp_path, contacts=dup)
    assert any("contacts.yaml:20: units[4].id: mã đơn vị 'phong-1' bị trùng" in f for f in found)


def test_31_february_is_not_a_date(tmp_path):
    found = issues(tmp_path, plan=PLAN.replace("due: 05/12", "due: 31/02"))
    assert any(":25: reports[0].due: ngày 31/02 không tồn tại" in f for f in found), found


def test_invalid_email_and_phone_are_both_reported(tmp_path):
    bad = CONTACTS.replace("phong1@so.example", "phong1@@so").replace('"0900000002"', '"12345"')
    found = issues(tmp_path, contacts=bad)
    assert any("units[3].emails[0]" in f and "phong1@@so" in f and ":19:" in f for f in found), found
    assert any("units[4].zalo" in f and ":24:" in f and "'12345' không hợp lệ" in f for f in found), found


def test_unknown_cadence_lists_the_allowed_ones(tmp_path):
    found = issues(tmp_path, plan=PLAN.replace("cadence: thuong_xuyen", "cadence: hang_tuan"))
    assert len(found) == 1
    assert "tasks[0].cadence: giá trị 'hang_tuan' không hợp lệ" in found[0] and "thuong_xuyen" in found[0]


def test_every_error_is_reported_not_just_the_first(tmp_path):
    plan = (PLAN.replace("lead: [phong-1]", "lead: [phong-9]")
            .replace("cadence: thuong_xuyen", "cadence: hang_tuan")
            .replace("due: 05/12", "due: 31/02"))
    contacts = CONTACTS.replace('"0900000002"', '"12345"')
    found = issues(tmp_path, plan=plan, contacts=contacts)
    # the schema errors of the plan (cadence, date) and the directory's phone all appear;
    # references are checked once the schema is valid
    assert len(found) == 3, found
    assert {"cadence", "due", "zalo"} == {w for w in ("cadence", "due", "zalo") for f in found if w in f}


def test_misspelt_field_is_named(tmp_path):
    found = issues(tmp_path, plan=PLAN.replace("coordinating:", "cordinating:"))
    assert any("tasks[0].cordinating: trường không được hỗ trợ" in f for f in found)


def test_bad_calendar_override(tmp_path):
    found = issues(tmp_path, calendar="working_days:\n  - date: 29/02/2026\n    reason: x\n")
    assert any("calendar.yaml:2: working_days[0].date: ngày 29/02/2026 không tồn tại" in f for f in found), found
