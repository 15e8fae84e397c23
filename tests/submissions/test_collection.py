"""Report collection's milestones and phases for a seed plan (pure: no Prefect, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from kehoach.submissions.collection import Phase, milestones
from kehoach.plans.config import load_config
from kehoach.settings import Settings
from kehoach.submissions.periods import resolve_period

PLAN = "2026-stp-dong-thap-bdg"


@pytest.fixture(scope="module")
def six_month():  # type: ignore[no-untyped-def]
    config = load_config(Settings())
    plan = config.plan(PLAN)
    return milestones(plan, resolve_period(plan, "bc-6-thang-2026"), config.calendar([2026]), config.directory)


def test_six_month_period_opens_with_the_first_reminder_and_closes_after_the_last_escalation(six_month) -> None:  # type: ignore[no-untyped-def]
    # Given the 6-month report due Wednesday 20/05/2026, reminded 10 working days before,
    # chased 1 and 3 working days after
    assert (six_month.opens, six_month.due, six_month.legal_deadline, six_month.closes) == (
        date(2026, 5, 6), date(2026, 5, 20), date(2026, 5, 20), date(2026, 5, 25))


@pytest.mark.parametrize("day, phase", [
    (date(2026, 5, 5), Phase.NOT_OPEN), (date(2026, 5, 6), Phase.OPEN), (date(2026, 5, 19), Phase.OPEN),
    (date(2026, 5, 20), Phase.DUE), (date(2026, 5, 21), Phase.OVERDUE), (date(2026, 5, 25), Phase.CLOSED),
])
def test_phase_on_each_day(six_month, day: date, phase: Phase) -> None:  # type: ignore[no-untyped-def]
    assert six_month.phase(day) is phase
