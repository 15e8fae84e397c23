"""The Vietnamese working calendar of public bodies.

Working days are Monday to Friday minus the public holidays of ``holidays.VN`` (Tết and
substituted days included) minus the extra days off of ``config/calendar.yaml``, plus the
make-up working Saturdays listed there (``holidays`` has no category for those). Pure: no
clock, no I/O beyond reading the overrides file once.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kehoach.errors import CalendarError
from notifications.vietnamese import WEEKDAYS_VI

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class DueOnDayOff(StrEnum):
    """Which working day reminders aim at when a written due date falls on a day off."""

    PREVIOUS_WORKING_DAY = "previous_working_day"  # units are never told to report on a Saturday
    NEXT_WORKING_DAY = "next_working_day"  # Bộ luật Dân sự, Điều 148: a time limit ending on a day off moves on


def at_local(d: date, at: time) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh."""
    return datetime.combine(d, at, tzinfo=VN_TZ)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working-day arithmetic over a fixed range of years.

    The working days are precomputed into a sorted list, so every query is a bisect:
    expanding thousands of units costs nothing extra here.
    """

    first_year: int
    last_year: int
    extra_days_off: dict[date, str] = field(default_factory=dict)
    extra_working_days: dict[date, str] = field(default_factory=dict)
    _holidays: dict[date, str] = field(init=False, repr=False, compare=False)
    _working: list[date] = field(init=False, repr=False, compare=False)
    _working_set: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise CalendarError(f"empty year range {self.first_year}-{self.last_year}")
        import holidays  # half a second to import: only commands that need working days pay it

        years = range(self.first_year - 1, self.last_year + 2)
        names = dict(holidays.VN(years=years, language="vi"))
        names.update(self.extra_days_off)
        for d in self.extra_working_days:
            names.pop(d, None)
        object.__setattr__(self, "_holidays", names)
        start, end = date(years[0], 1, 1), date(years[-1], 12, 31)
        days = (start + timedelta(n) for n in range((end - start).days + 1))
        working = [d for d in days if self._computed_working(d)]
        object.__setattr__(self, "_working", working)
        object.__setattr__(self, "_working_set", frozenset(working))

    def _computed_working(self, d: date) -> bool:
        if d in self.extra_working_days:
            return True
        return d.weekday() < 5 and d not in self._holidays

    def _check(self, d: date) -> None:
        if not self.first_year - 1 <= d.year <= self.last_year + 1:
            raise CalendarError(
                f"{d:%d/%m/%Y} is outside the calendar's years {self.first_year}-{self.last_year}"
            )

    def is_working_day(self, d: date) -> bool:
        self._check(d)
        return d in self._working_set

    def day_off_reason(self, d: date) -> str | None:
        """Why ``d`` is not a working day, in Vietnamese, or None if it is one."""
        if self.is_working_day(d):
            return None
        return self._holidays.get(d) or WEEKDAYS_VI[d.weekday()]

    def add_working_days(self, d: date, n: int) -> date:
        """The working day ``n`` working days after ``d`` (before it when ``n`` < 0).

        ``n == 0`` gives ``d`` itself if it is a working day, else the next one.
        """
        self._check(d)
        if n > 0:
            i = bisect_right(self._working, d) + n - 1
        elif n == 0:
            i = bisect_left(self._working, d)
        else:
            i = bisect_left(self._working, d) + n
        if not 0 <= i < len(self._working):
            raise CalendarError(f"{d:%d/%m/%Y} {n:+d} working days leaves the calendar's range")
        return self._working[i]

    def on_or_before(self, d: date) -> date:
        """The last working day on or before ``d``."""
        self._check(d)
        i = bisect_right(self._working, d) - 1
        if i < 0:
            raise CalendarError(f"no working day on or before {d:%d/%m/%Y} in range")
        return self._working[i]

    def on_or_after(self, d: date) -> date:
        """The first working day on or after ``d``."""
        return self.add_working_days(d, 0)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``[start, end)``."""
        return bisect_left(self._working, end) - bisect_left(self._working, start)

    def working_days_in(self, start: date, end: date) -> list[date]:
        """The working days in ``[start, end]``."""
        return self._working[bisect_left(self._working, start) : bisect_right(self._working, end)]

    def target_for_due(self, due: date, rule: DueOnDayOff) -> date:
        """The working day reminders aim at for a due date written in a plan."""
        if self.is_working_day(due):
            return due
        if rule is DueOnDayOff.PREVIOUS_WORKING_DAY:
            return self.on_or_before(due)
        return self.on_or_after(due)

    def legal_deadline(self, due: date) -> date:
        """The body's own deadline: a time limit ending on a day off ends on the next working day."""
        return self.on_or_after(due)


def build_calendar(
    years: Iterable[int],
    extra_days_off: dict[date, str] | None = None,
    extra_working_days: dict[date, str] | None = None,
) -> WorkingCalendar:
    ys = list(years)
    return WorkingCalendar(
        min(ys), max(ys), dict(extra_days_off or {}), dict(extra_working_days or {})
    )
