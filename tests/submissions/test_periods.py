from __future__ import annotations

from datetime import date

import pytest

from kehoach.submissions.periods import UnknownPeriod, parse_period, periods_of_year, resolve_period
from tests import reporting_world as world


def test_period_id_splits_on_the_last_hyphen() -> None:
    assert parse_period("thang-hanh-dong-2026") == ("thang-hanh-dong", 2026)
    with pytest.raises(UnknownPeriod):
        parse_period("nam2026")


def test_annual_window_follows_nd09_and_due_is_kept_as_written() -> None:
    p = resolve_period(world.plan(), "nam-2026")
    assert (p.window_start, p.window_end) == (date(2025, 12, 15), date(2026, 12, 14))
    assert p.due == date(2026, 12, 5)  # a Saturday, kept as the plan writes it


def test_action_month_window_is_the_campaign() -> None:
    p = resolve_period(world.plan(), "thang-hanh-dong-2026")
    assert (p.window_start, p.window_end) == (date(2026, 11, 15), date(2026, 12, 15))
    assert p.label == "năm 2026"  # after a title that names the campaign


def test_unknown_report_is_unknown_period() -> None:
    with pytest.raises(UnknownPeriod):
        resolve_period(world.plan(), "quy-2026")
    assert [x.id for x in periods_of_year(world.plan())] == ["nam-2026", "thang-hanh-dong-2026"]
