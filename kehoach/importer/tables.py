"""A table in a plan as the lines a typed plan would have.

A task table (STT | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian) becomes "1. …",
"- Đơn vị chủ trì: …" lines, so one set of rules reads tasks whether the plan lists them or
tabulates them; any other table becomes its cells' lines, row by row. Word tables reach here
from ``docx_reader.py``, Markdown pipe tables of a copied text from ``document.py``.
"""

from __future__ import annotations

from kehoach.importer.document import Line
from kehoach.importer.text import clean, words

# Column headings, folded, and the attribute line each column becomes.
_COLUMNS = {"chu tri": "Đơn vị chủ trì", "phoi hop": "Đơn vị phối hợp", "thoi gian": "Thời gian thực hiện",
            "thoi han": "Thời gian thực hiện", "tien do": "Thời gian thực hiện"}
_TITLES = ("noi dung", "nhiem vu", "hoat dong", "cong viec")


def table_lines(rows: list[list[str]]) -> list[Line]:
    if not rows:
        return []
    head = [words(c) for c in rows[0]]
    roles: dict[int, str] = {}
    title_col = None
    for i, h in enumerate(head):
        for key, attr in _COLUMNS.items():
            if key in h and i not in roles:
                roles[i] = attr
        if title_col is None and i not in roles and any(k in h for k in _TITLES):
            title_col = i
    if title_col is None or not roles:
        return [Line(clean(part)) for row in rows for c in row for part in c.split("\n") if clean(part)]
    lines: list[Line] = []
    count = 0
    for row in rows[1:]:
        title = clean(row[title_col]) if title_col < len(row) else ""
        if not title:
            continue
        count += 1
        first = clean(row[0]).rstrip(".") if title_col != 0 else ""
        lines.append(Line(f"{first if first.isdigit() else count}. {title}"))
        for i, attr in roles.items():
            if i < len(row) and clean(row[i]):
                lines.append(Line(f"- {attr}: {clean(row[i])}"))
    return lines
