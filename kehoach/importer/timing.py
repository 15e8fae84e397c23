"""Timing words → cadence and dates: "Thường xuyên", "hằng quý", "trước ngày 30/5",
"từ ngày 15/11 đến ngày 15/12", "trước ngày 10 của tháng cuối quý".

Dates are read as day/month with an optional year; a date written without a year and not
said to repeat ("hằng năm") is flagged for review by the caller. Clauses that each end by a
date of their own ("khảo sát trước ngày 30/6/2026; hoàn thành trước 15/12/2026") are a task's
milestones (``dated_steps``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kehoach.importer.text import clean, fold
from kehoach.plans.model import Cadence

_D = r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})(?!\d)(?:\s*/\s*(\d{4}))?"
RANGE = re.compile(rf"(?:tu\s+(?:ngay\s+)?)?{_D}\s*(?:-|–|den\s+(?:het\s+)?(?:ngay\s+)?)\s*{_D}")
BEFORE = re.compile(rf"(?:truoc|cham nhat|han chot|khong qua|khong muon hon|xong truoc)\s+(?:ngay\s+)?{_D}")
IN_QUARTER = re.compile(r"(?:truoc\s+)?ngay\s+(\d{1,2})\s+(?:cua\s+)?thang\s+(cuoi|dau)\s+(?:moi\s+)?quy")
IN_MONTH = re.compile(r"(?:truoc\s+)?ngay\s+(\d{1,2})\s+(?:hang|hàng|moi)\s+thang")
DATE = re.compile(_D)
_CADENCES = (
    (Cadence.CONTINUOUS, re.compile(r"\bthuong xuyen\b|\bca nam\b|\bquanh nam\b|\bhang ngay\b")),
    (Cadence.QUARTERLY, re.compile(r"\b(?:hang|moi|dinh ky)\s+quy\b|\btheo quy\b(?! dinh)")),
    (Cadence.MONTHLY, re.compile(r"\b(?:hang|moi|dinh ky|theo)\s+thang\b")),
)
YEARLY = re.compile(r"\b(?:hang|moi)\s+nam\b")
QUARTER_OF_YEAR = re.compile(r"\bquy\s+(i{1,3}|iv|[1-4])\s*(?:/|nam)\s*(\d{4})")
MONTH_OF_YEAR = re.compile(r"\bthang\s+(\d{1,2})\s*(?:/|nam)\s*(\d{4})")
_QUARTER_END = {"i": (31, 3), "1": (31, 3), "ii": (30, 6), "2": (30, 6), "iii": (30, 9), "3": (30, 9),
                "iv": (31, 12), "4": (31, 12)}


@dataclass(frozen=True)
class DayMonthYear:
    day: int
    month: int
    year: int | None = None

    @property
    def day_month(self) -> str:
        return f"{self.day:02d}/{self.month:02d}"

    def valid(self) -> bool:
        try:
            date(self.year or 2028, self.month, self.day)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Timing:
    """What a timing phrase says; any field may be missing."""

    cadence: Cadence | None = None
    due: DayMonthYear | None = None
    start: DayMonthYear | None = None
    end: DayMonthYear | None = None
    day_in_period: int | None = None  # "ngày 10 của tháng cuối quý" / "ngày 25 hằng tháng"
    yearly: bool = False
    window: dict[str, int] | None = None  # a written quarter or month: {quarter|month, year}

    @property
    def period_end(self) -> bool:
        """The due date is the last day of a written quarter or month."""
        return self.window is not None

    @property
    def dated(self) -> bool:
        return self.due is not None or self.end is not None


def _dmy(groups: tuple[str | None, ...]) -> DayMonthYear | None:
    d = DayMonthYear(int(groups[0] or 0), int(groups[1] or 0), int(groups[2]) if groups[2] else None)
    return d if d.valid() else None


def read_timing(text: str) -> Timing:
    """Every timing word of one phrase or sentence."""
    folded = fold(text)
    cadence = next((c for c, pattern in _CADENCES if pattern.search(folded)), None)
    start = end = due = None
    day_in_period = None
    if m := RANGE.search(folded):
        start, end = _dmy(m.groups()[:3]), _dmy(m.groups()[3:])
        if start and end and end.year is None and start.year is not None:
            end = DayMonthYear(end.day, end.month, start.year)
    if m := BEFORE.search(folded):
        due = _dmy(m.groups())
    if m := IN_QUARTER.search(folded):
        cadence, day_in_period = Cadence.QUARTERLY, int(m[1])
    elif m := IN_MONTH.search(folded):
        cadence, day_in_period = Cadence.MONTHLY, int(m[1])
    if due is None and end is None and cadence is None and (m := DATE.search(folded)):
        due = _dmy(m.groups())
    window = None
    if due is None and end is None and cadence is None:
        due, window = _period_end(folded)
    return Timing(cadence, due, start, end, day_in_period, bool(YEARLY.search(folded)), window)


def _period_end(folded: str) -> tuple[DayMonthYear | None, dict[str, int] | None]:
    """"Quý II/2026", "tháng 6 năm 2026": that window, and its last day as the date it is done by."""
    if m := QUARTER_OF_YEAR.search(folded):
        day, month = _QUARTER_END[m[1]]
        return DayMonthYear(day, month, int(m[2])), {"quarter": (month // 3), "year": int(m[2])}
    if (m := MONTH_OF_YEAR.search(folded)) and 1 <= int(m[1]) <= 12:
        month, year = int(m[1]), int(m[2])
        last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution).day
        return DayMonthYear(last, month, year), {"month": month, "year": year}
    return None, None


def all_dates_before(text: str) -> list[tuple[int, DayMonthYear]]:
    """Every "trước ngày d/m[/y]" of a sentence with its position, in order."""
    out = []
    for m in BEFORE.finditer(fold(text)):
        if d := _dmy(m.groups()):
            out.append((m.start(), d))
    return out


_CLAUSES = re.compile(r"\s*;\s*|\n")
_STEP_EDGES = " ,.:;-–"
_DONE_WORDS = re.compile(r"(?:,?\s*(?:va\s+)?(?:phai\s+)?(?:hoan thanh|xong))+$")


def dated_steps(texts: list[str]) -> list[tuple[str, DayMonthYear]]:
    """Each clause of ``texts`` with one "trước ngày d/m[/y]" of its own, as (what is done, by when):
    "Khảo sát trước ngày 30/6/2026; triển khai mã QR, hoàn thành trước 15/12/2026" → ("Khảo sát",
    30/06/2026), ("Triển khai mã QR", 15/12/2026). Words saying only "done" are dropped from the title."""
    out: list[tuple[str, DayMonthYear]] = []
    for text in texts:
        for clause in _CLAUSES.split(clean(text)):
            found = list(BEFORE.finditer(fold(clause)))
            if len(found) != 1 or (d := _dmy(found[0].groups())) is None:
                continue
            m = found[0]
            before = clause[:m.start()].strip(_STEP_EDGES)
            done = _DONE_WORDS.search(fold(before))
            before = before[:done.start()].strip(_STEP_EDGES) if done else before
            title = before or clause[m.end():].strip(_STEP_EDGES)
            out.append((title[:1].upper() + title[1:], d))
    return out
