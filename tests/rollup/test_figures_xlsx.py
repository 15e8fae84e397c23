"""The roll-up's .xlsx is its CSV as an Excel sheet: figures as numbers, everything else as the text it is."""

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from kehoach.rollup.summary import figures_xlsx

TABLE = (
    "unit,unit_name,total,note\n"
    'dv-1,Đồng Tháp ,12,"x & y < z > ""q"""\n'
    "dv-2,  Thôn Đông,-3,\n"
    "dv-3,=HYPERLINK(\"http://x\"),0123,#N/A\n"
    "dv-4,Trạm Y tế,99999999999999999,\t\n"
)


def test_the_sheet_reads_back_as_the_csv_with_whole_numbers_as_numbers(tmp_path: Path) -> None:
    sheet = load_workbook(figures_xlsx(TABLE, tmp_path / "f.xlsx")).active
    assert sheet.title == "Số liệu" and sheet.column_dimensions["D"].width == 48
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["unit", "unit_name", "total", "note"]
    assert rows[1] == ["dv-1", "Đồng Tháp ", 12, 'x & y < z > "q"']
    assert rows[2] == ["dv-2", "  Thôn Đông", -3, None]
    # a name starting with "=" stays text (no formula from a unit's name), an error code too
    assert rows[3] == ["dv-3", '=HYPERLINK("http://x")', 123, "#N/A"]
    assert sheet["B4"].data_type == "s" and sheet["D4"].data_type == "s" and sheet["C4"].data_type == "n"
    assert rows[4] == ["dv-4", "Trạm Y tế", "99999999999999999", "\t"]  # too long for a number: text
    assert len(rows) == len(list(csv.reader(io.StringIO(TABLE))))
