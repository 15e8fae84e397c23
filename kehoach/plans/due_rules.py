"""Due rules: when a report of a period is due, as the plan writes it, kept as data.

A rule is one of
- a fixed day every year, ``05/12`` (in the period's year);
- a date with its year, ``10/06/2026`` (that period only);
- a day of a month relative to the period: ``ngày 10 của tháng cuối kỳ`` (the month in which
  the data window closes: the quarter's last month, June, December…) or ``ngày 20 của tháng
  sau`` (the month after it); written as text or as ``{day: 10, of: thang_cuoi_ky}``;
- ``5 ngày làm việc sau ngày chốt số liệu`` (``{working_days_after_cutoff: 5}``), counted on
  the working calendar from the window's last day.

"Trước ngày X" is read as "by day X": a report that arrives on X is on time
(``kehoach.submissions.timeliness``).
"""

from __future__ import annotations

import calendar as _calendar
import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kehoach.calendar import WorkingCalendar
from kehoach.plans.dates import DayMonth


class Relative(StrEnum):
    """The month a relative rule counts in."""

    LAST_MONTH = "thang_cuoi_ky"  # the month the data window closes in
    NEXT_MONTH = "thang_sau"  # the month after it


_LEAD = r"\s*(?:trước|chậm nhất|hạn|trước hoặc trong)?\s*"
_RELATIVE = re.compile(_LEAD + r"ngày\s+(\d{1,2})\s+(?:của\s+)?tháng\s+(cuối(?:\s+(?:quý|kỳ|năm|tháng|đợt))?"
                       r"|sau|tiếp theo|kế tiếp|liền sau)(?:\s+(?:quý|kỳ|kỳ báo cáo))?\s*", re.IGNORECASE)
_WORKING = re.compile(_LEAD + r"(\d{1,2})\s+ngày\s+làm\s+việc\s+(?:sau|kể từ)\s+(?:ngày\s+)?chốt\s+số\s+liệu\s*",
                      re.IGNORECASE)
_FIXED = re.compile(_LEAD + r"(?:ngày\s+)?(\d{1,2}/\d{1,2}(?:/\d{4})?)\s*", re.IGNORECASE)

HELP = ("viết dd/mm, dd/mm/yyyy, 'ngày 10 của tháng cuối kỳ', 'ngày 20 của tháng sau' "
        "hoặc '5 ngày làm việc sau ngày chốt số liệu'")


class DueRule(BaseModel):
    """One of: ``on`` (fixed), ``day`` + ``of`` (relative), ``working_days_after_cutoff``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    on: DayMonth | None = None
    day: int | None = Field(default=None, ge=1, le=31)
    of: Relative | None = None
    working_days_after_cutoff: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _parse_text(value)
        if isinstance(value, dict) and "month" in value and "on" not in value:
            return {"on": value}  # the old {day, month} mapping of a fixed date
        return value

    @model_validator(mode="after")
    def _one_form(self) -> DueRule:
        forms = [self.on is not None, self.of is not None, self.working_days_after_cutoff is not None]
        if sum(forms) != 1 or (self.of is not None) != (self.day is not None):
            raise ValueError(f"quy tắc hạn không đọc được; {HELP}")
        return self

    @property
    def fixed(self) -> bool:
        """A date written in the plan rather than a rule relative to the period."""
        return self.on is not None

    def occurs_in(self, year: int) -> bool:
        """A date with its year applies to that year's period only."""
        return self.on is None or self.on.occurs_in(year)

    def date_for(self, year: int, window_end: date, cal: WorkingCalendar) -> date:
        """The written due date of the period of ``year`` whose data window ends on ``window_end``."""
        if self.on is not None:
            return self.on.in_year(year)
        if self.working_days_after_cutoff is not None:
            return cal.add_working_days(window_end, self.working_days_after_cutoff)
        y, m = window_end.year, window_end.month
        if self.of is Relative.NEXT_MONTH:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        assert self.day is not None  # guaranteed by _one_form
        return date(y, m, min(self.day, _calendar.monthrange(y, m)[1]))

    @property
    def phrase(self) -> str:
        """As a plan writes a deadline: "trước ngày 05/12", "trong 5 ngày làm việc sau …"."""
        if self.working_days_after_cutoff is not None:
            return f"trong {self}"
        return f"trước ngày {self}".replace("ngày ngày", "ngày")

    def __str__(self) -> str:
        if self.on is not None:
            return str(self.on)
        if self.working_days_after_cutoff is not None:
            return f"{self.working_days_after_cutoff} ngày làm việc sau ngày chốt số liệu"
        month = "tháng cuối kỳ" if self.of is Relative.LAST_MONTH else "tháng sau"
        return f"ngày {self.day} của {month}"


def _parse_text(text: str) -> dict[str, Any]:
    if m := _FIXED.fullmatch(text):
        try:  # checked here so an impossible date is reported at ``due`` itself
            return {"on": DayMonth.model_validate(m[1])}
        except ValidationError as exc:
            raise ValueError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    if m := _RELATIVE.fullmatch(text):
        of = Relative.LAST_MONTH if m[2].lower().startswith("cuối") else Relative.NEXT_MONTH
        return {"day": int(m[1]), "of": of.value}
    if m := _WORKING.fullmatch(text):
        return {"working_days_after_cutoff": int(m[1])}
    raise ValueError(f"không đọc được quy tắc hạn '{text}'; {HELP}")
