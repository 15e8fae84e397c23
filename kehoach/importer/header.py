"""The header of a KẾ HOẠCH: issuing body, số and ký hiệu, place and date, title, parent plan.

Nghị định 30/2020 puts the issuing body top left (upper case), "Số: 12/KH-UBND" beneath it,
"Đồng Tháp, ngày 10 tháng 4 năm 2026" top right, then "KẾ HOẠCH" and the title. The first
paragraph usually cites the plan above ("Thực hiện Kế hoạch số … ngày … của …") and names the
issuer ("…, Sở Tư pháp xây dựng kế hoạch …"), which is where a copied text without the
two-column header still says who issues it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kehoach.importer.document import Line
from kehoach.importer.text import clean, fold, strip_accents, words

_NUMBER = re.compile(r"^s[oố]\s*:?\s*(\d*)\s*/\s*([A-Za-zĐđ0-9]+(?:\s*-\s*[A-Za-zĐđ0-9]+)*)", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^(.+?),\s*ngày\s*(\d{0,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)
_PARENT = re.compile(
    r"(?:thực hiện|căn cứ|triển khai)\s+(kế hoạch|quyết định|chỉ thị|công văn|nghị quyết|chương trình)\s+số\s+"
    r"([0-9A-Za-zĐđ/. -]+?)\s+ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s+của\s+([^.;]+?)(?:[.;]|$)",
    re.IGNORECASE)
_TITLE_START = re.compile(r"\s+(về việc|về|thực hiện|triển khai|ban hành|tổ chức|hướng dẫn|quy định|phê duyệt)\s",
                          re.IGNORECASE)
_ISSUER_IN_TEXT = re.compile(r"(?:^|[,.;]\s*)([^,.;]{3,80}?)\s+(?:xây dựng|ban hành)\s+(?:kế hoạch|Kế hoạch)",
                             re.IGNORECASE)
_STATE = ("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc")


@dataclass
class ParentPlanText:
    number: str
    date: str  # dd/mm/yyyy
    issuer: str
    title: str | None


@dataclass
class Header:
    issuer_phrase: str | None = None
    number: str | None = None
    symbol: str | None = None
    place: str | None = None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    title: str | None = None
    parent: ParentPlanText | None = None
    top: list[str] = field(default_factory=list)  # upper-case lines above "Số:" (parent body, issuing body)
    reviews: dict[str, str] = field(default_factory=dict)

    @property
    def issued(self) -> str | None:
        if self.month is None or self.year is None:
            return None
        day = f"ngày {self.day} " if self.day else ""
        return f"{day}tháng {self.month} năm {self.year}"


def read_header(lines: list[Line], closing: list[Line]) -> Header:
    """Every header field the text gives; the intro paragraph is part of ``lines``."""
    h = Header()
    top: list[str] = []
    title_next = False
    for line in lines:
        text = line.text
        if h.symbol is None and (m := _NUMBER.match(text)):
            h.number = m[1] or None
            h.symbol = re.sub(r"\s+", "", m[2]).upper()
            continue
        if h.month is None and (m := _PLACE_DATE.match(text)):
            h.place = clean(m[1])
            h.day = int(m[2]) if m[2] else None
            h.month, h.year = int(m[3]), int(m[4])
            continue
        if words(text) == "ke hoach":
            title_next = True
            continue
        if title_next and h.title is not None:
            title_next = False
            if line.bold and not _PARENT.search(text) and len(text) < 150:
                h.title = f"{h.title} {clean(text)}".rstrip(".")
                continue
        if title_next:
            h.title = clean(text).rstrip(".")
            title_next = line.bold
            continue
        if h.symbol is None and h.title is None and not words(text).startswith(_STATE) and text.isupper():
            top.append(clean(text))
        if h.parent is None and (m := _PARENT.search(text)):
            h.parent = _parent(m)
        if h.issuer_phrase is None and (m := _ISSUER_IN_TEXT.search(text)) and h.title is not None:
            h.issuer_phrase = _sentence_subject(m[1])
    h.top = [t.title() for t in top]
    if h.issuer_phrase is None:
        for line in closing:
            if m := re.search(r"kế hoạch .*? của (.+?)(?:\./\.|\.|$)", line.text, re.IGNORECASE):
                h.issuer_phrase = clean(m[1])
                break
    if h.day is None and h.month is not None:
        h.reviews["issued"] = "văn bản chưa ghi ngày ban hành"
    return h


def _parent(m: re.Match[str]) -> ParentPlanText:
    number = re.sub(r"\s*([/-])\s*", r"\1", clean(m[2])).rstrip(".")
    rest = re.split(r",\s*[^,]*?\s(?:xây dựng|ban hành)\s", clean(m[6]), flags=re.IGNORECASE)[0]
    issuer, title = rest, None
    if t := _TITLE_START.search(rest):
        issuer, title = rest[:t.start()].strip(), rest[t.start():].strip()
    return ParentPlanText(number, f"{int(m[3]):02d}/{int(m[4]):02d}/{m[5]}", issuer, title)


def _sentence_subject(phrase: str) -> str:
    """The body's name before "xây dựng kế hoạch", without a leading connective."""
    out = clean(phrase)
    folded = strip_accents(out).lower()
    for lead in ("theo do ", "vi vay ", "do do ", "nay "):
        if folded.startswith(lead):
            out = out[len(lead):]
    return out


def year_hint(text: str) -> int | None:
    """A "năm 2026" in the title, when the header's date has none."""
    m = re.search(r"nam (20\d\d)", fold(text))
    return int(m[1]) if m else None
