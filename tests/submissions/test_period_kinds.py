"""Every period kind: its Điều 12 data window, its readable id and its due date, in 2026 and 2027.

Dates checked against the 2026–2028 calendar: Tết Bính Ngọ is Sat 14/02–Sun 22/02/2026, Tết
Mậu Thân falls Mon 24/01–Sat 29/01/2028; 30/05/2026 is a Saturday, 30/05/2027 a Sunday.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kehoach.calendar import VN_TZ, DueOnDayOff, build_calendar
from kehoach.plans.model import Plan
from kehoach.submissions.periods import UnknownPeriod, periods_of_year, resolve_period
from kehoach.submissions.timeliness import unit_deadline

CAL = build_calendar(range(2025, 2030))
RULE = DueOnDayOff.PREVIOUS_WORKING_DAY

REPORT = {"title": "Báo cáo", "units": ["u1"], "to": "office"}


def plan(**extra: object) -> Plan:
    return Plan.model_validate({
        "id": "kinds", "title": "Kế hoạch thử", "symbol": "KH", "issuer": "office", "place": "Hà Nội",
        "issued": "tháng 1 năm 2026", "years": "2026–2027", "effective_from": "01/01/2026",
        "office": "office", "units": ["u1"],
        "tasks": [{"id": "t", "section": "II", "title": "Việc", "content": ["Nội dung"], "lead": ["u1"],
                   "cadence": "thuong_xuyen"}],
        "reports": [
            {"id": "bc", "period": "thang", "due": "ngày 20 của tháng sau", **REPORT},
            {"id": "th", "period": "quy", "due": "ngày 10 của tháng cuối quý", **REPORT},
            {"id": "bc-tet", "period": "quy", "due": {"day": 25, "of": "thang_sau"}, **REPORT},
            {"id": "bc-6t", "period": "6_thang", "due": "30/05", **REPORT},
            {"id": "bc-nam", "period": "nam", "due": "05/12", **REPORT},
            {"id": "bc-cd", "period": "chuyen_de", "due": "10/09/2026",
             "window": {"from": "01/07/2026", "to": "31/08/2026"}, **REPORT},
            {"id": "bc-dot", "period": "theo_dot", "campaign": "cao-diem",
             "due": "5 ngày làm việc sau ngày chốt số liệu", **REPORT},
        ],
        "campaigns": [{"id": "cao-diem", "title": "Tháng cao điểm", "start": "01/10", "end": "31/10", "units": ["u1"]}],
        "recipients": [{"name": "Lưu: VT"}],
        "signer": {"authority": "TM. UBND", "title": "CHỦ TỊCH", "name": "A"},
        **extra,
    })


def period(period_id: str):  # type: ignore[no-untyped-def]
    return resolve_period(plan(), period_id, CAL)


@pytest.mark.parametrize(("period_id", "window", "due", "label"), [
    ("bc-thang-05-2026", (date(2026, 4, 15), date(2026, 5, 14)), date(2026, 6, 20), "tháng 05/2026"),
    ("bc-thang-01-2027", (date(2026, 12, 15), date(2027, 1, 14)), date(2027, 2, 20), "tháng 01/2027"),
    ("th-quy-3-2026", (date(2026, 6, 15), date(2026, 9, 14)), date(2026, 9, 10), "quý III năm 2026"),
    ("th-quy-1-2027", (date(2026, 12, 15), date(2027, 3, 14)), date(2027, 3, 10), "quý I năm 2027"),
    ("bc-6t-2026", (date(2025, 12, 15), date(2026, 6, 14)), date(2026, 5, 30), "6 tháng đầu năm 2026"),
    ("bc-6t-2027", (date(2026, 12, 15), date(2027, 6, 14)), date(2027, 5, 30), "6 tháng đầu năm 2027"),
    ("bc-nam-2026", (date(2025, 12, 15), date(2026, 12, 14)), date(2026, 12, 5), "năm 2026"),
    ("bc-nam-2027", (date(2026, 12, 15), date(2027, 12, 14)), date(2027, 12, 5), "năm 2027"),
    ("bc-cd-2026", (date(2026, 7, 1), date(2026, 8, 31)), date(2026, 9, 10), "năm 2026"),
    # the campaign's window; 31/10/2026 is a Saturday: 5 working days after it is Friday 06/11
    ("bc-dot-2026", (date(2026, 10, 1), date(2026, 10, 31)), date(2026, 11, 6), "năm 2026"),
    ("bc-dot-2027", (date(2027, 10, 1), date(2027, 10, 31)), date(2027, 11, 5), "năm 2027"),
])
def test_window_due_date_and_label_of_every_kind(period_id: str, window: tuple[date, date], due: date,
                                                 label: str) -> None:
    p = period(period_id)
    assert p.id == period_id
    assert (p.window_start, p.window_end) == window
    assert p.due == due
    assert p.label == label


def test_a_year_has_twelve_months_four_quarters_and_a_one_off_only_once() -> None:
    ids_2026 = [p.id for p in periods_of_year(plan(), 2026, CAL)]
    ids_2027 = [p.id for p in periods_of_year(plan(), 2027, CAL)]
    assert [i for i in ids_2026 if i.startswith("bc-thang-")] == [f"bc-thang-{m:02d}-2026" for m in range(1, 13)]
    assert [i for i in ids_2026 if i.startswith("th-quy-")] == [f"th-quy-{q}-2026" for q in range(1, 5)]
    assert "bc-cd-2026" in ids_2026 and not any(i.startswith("bc-cd") for i in ids_2027)
    assert len(ids_2027) == len(ids_2026) - 1


def test_a_rule_landing_in_tet_aims_before_it_and_is_on_time_until_after_it() -> None:
    # "ngày 20 của tháng sau" for January 2026 is Friday 20/02/2026, inside the Tết break
    p = period("bc-thang-01-2026")
    assert p.due == date(2026, 2, 20)
    d = unit_deadline(p.due, None, CAL, RULE)
    assert d.aim == date(2026, 2, 13)  # the last working day before Tết
    assert d.last_on_time == date(2026, 2, 23)  # the first working day after it
    assert d.on_time(datetime(2026, 2, 23, 16, tzinfo=VN_TZ)) and not d.on_time(datetime(2026, 2, 24, 8, tzinfo=VN_TZ))


def test_a_quarter_whose_deadline_falls_in_tet() -> None:
    # Quý IV/2027, "ngày 25 của tháng sau": Tuesday 25/01/2028 is Tết eve (24/01–29/01/2028 off)
    p = period("bc-tet-quy-4-2027")
    assert (p.window_start, p.window_end, p.due) == (date(2027, 9, 15), date(2027, 12, 14), date(2028, 1, 25))
    d = unit_deadline(p.due, None, CAL, RULE)
    assert (d.aim, d.last_on_time) == (date(2028, 1, 21), date(2028, 1, 31))


def test_a_weekend_due_date_the_two_rules_and_an_extension() -> None:
    p = period("bc-6t-2026")  # 30/05/2026 is a Saturday
    previous = unit_deadline(p.due, None, CAL, DueOnDayOff.PREVIOUS_WORKING_DAY)
    following = unit_deadline(p.due, None, CAL, DueOnDayOff.NEXT_WORKING_DAY)
    assert (previous.aim, previous.last_on_time) == (date(2026, 5, 29), date(2026, 6, 1))
    assert (following.aim, following.last_on_time) == (date(2026, 6, 1), date(2026, 6, 1))
    extended = unit_deadline(p.due, date(2026, 6, 10), CAL, RULE)
    assert extended.extended and (extended.aim, extended.last_on_time) == (date(2026, 6, 10), date(2026, 6, 10))
    assert not unit_deadline(p.due, date(2026, 5, 20), CAL, RULE).extended  # never less time than the plan gives


def test_nothing_outside_the_plans_span() -> None:
    assert periods_of_year(plan(), 2028, CAL) == []
    with pytest.raises(UnknownPeriod, match="nằm ngoài thời gian"):
        resolve_period(plan(), "bc-nam-2028", CAL)
    with pytest.raises(UnknownPeriod):
        resolve_period(plan(), "th-quy-5-2026", CAL)
