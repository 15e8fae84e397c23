"""Numbered items of a section ("1.", "1.1.", "a)") with their content and attribute lines.

An attribute line is one of the labelled lines plans put under an item: "Đơn vị chủ trì:",
"- Đơn vị chủ trì thực hiện:", "Cơ quan phối hợp:", "Thời gian thực hiện:", "Thời hạn:".
Everything else under an item is its content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kehoach.importer.document import Line
from kehoach.importer.text import clean, fold

_LEVEL1 = re.compile(r"^(\d{1,3})\s*[.)](?!\d)\s*(.*)$")
_LEVEL2 = re.compile(r"^(\d{1,3}\.\d{1,2})\.?(?!\d)\s+(.*)$")
_LETTER = re.compile(r"^([a-zđ])\s*[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-–•+*]\s*")

ATTRIBUTES = {
    "lead": re.compile(r"^(?:(?:don vi|co quan|bo phan|phong)\s+)?(?:chu tri|thuc hien chinh|thuc hien)"
                       r"(?:\s+thuc hien)?\s*:"),
    "coordinating": re.compile(r"^(?:(?:don vi|co quan|bo phan)\s+)?phoi hop(?:\s+thuc hien)?\s*:"),
    "timing": re.compile(r"^(?:thoi gian|thoi han|tien do)(?:\s+(?:thuc hien|hoan thanh|bao cao))?\s*:"),
}
_INLINE_COORD = re.compile(r"[;.,]\s*(?:(?:don vi|co quan)\s+)?phoi hop(?:\s+thuc hien)?\s*:")


@dataclass
class Item:
    number: str
    title: str
    bold: bool = False
    body: list[str] = field(default_factory=list)
    attrs: dict[str, list[str]] = field(default_factory=dict)
    children: list[Item] = field(default_factory=list)


def parse_items(lines: list[Line]) -> tuple[list[str], list[Item]]:
    """The section's preamble lines and its numbered items, sub-items nested under them."""
    preamble: list[str] = []
    items: list[Item] = []
    current: Item | None = None
    for line in lines:
        text = line.text
        if m := _LEVEL2.match(text):
            parent = items[-1] if items else None
            current = Item(m[1], clean(m[2]), line.bold)
            (parent.children if parent else items).append(current)
        elif (m := _LEVEL1.match(text)) and not (items and _LEVEL1.match(text) and _is_list_inside(items[-1], m)):
            current = Item(m[1], clean(m[2]), line.bold)
            items.append(current)
        elif (m := _LETTER.match(text)) and items:
            current = Item(m[1], clean(m[2]), line.bold)
            items[-1].children.append(current)
        elif current is None:
            preamble.append(clean(_BULLET.sub("", text)))
        else:
            add_line(current, text)
    return preamble, items


def _is_list_inside(previous: Item, m: re.Match[str]) -> bool:
    """A "1." that restarts below item N (N > 1) is a list inside that item, not a new item."""
    return m[1] == "1" and previous.number.isdigit() and int(previous.number) > 1 and not previous.children


def add_line(item: Item, text: str) -> None:
    """A line under an item: an attribute when labelled, otherwise content."""
    body = clean(_BULLET.sub("", text))
    if not body:
        return
    folded = fold(body)
    for name, pattern in ATTRIBUTES.items():
        if m := pattern.match(folded):
            value = body[m.end():].strip()
            if name == "lead" and (inline := _INLINE_COORD.search(fold(value))):
                item.attrs.setdefault("coordinating", []).append(value[inline.end():].strip())
                value = value[:inline.start()]
            item.attrs.setdefault(name, []).append(value.strip())
            return
    item.body.append(body)
