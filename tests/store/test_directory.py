"""The unit directory in the database: seed, edit with an audit trail, Excel in and out, YAML back.

Runs on SQLite and PostgreSQL (the store suite's ``engine`` fixture).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.plans.config import load_config
from kehoach.plans.directory_edit import DirectoryEditError, GroupValues, UnitValues, apply_changes
from kehoach.plans.directory_store import (
    directory_revision,
    ensure_directory,
    export_yaml,
    stored_directory,
    stored_groups,
    stored_units,
)
from kehoach.plans.directory_xlsx import COLUMNS, read_xlsx, write_xlsx
from kehoach.plans.live import LiveConfig
from kehoach.plans.loader import load_directory
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.directory_tables import DirectoryChange, DirectoryUnit
from tests import reporting_world as world

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN_TZ)


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> Settings:
    settings = Settings(config_dir=world.write_config(tmp_path / "config"), data_dir=tmp_path / "data")
    ensure_directory(engine, settings.contacts_file, NOW)
    return settings


def plans() -> list:  # type: ignore[type-arg]
    return [world.plan(), world.city_plan()]


def unit_row(engine: Engine, unit_id: str) -> DirectoryUnit:
    with session(engine) as s:
        return s.get(DirectoryUnit, unit_id)  # type: ignore[return-value]


def test_a_fresh_database_is_seeded_from_contacts_yaml_and_then_is_the_source(engine: Engine, seeded: Settings) -> None:
    # Given a database seeded from the world's contacts.yaml
    with session(engine) as s:
        found = stored_directory(s)
    # Then it holds the same units, groups and members as the file
    assert found is not None
    assert [u.id for u in found.units] == [u["id"] for u in world.DIRECTORY["units"]]
    assert [u.id for u in found.members("cac-thon-yk")] == ["yk-thon-1", "yk-thon-2"]
    assert found.unit("yk-tram-y-te").zalo == "84900000011"
    # When contacts.yaml changes afterwards, the database still answers (it is the source of truth)
    seeded.contacts_file.write_text('{"units": [{"id": "khac", "name": "Khác"}]}', encoding="utf-8")
    cfg = load_config(seeded, engine=engine, now=NOW)
    assert cfg.directory.has_unit("yk-cong-an") and not cfg.directory.has_unit("khac")


def test_editing_a_unit_writes_old_and_new_values_who_and_when(engine: Engine, seeded: Settings) -> None:
    # When the clerk changes Công an xã's email and adds a Zalo phone
    with session(engine) as s:
        changes = apply_changes(s, plans(), by="vanthu.yk", now=NOW, units=[UnitValues(
            "yk-cong-an", "Công an xã", "ubnd-xa-yet-kieu", [], ["Moi@YetKieu.example"], "0901 234 567")])
    # Then the row holds the normalised values and each changed field has one audit line
    row = unit_row(engine, "yk-cong-an")
    assert row.emails == ["Moi@yetkieu.example"] and row.zalo == "84901234567"
    assert {(c.field, c.old, c.new, c.by) for c in changes} == {
        ("emails", "ca@yetkieu.example", "Moi@yetkieu.example", "vanthu.yk"),
        ("zalo", None, "84901234567", "vanthu.yk"),
    }
    with session(engine) as s:
        stored = s.exec(select(DirectoryChange).where(DirectoryChange.object_id == "yk-cong-an")).all()
        assert len(stored) == 2 and all(c.at == NOW for c in stored)
        assert directory_revision(s) == max(c.id for c in stored)  # type: ignore[type-var]


def test_a_bad_email_or_phone_is_refused_and_nothing_changes(engine: Engine, seeded: Settings) -> None:
    with session(engine) as s, pytest.raises(DirectoryEditError) as exc:
        apply_changes(s, plans(), by="vanthu.yk", now=NOW, units=[UnitValues(
            "yk-cong-an", "Công an xã", "ubnd-xa-yet-kieu", [], ["khong-phai-email"], "12345")])
    assert any("Email [0]" in e and "khong-phai-email" in e for e in exc.value.errors)
    assert any("Zalo" in e and "12345" in e for e in exc.value.errors)
    assert unit_row(engine, "yk-cong-an").emails == ["ca@yetkieu.example"]


def test_deactivating_a_unit_a_plan_names_is_refused(engine: Engine, seeded: Settings) -> None:
    # Given the plan names Trạm Y tế xã among its reporting units
    with session(engine) as s, pytest.raises(DirectoryEditError) as exc:
        apply_changes(s, plans(), by="vanthu.yk", now=NOW, units=[UnitValues(
            "yk-tram-y-te", "Trạm Y tế xã", "ubnd-xa-yet-kieu", [], [], "0900000011", active=False)])
    assert any("kế hoạch 2026-xa-yet-kieu-bdg" in e and "yk-tram-y-te" in e for e in exc.value.errors)
    assert unit_row(engine, "yk-tram-y-te").active


def test_a_new_thon_joins_its_group_and_plans_reach_it(engine: Engine, seeded: Settings) -> None:
    # When a new thôn is added to the group "các thôn" the plan reports through
    with session(engine) as s:
        apply_changes(s, plans(), by="vanthu.yk", now=NOW, units=[UnitValues(
            "yk-thon-3", "Thôn Bắc", "ubnd-xa-yet-kieu", ["cac-thon-yk"], ["bac@yetkieu.example"])])
    # Then the loaded config's directory resolves the group with it
    cfg = load_config(seeded, engine=engine, now=NOW)
    assert [u.id for u in cfg.directory.resolve(["cac-thon-yk"])] == ["yk-thon-1", "yk-thon-2", "yk-thon-3"]
    # And deactivating it (no plan names it directly) drops it from the group
    with session(engine) as s:
        apply_changes(s, plans(), by="vanthu.yk", now=NOW, units=[UnitValues(
            "yk-thon-3", "Thôn Bắc", "ubnd-xa-yet-kieu", ["cac-thon-yk"], ["bac@yetkieu.example"], active=False)])
    cfg = load_config(seeded, engine=engine, now=NOW)
    assert [u.id for u in cfg.directory.resolve(["cac-thon-yk"])] == ["yk-thon-1", "yk-thon-2"]


def test_unknown_parent_or_group_names_the_unit(engine: Engine, seeded: Settings) -> None:
    with session(engine) as s, pytest.raises(DirectoryEditError) as exc:
        apply_changes(s, plans(), by="x", now=NOW, units=[UnitValues("yk-moi", "Mới", "khong-co", ["nhom-la"])])
    assert "Đơn vị yk-moi: Đơn vị cấp trên: đơn vị cấp trên 'khong-co' không có trong danh bạ" in exc.value.errors
    assert any(e.startswith("Đơn vị yk-moi: Nhóm [0]") for e in exc.value.errors)


def test_the_sheet_round_trips_and_a_clean_sheet_updates_units_with_audit(engine: Engine, seeded: Settings) -> None:
    # Given the directory exported as .xlsx
    with session(engine) as s:
        data = write_xlsx(stored_units(s), stored_groups(s))
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Đơn vị"]
    assert [c.value for c in ws[1]] == list(COLUMNS.values())
    # When the office changes Thôn Tây's email in Excel and adds a group in the second sheet
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "yk-thon-2":
            row[4].value = "tay@yetkieu.example"
            row[3].value = "cac-thon-yk, thon-vung-cao"
    wb["Nhóm"].append(["thon-vung-cao", "Các thôn vùng cao"])
    buf = io.BytesIO()
    wb.save(buf)
    with session(engine) as s:
        units, groups = read_xlsx(buf.getvalue(), {u.id for u in stored_units(s)}, {g.id for g in stored_groups(s)})
        changes = apply_changes(s, plans(), by="vanthu.yk", now=NOW, source="xlsx", units=units, groups=groups)
    # Then only what changed is written, each with its audit line
    assert sorted((c.object_id, c.field) for c in changes) == [
        ("thon-vung-cao", "name"), ("yk-thon-2", "emails"), ("yk-thon-2", "groups")]
    assert unit_row(engine, "yk-thon-2").groups == ["cac-thon-yk", "thon-vung-cao"]


def sheet(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Đơn vị"
    ws.append(header or list(COLUMNS.values()))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_sheet_missing_a_column_is_refused_naming_it() -> None:
    header = [c for c in COLUMNS.values() if c != "Email"]
    with pytest.raises(DirectoryEditError) as exc:
        read_xlsx(sheet([["a", "A", "", "", "", ""]], header), set(), set())
    assert exc.value.errors == ["Trang “Đơn vị”, dòng 1: thiếu cột “Email”."]


def test_a_sheet_with_a_bad_email_and_a_duplicate_id_lists_row_numbered_errors() -> None:
    rows = [["yk-a", "Đơn vị A", "", "", "a@yetkieu.example", ""],
            ["yk-b", "Đơn vị B", "", "", "sai-email", ""],
            ["yk-a", "Đơn vị A lần hai", "", "", "", ""]]
    with pytest.raises(DirectoryEditError) as exc:
        read_xlsx(sheet(rows), set(), set())
    assert exc.value.errors[0].startswith("Dòng 3: Email [0]: địa chỉ email 'sai-email' không hợp lệ")
    assert exc.value.errors[1] == "Dòng 4: mã đơn vị “yk-a” trùng với dòng 2."


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(DirectoryEditError) as exc:
        read_xlsx(b"not a zip", set(), set())
    assert exc.value.errors == ["Tệp không phải bảng tính Excel (.xlsx) đọc được."]


def test_export_writes_a_contacts_yaml_that_loads_back(engine: Engine, seeded: Settings, tmp_path: Path) -> None:
    with session(engine) as s:
        apply_changes(s, plans(), by="x", now=NOW, units=[UnitValues(
            "yk-thon-2", "Thôn Tây", "ubnd-xa-yet-kieu", ["cac-thon-yk"], ["tay@yetkieu.example"], "0900000099")])
        n = export_yaml(s, tmp_path / "contacts.yaml")
    back = load_directory(tmp_path / "contacts.yaml")
    assert n == len(world.DIRECTORY["units"])
    assert back.unit("yk-thon-2").emails == ["tay@yetkieu.example"] and back.unit("yk-thon-2").zalo == "84900000099"


def test_a_live_config_sees_a_console_edit_without_restarting(engine: Engine, seeded: Settings) -> None:
    live = LiveConfig(seeded, engine)
    before = live.current(NOW)
    assert live.current(NOW) is before  # nothing changed: no reload
    with session(engine) as s:
        apply_changes(s, before.plans.values(), by="x", now=NOW, groups=[GroupValues("cac-thon-yk", "Các thôn")])
    assert live.current(NOW).directory.group("cac-thon-yk").name == "Các thôn"
