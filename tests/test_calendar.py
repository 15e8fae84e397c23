"""Working-day arithmetic on the 2026 Vietnamese calendar of public bodies."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kehoach.calendar import DueOnDayOff, WorkingCalendar, build_calendar
from kehoach.errors import CalendarError

CAL = build_calendar([2026], extra_working_days={date(2026, 8, 22): "Làm bù cho 31/8"})


def test_tet_2026_is_off_and_arithmetic_jumps_it():
    # Given Tết Bính Ngọ: Mon 16/2 to Fri 20/2 off, with the weekends around it
    for day in range(14, 23):
        assert not CAL.is_working_day(date(2026, 2, day))
    # When counting one working day from Friday 13/2
    # Then it lands on Monday 23/2, and back again
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert CAL.day_off_reason(date(2026, 2, 17)) == "Tết Nguyên Đán"


def test_30_4_and_1_5_and_gio_to_are_off():
    assert not CAL.is_working_day(date(2026, 4, 27))  # Giỗ Tổ falls on Sunday 26/4, moved to Monday
    assert CAL.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
    assert CAL.add_working_days(date(2026, 5, 4), -1) == date(2026, 4, 29)
    assert CAL.working_days_between(date(2026, 4, 27), date(2026, 5, 4)) == 2  # 28/4 and 29/4


def test_make_up_saturday_works_and_swapped_monday_is_off():
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert CAL.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)


def test_culture_day_inside_the_action_month_is_off():
    assert CAL.day_off_reason(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"


def test_due_on_saturday_reminds_on_friday_and_legal_deadline_is_monday():
    for saturday, friday, monday in [
        (date(2026, 5, 30), date(2026, 5, 29), date(2026, 6, 1)),
        (date(2026, 12, 5), date(2026, 12, 4), date(2026, 12, 7)),
    ]:
        assert CAL.target_for_due(saturday, DueOnDayOff.PREVIOUS_WORKING_DAY) == friday
        assert CAL.target_for_due(saturday, DueOnDayOff.NEXT_WORKING_DAY) == monday
        assert CAL.legal_deadline(saturday) == monday


def test_sunday_15_11_moves_to_monday_when_the_rule_says_next():
    assert CAL.on_or_after(date(2026, 11, 15)) == date(2026, 11, 16)
    assert CAL.on_or_before(date(2026, 11, 15)) == date(2026, 11, 13)


def test_extra_day_off_from_overrides():
    cal = build_calendar([2026], extra_days_off={date(2026, 1, 2): "Nghỉ bù Tết Dương lịch"})
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.day_off_reason(date(2026, 1, 2)) == "Nghỉ bù Tết Dương lịch"


def test_dates_outside_the_range_are_refused():
    with pytest.raises(CalendarError, match="outside"):
        CAL.is_working_day(date(2030, 1, 1))


working_days = st.dates(date(2026, 1, 5), date(2026, 12, 20)).filter(CAL.is_working_day)


@given(working_days, st.integers(min_value=0, max_value=40))
def test_adding_then_subtracting_returns_to_the_same_day(day: date, n: int):
    later = CAL.add_working_days(day, n)
    assert CAL.is_working_day(later)
    assert CAL.add_working_days(later, -n) == day
    assert CAL.working_days_between(day, later) == n


@given(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
def test_weekend_and_holiday_never_work_unless_listed(day: date):
    expected = (day.weekday() < 5 and day not in {
        date(2026, 1, 1), *(date(2026, 2, d) for d in range(16, 21)), date(2026, 4, 27),
        date(2026, 4, 30), date(2026, 5, 1), date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),
        date(2026, 11, 24),
    }) or day == date(2026, 8, 22)
    assert CAL.is_working_day(day) is expected


def test_calendar_is_a_value():
    assert isinstance(CAL, WorkingCalendar)
    assert CAL.working_days_in(date(2026, 11, 23), date(2026, 11, 27)) == [
        date(2026, 11, 23) + timedelta(d) for d in (0, 2, 3, 4)
    ]
