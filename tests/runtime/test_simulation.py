"""The simulation's clock: schedule ticks from prefect.yaml, and who submits (no Prefect here)."""

from __future__ import annotations

from datetime import date, datetime

from kehoach.calendar import VN_TZ
from kehoach.runtime.schedules import by_kind, scheduled
from kehoach.runtime.simulation import submits, tick_times


def test_dispatch_ticks_every_quarter_hour_of_the_working_day() -> None:
    [dispatch] = by_kind(scheduled(), "dispatch")
    ticks = tick_times(dispatch, date(2026, 11, 16))  # a Monday
    assert ticks[0] == datetime(2026, 11, 16, 7, 0, tzinfo=VN_TZ)
    assert ticks[-1] == datetime(2026, 11, 16, 17, 45, tzinfo=VN_TZ)
    assert len(ticks) == 11 * 4


def test_no_dispatch_tick_on_sunday() -> None:
    [dispatch] = by_kind(scheduled(), "dispatch")
    assert tick_times(dispatch, date(2026, 11, 15)) == []


def test_the_same_units_submit_in_every_run_and_about_the_share_asked() -> None:
    units = [f"thon-{n}" for n in range(400)]
    first = [u for u in units if submits("p", "bc-nam-2026", u, 0.6)]
    again = [u for u in units if submits("p", "bc-nam-2026", u, 0.6)]
    assert first == again
    assert 0.5 < len(first) / len(units) < 0.7
    assert not any(submits("p", "bc-nam-2026", u, 0.0) for u in units)
