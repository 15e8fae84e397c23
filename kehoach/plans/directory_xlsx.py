"""The directory as an Excel sheet (.xlsx, one row per unit): how offices keep contact lists.

Export writes the sheet "Đơn vị" (one row per unit, lists separated by ", ") and a sheet
"Nhóm" of the groups. Import reads them back into ``UnitValues``: a missing column, a bad
email or phone, a duplicate unit id, an unknown parent or group is an error naming its row,
and the caller imports nothing unless the whole sheet is clean.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from kehoach.plans.directory_edit import DirectoryEditError, GroupValues, UnitValues, unit_errors
from kehoach.store.directory_tables import DirectoryGroup, DirectoryUnit

UNIT_SHEET, GROUP_SHEET = "Đơn vị", "Nhóm"
COLUMNS = {"id": "Mã đơn vị", "name": "Tên đơn vị", "parent": "Mã đơn vị cấp trên", "groups": "Nhóm",
           "emails": "Email", "zalo": "Zalo", "active": "Đang hoạt động"}
REQUIRED = ("id", "name", "parent", "groups", "emails", "zalo")
GROUP_COLUMNS = {"id": "Mã nhóm", "name": "Tên nhóm"}
_SPLIT = re.compile(r"[,;\n]")
_YES, _NO = {"có", "co", "x", "1", "true", "yes"}, {"không", "khong", "0", "false", "no"}


def write_xlsx(units: Iterable[DirectoryUnit], groups: Iterable[DirectoryGroup]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = UNIT_SHEET
    ws.append(list(COLUMNS.values()))
    for u in units:
        phone = "0" + u.zalo.removeprefix("84") if u.zalo else ""
        ws.append([u.id, u.name, u.parent or "", ", ".join(u.groups), ", ".join(u.emails), phone,
                   "có" if u.active else "không"])
    gs = wb.create_sheet(GROUP_SHEET)
    gs.append(list(GROUP_COLUMNS.values()))
    for g in groups:
        gs.append([g.id, g.name])
    for sheet, widths in ((ws, (28, 48, 28, 28, 40, 14, 14)), (gs, (28, 48))):
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header(rows: list[tuple[object, ...]], columns: dict[str, str], required: Iterable[str],
            sheet: str) -> tuple[dict[str, int], list[str]]:
    header = [_cell(c).lower() for c in rows[0]] if rows else []
    where: dict[str, int] = {}
    errors = []
    for key, title in columns.items():
        if title.lower() in header:
            where[key] = header.index(title.lower())
        elif key in required:
            errors.append(f"Trang “{sheet}”, dòng 1: thiếu cột “{title}”.")
    return where, errors


def read_xlsx(data: bytes, known_units: set[str], known_groups: set[str]) -> tuple[list[UnitValues], list[GroupValues]]:
    """The sheet's units and groups; DirectoryEditError listing every row-numbered error otherwise."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise DirectoryEditError(["Tệp không phải bảng tính Excel (.xlsx) đọc được."]) from None
    if UNIT_SHEET not in wb.sheetnames:
        raise DirectoryEditError([f"Không có trang “{UNIT_SHEET}” trong tệp (các trang: {', '.join(wb.sheetnames)})."])
    groups, errors = _read_groups(wb)
    rows = list(wb[UNIT_SHEET].iter_rows(values_only=True))
    where, header_errors = _header(rows, COLUMNS, REQUIRED, UNIT_SHEET)
    if header_errors:
        raise DirectoryEditError(header_errors + errors)
    sheet_ids = {_cell(r[where["id"]]) for r in rows[1:] if len(r) > where["id"]}
    group_ids = known_groups | {g.id for g in groups}
    units: list[UnitValues] = []
    first_row: dict[str, int] = {}
    for n, raw in enumerate(rows[1:], start=2):
        cells = {k: _cell(raw[i]) if i < len(raw) else "" for k, i in where.items()}
        if not any(cells.values()):
            continue
        at = f"Dòng {n}: "
        uid = cells["id"]
        if not uid:
            errors.append(f"{at}thiếu mã đơn vị.")
            continue
        if uid in first_row:
            errors.append(f"{at}mã đơn vị “{uid}” trùng với dòng {first_row[uid]}.")
            continue
        first_row[uid] = n
        active_text = cells.get("active", "").lower()
        if active_text and active_text not in _YES | _NO:
            errors.append(f"{at}cột “{COLUMNS['active']}” phải là “có” hoặc “không”, không phải “{cells['active']}”.")
        values = UnitValues(
            id=uid, name=cells["name"], parent=cells["parent"] or None,
            groups=[g.strip() for g in _SPLIT.split(cells["groups"]) if g.strip()],
            emails=[e.strip() for e in _SPLIT.split(cells["emails"]) if e.strip()],
            zalo=cells["zalo"] or None, active=active_text not in _NO,
        )
        errors += unit_errors(values, at)
        if values.parent and values.parent not in known_units | sheet_ids:
            errors.append(f"{at}đơn vị cấp trên “{values.parent}” không có trong danh bạ.")
        errors += [f"{at}nhóm “{g}” chưa có trong danh bạ." for g in values.groups if g not in group_ids]
        units.append(values)
    if errors:
        raise DirectoryEditError(errors)
    return units, groups


def _read_groups(wb: object) -> tuple[list[GroupValues], list[str]]:
    """The optional "Nhóm" sheet: new groups and renamed ones."""
    if GROUP_SHEET not in wb.sheetnames:  # type: ignore[attr-defined]
        return [], []
    rows = list(wb[GROUP_SHEET].iter_rows(values_only=True))  # type: ignore[index]
    where, errors = _header(rows, GROUP_COLUMNS, GROUP_COLUMNS, GROUP_SHEET)
    if errors:
        return [], errors
    groups, seen = [], {}
    for n, raw in enumerate(rows[1:], start=2):
        gid, name = (_cell(raw[where[k]]) if where[k] < len(raw) else "" for k in ("id", "name"))
        if not gid and not name:
            continue
        at = f"Trang “{GROUP_SHEET}”, dòng {n}: "
        if not gid or not name:
            errors.append(f"{at}cần cả mã nhóm và tên nhóm.")
        elif gid in seen:
            errors.append(f"{at}mã nhóm “{gid}” trùng với dòng {seen[gid]}.")
        else:
            seen[gid] = n
            groups.append(GroupValues(gid, name))
    return groups, errors
