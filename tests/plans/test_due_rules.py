"""Due rules as plans write them: fixed dates, dates with a year, rules relative to the period."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from kehoach.calendar import build_calendar
from kehoach.plans.due_rules import DueRule

CAL = build_calendar([2026, 2027])


@pytest.mark.parametrize(("written", "as_data", "window_end", "due", "phrase"), [
    ("05/12", {"on": "05/12"}, date(2026, 12, 14), date(2026, 12, 5), "trước ngày 05/12"),
    ("10/06/2026", {"on": "10/06/2026"}, date(2026, 6, 14), date(2026, 6, 10), "trước ngày 10/06/2026"),
    ("trước ngày 10 của tháng cuối quý", {"day": 10, "of": "thang_cuoi_ky"}, date(2026, 9, 14),
     date(2026, 9, 10), "trước ngày 10 của tháng cuối kỳ"),
    ("ngày 20 của tháng sau", {"day": 20, "of": "thang_sau"}, date(2026, 12, 14), date(2027, 1, 20),
     "trước ngày 20 của tháng sau"),
    ("ngày 31 của tháng cuối kỳ", {"day": 31, "of": "thang_cuoi_ky"}, date(2026, 6, 14), date(2026, 6, 30),
     "trước ngày 31 của tháng cuối kỳ"),
    # 14/03/2026 is a Saturday: 5 working days after it is Friday 20/03
    ("5 ngày làm việc sau ngày chốt số liệu", {"working_days_after_cutoff": 5}, date(2026, 3, 14),
     date(2026, 3, 20), "trong 5 ngày làm việc sau ngày chốt số liệu"),
])
def test_text_and_data_give_the_same_rule_and_date(written, as_data, window_end, due, phrase) -> None:
    rule = DueRule.model_validate(written)
    assert rule == DueRule.model_validate(as_data)
    assert rule.date_for(window_end.year, window_end, CAL) == due
    assert rule.phrase == phrase


def test_a_dated_rule_applies_to_its_own_year_only() -> None:
    rule = DueRule.model_validate("10/06/2026")
    assert rule.occurs_in(2026) and not rule.occurs_in(2027)
    assert DueRule.model_validate("05/12").occurs_in(2031)


@pytest.mark.parametrize(("written", "message"), [
    ("cuối quý", "không đọc được quy tắc hạn 'cuối quý'"),
    ("31/02", "ngày 31/02 không tồn tại"),
    ("29/02/2027", "ngày 29/02/2027 không tồn tại"),
])
def test_what_cannot_be_read_is_said_in_vietnamese(written: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DueRule.model_validate(written)
