"""The late-window rule: skip, do not send late."""

from __future__ import annotations

from datetime import date

from kehoach.calendar import build_calendar
from kehoach.delivery.lateness import too_late
from kehoach.notification import Kind
from tests.delivery_factories import at

CAL = build_calendar([2026])


def test_reminder_before_deadline_is_skipped_once_the_deadline_passed() -> None:
    reason = too_late(Kind.REPORT_REMINDER, at(date(2026, 12, 1)), date(2026, 12, 4), at(date(2026, 12, 5), 9), calendar=CAL)
    assert reason is not None and "04/12/2026" in reason


def test_within_the_window_it_still_goes_out() -> None:
    # Tuesday 01/12 reminder, seen on Thursday 03/12 (two working days later)
    assert too_late(Kind.REPORT_REMINDER, at(date(2026, 12, 1)), date(2026, 12, 4), at(date(2026, 12, 3), 16)) is None


def test_window_counts_working_days_over_a_weekend() -> None:
    # Friday 27/11 notice; Monday 30/11 and Tuesday 01/12 are the two working days after
    sent = at(date(2026, 11, 27))
    assert too_late(Kind.CAMPAIGN_KICKOFF, sent, None, at(date(2026, 12, 1), 20), calendar=CAL) is None
    assert too_late(Kind.CAMPAIGN_KICKOFF, sent, None, at(date(2026, 12, 2), 8), calendar=CAL) is not None


def test_overdue_notices_are_not_bound_by_their_deadline() -> None:
    assert too_late(Kind.REPORT_OVERDUE, at(date(2026, 12, 7)), date(2026, 12, 4), at(date(2026, 12, 7), 9), calendar=CAL) is None
