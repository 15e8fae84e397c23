"""Dates as plans write them: ``dd/mm`` every year, ``dd/mm/yyyy`` once.

Kept apart from the model so due rules (``kehoach.plans.due_rules``) can build on them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator


class DayMonth(BaseModel):
    """A day a plan repeats every year (``30/05``), or one that happens once (``30/05/2026``)."""

    model_config = ConfigDict(frozen=True)
    day: int
    month: int
    year: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, date):
            return {"day": value.day, "month": value.month, "year": value.year}
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\s*", value)
            if not m:
                raise ValueError(f"'{value}' không đúng dạng ngày/tháng (dd/mm) hoặc ngày/tháng/năm (dd/mm/yyyy)")
            value = {"day": int(m[1]), "month": int(m[2]), "year": int(m[3]) if m[3] else None}
        if isinstance(value, dict):
            try:  # a leap year admits 29/02 when no year is written
                date(int(value.get("year") or 2028), int(value["month"]), int(value["day"]))
            except (ValueError, KeyError, TypeError):
                shown = f"{value.get('day', '?'):0>2}/{value.get('month', '?'):0>2}"
                shown += f"/{value['year']}" if value.get("year") else ""
                raise ValueError(f"ngày {shown} không tồn tại") from None
        return value

    def occurs_in(self, year: int) -> bool:
        """A yearly date occurs every year; a dated one only in its own year."""
        return self.year is None or self.year == year

    def in_year(self, year: int) -> date:
        """The date in ``year`` (a dated one keeps its own year); 29/02 falls back to 28/02."""
        y = self.year or year
        try:
            return date(y, self.month, self.day)
        except ValueError:
            return date(y, self.month, self.day - 1)

    def __str__(self) -> str:
        return f"{self.day:02d}/{self.month:02d}" + (f"/{self.year}" if self.year else "")


def _parse_vn_date(value: Any) -> Any:
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", value)
        if not m:
            raise ValueError(f"'{value}' không đúng dạng ngày/tháng/năm (dd/mm/yyyy)")
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            raise ValueError(f"ngày {value.strip()} không tồn tại") from None
    return value


VnDate = Annotated[date, BeforeValidator(_parse_vn_date)]
