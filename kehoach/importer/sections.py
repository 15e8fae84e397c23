"""The Nghị định 30/2020 layout: header, sections I, II, III, IV …, then the closing.

A section is recognised by its Roman numeral and an upper-case (or bold) heading, and its
role by the heading's words, so "II. NỘI DUNG THỰC HIỆN", "II. NHIỆM VỤ TRỌNG TÂM NĂM 2026"
and "II. NHIỆM VỤ VÀ GIẢI PHÁP" are all task sections wherever they stand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from kehoach.importer.document import Line
from kehoach.importer.errors import DocumentError
from kehoach.importer.text import fold, words


class Kind(StrEnum):
    PURPOSE = "purpose"  # I. MỤC ĐÍCH, YÊU CẦU
    TARGETS = "targets"  # MỤC TIÊU, CHỈ TIÊU: figures, not tasks
    OTHER = "other"  # a heading of no known kind: tasks only when the plan has no content section
    CONTENT = "content"  # NỘI DUNG / NHIỆM VỤ / GIẢI PHÁP: the tasks
    BUDGET = "budget"  # KINH PHÍ
    ORGANISATION = "organisation"  # TỔ CHỨC THỰC HIỆN: who does what


_KINDS = (
    (Kind.ORGANISATION, ("to chuc thuc hien", "trach nhiem thuc hien", "phan cong thuc hien")),
    (Kind.BUDGET, ("kinh phi",)),
    (Kind.PURPOSE, ("muc dich", "yeu cau")),
    (Kind.TARGETS, ("muc tieu", "chi tieu")),
    (Kind.CONTENT, ("noi dung", "nhiem vu", "giai phap", "hoat dong", "cong viec")),
)
_HEADING = re.compile(r"^([IVXL]+)\s*[.)/]\s*(\S.*)$")
_CLOSING = ("tren day la", "noi nhan")


@dataclass
class Section:
    number: str
    title: str
    kind: Kind
    lines: list[Line] = field(default_factory=list)


@dataclass
class Layout:
    header: list[Line]
    sections: list[Section]
    closing: list[Line]

    def of(self, kind: Kind) -> list[Section]:
        return [s for s in self.sections if s.kind is kind]


def split(lines: list[Line], name: str) -> Layout:
    """Cut the document into header, sections and closing; refuse what is not a KẾ HOẠCH."""
    header: list[Line] = []
    sections: list[Section] = []
    closing: list[Line] = []
    for line in lines:
        if closing or (sections and fold(line.text).lstrip("-* ").startswith(_CLOSING)):
            closing.append(line)
            continue
        heading = _heading(line)
        if heading is not None:
            sections.append(heading)
        elif sections:
            sections[-1].lines.append(line)
        else:
            header.append(line)
    if not any(s.kind is Kind.CONTENT for s in sections):
        for s in sections:
            if s.kind is Kind.OTHER:
                s.kind = Kind.CONTENT
    if not any(words(line.text) == "ke hoach" for line in header):
        raise DocumentError(name, "tài liệu không phải một KẾ HOẠCH: không có dòng tiêu đề \"KẾ HOẠCH\" ở đầu văn bản")
    if not any(s.kind is Kind.CONTENT for s in sections):
        raise DocumentError(name, "không tìm thấy phần nội dung, nhiệm vụ (ví dụ \"II. NỘI DUNG THỰC HIỆN\") "
                                  "theo thể thức Nghị định 30/2020")
    return Layout(header, sections, closing)


def _heading(line: Line) -> Section | None:
    m = _HEADING.match(line.text)
    if not m:
        return None
    title = m[2].strip()
    letters = [c for c in title if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    folded = words(title)
    kind = next((kind for kind, keys in _KINDS if any(k in folded for k in keys)), None)
    shouts = bool(letters) and (upper >= 0.6 * len(letters) or line.bold)
    if kind is not None and (shouts or len(title.split()) <= 8):
        return Section(m[1], title, kind)
    return Section(m[1], title, Kind.OTHER) if shouts else None
