from __future__ import annotations

from datetime import date, datetime

from kehoach.calendar import VN_TZ
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.tracking import period_status
from tests import reporting_world as world


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=VN_TZ)


def test_on_time_is_by_local_date_and_extensions_move_one_units_deadline() -> None:
    plan = world.plan()
    period = resolve_period(plan, "nam-2026")
    # Given: submitted at 23:30 on the due day (16:30 UTC) counts as on time; "trước ngày 05/12"
    # is a Saturday, so the time limit runs to Monday 07/12 (the overdue notices start 08/12):
    # Công an xã, on Monday 07/12, is on time; Trạm y tế, on Tuesday 08/12, is late
    first = {"yk-vhxh": at(5, 23).replace(minute=30), "yk-cong-an": at(7), "yk-tram-y-te": at(8),
             "yk-thon-1": at(8)}
    st = period_status(plan, world.directory(), period, first, {"yk-thon-1": date(2026, 12, 9)})
    assert [u.id for u in st.on_time] == ["yk-vhxh", "yk-cong-an", "yk-thon-1"]
    assert [u.id for u in st.late] == ["yk-tram-y-te"]
    assert [u.id for u in st.missing] == ["yk-thon-2"]
    assert (st.completeness, st.timeliness) == (80.0, 60.0)
    assert st.as_dict()["extensions"] == {"yk-thon-1": "2026-12-09"}
