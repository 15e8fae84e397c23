"""``kehoach contacts export|import``: the database's directory written back, an Excel sheet read in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kehoach.cli import app
from kehoach.plans.loader import load_directory
from tests import reporting_world as world


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    world.write_config(tmp_path / "config")
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    return tmp_path


def test_an_excel_edit_reaches_status_and_export_writes_contacts_yaml(env: Path) -> None:
    runner = CliRunner()
    # Given the directory exported as .xlsx and Thôn Tây's email filled in
    assert runner.invoke(app, ["contacts", "export", "--out", str(env / "danh-ba.xlsx")]).exit_code == 0
    wb = load_workbook(env / "danh-ba.xlsx")
    for row in wb["Đơn vị"].iter_rows(min_row=2):
        if row[0].value == "yk-thon-2":
            row[4].value = "tay@yetkieu.example"
    wb.save(env / "danh-ba.xlsx")
    # When it is imported
    done = runner.invoke(app, ["contacts", "import", str(env / "danh-ba.xlsx")])
    assert done.exit_code == 0, done.output
    assert "1 thay đổi" in done.output
    # Then `contacts export` writes the change back into config/contacts.yaml
    assert runner.invoke(app, ["contacts", "export"]).exit_code == 0
    assert load_directory(env / "config" / "contacts.yaml").unit("yk-thon-2").emails == ["tay@yetkieu.example"]


def test_a_bad_sheet_exits_1_with_row_numbered_errors_and_imports_nothing(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["contacts", "export", "--out", str(env / "danh-ba.xlsx")])
    wb = load_workbook(env / "danh-ba.xlsx")
    ws = wb["Đơn vị"]
    ws.cell(row=3, column=5).value = "sai@@email"
    ws.cell(row=4, column=2).value = "Đổi tên"  # a good change on a row of a sheet that is refused
    buf = io.BytesIO()
    wb.save(buf)
    (env / "loi.xlsx").write_bytes(buf.getvalue())
    result = runner.invoke(app, ["contacts", "import", str(env / "loi.xlsx")])
    assert result.exit_code == 1
    assert "Dòng 3: Email [0]: địa chỉ email 'sai@@email' không hợp lệ" in result.output
    assert "chưa nhập gì" in result.output
    runner.invoke(app, ["contacts", "export"])
    renamed = world.DIRECTORY["units"][2]["name"]
    assert load_directory(env / "config" / "contacts.yaml").units[2].name == renamed
