"""Each seed plan over its key dates: the real flows, a simulated clock, a real SMTP server.

One test per plan runs the plan from the day it takes effect to 31/12/2026 (the dispatch,
collection, campaign and recurring flows at prefect.yaml's times) with 60 % of the units
submitting three working days before each deadline. Who received what, and when, is read
back from the outbox's attempt log and from what the SMTP server accepted.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from kehoach.calendar import VN_TZ
from kehoach.notification import REPORT_CHASING_KINDS, Kind
from tests.flows.seed_checks import (
    assert_action_month,
    assert_every_email_reached_the_smtp_server,
    assert_missing_units_chased_and_escalated,
    assert_nothing_on_a_day_off,
    assert_submitters_not_chased,
    bodies_to,
    first_submissions,
    sent,
)

pytestmark = pytest.mark.prefect

EIGHT = time(8, 0)
# Working days of each ladder step, worked out by hand from the 2026 calendar.
LS_ANNUAL = [date(2026, 11, 26), date(2026, 12, 3), date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10),
             date(2026, 12, 11), date(2026, 12, 15)]
YK_ANNUAL = [date(2026, 11, 19), date(2026, 11, 27), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4),
             date(2026, 12, 8), date(2026, 12, 10)]


def chasing_days(world, plan_id: str, period: str, unit: str) -> list[date]:  # type: ignore[no-untyped-def]
    """The days a unit received reminders, due and overdue notices for one period, each at 08:00."""
    out = []
    for at, row in sent(world, plan_id):
        if row.period == period and row.unit == unit and Kind(row.kind) in REPORT_CHASING_KINDS and row.channel == "email":
            local = at.astimezone(VN_TZ)
            assert local.time() == EIGHT, f"{row.key} went out at {local:%H:%M}, not at the plan's 08:00"
            out.append(local.date())
    return sorted(set(out))


def check_ladder(world, plan_id: str, period: str, office: str, full: list[date],  # type: ignore[no-untyped-def]
                 submitted_on: date) -> None:
    """A unit that never submitted gets the whole ladder; one that submitted gets only what came before."""
    first = first_submissions(world, plan_id)
    expected = {u.id for u in world.config.directory.resolve(world.config.plan(plan_id).report(period[:-5]).units)}
    submitters = {u for (p, u) in first if p == period}
    missing = sorted(expected - submitters)
    assert submitters and missing, "the 60 % share should leave both kinds of unit"
    assert all(first[period, u].astimezone(VN_TZ).date() == submitted_on for u in submitters)
    by_email = [u for u in missing if world.config.directory.unit(u).emails]  # Zalo-only units are skipped here
    for unit in by_email:
        assert chasing_days(world, plan_id, period, unit) == full
    for unit in (u for u in submitters if world.config.directory.unit(u).emails):
        assert chasing_days(world, plan_id, period, unit) == [d for d in full if d < submitted_on]
    # Then the office's escalation email names every unit still missing.
    names = [world.config.directory.unit(u).name for u in missing]
    office_mail = bodies_to(world, office)
    assert any(all(n in body for n in names) for body in office_mail)
    assert_missing_units_chased_and_escalated(world, plan_id, period, office)


def test_dong_thap_six_month_report_and_action_month(simulate) -> None:  # type: ignore[no-untyped-def]
    # Given Sở Tư pháp Đồng Tháp's plan, in force from 01/05/2026, simulated to the end of the year
    plan_id = "2026-stp-dong-thap-bdg"
    world = simulate(plan_id, date(2026, 5, 1), date(2026, 12, 31))
    # Then the 6-month report (due Wednesday 20/05) chases 10, 5, 2, 1 working days before, on the day,
    # and 1 and 3 working days after; units that submitted on 15/05 hear nothing more
    check_ladder(world, plan_id, "bc-6-thang-2026", "stp-dt-van-phong",
                 [date(2026, 5, d) for d in (6, 13, 18, 19, 20, 21, 25)], date(2026, 5, 15))
    assert_submitters_not_chased(world, plan_id)
    assert_action_month(world, plan_id)
    assert_nothing_on_a_day_off(world, plan_id)
    assert_every_email_reached_the_smtp_server(world, plan_id)


def test_lang_son_annual_report_and_action_month(simulate) -> None:  # type: ignore[no-untyped-def]
    # Given Sở Tư pháp Lạng Sơn's plan, simulated from 01/05/2026 to the end of the year
    plan_id = "2026-stp-lang-son-bdg"
    world = simulate(plan_id, date(2026, 5, 1), date(2026, 12, 31))
    # Then the annual report (due Thursday 10/12) runs its ladder through the Action Month
    check_ladder(world, plan_id, "bc-nam-2026", "stp-ls-van-phong", LS_ANNUAL, date(2026, 12, 7))
    assert_submitters_not_chased(world, plan_id)
    assert_action_month(world, plan_id)
    assert_nothing_on_a_day_off(world, plan_id)
    assert_every_email_reached_the_smtp_server(world, plan_id)


def test_yet_kieu_occasions_annual_report_on_a_saturday(simulate) -> None:  # type: ignore[no-untyped-def]
    # Given UBND xã Yết Kiêu's plan, in force from 01/06/2026
    plan_id = "2026-xa-yet-kieu-bdg"
    world = simulate(plan_id, date(2026, 6, 1), date(2026, 12, 31))
    # Then the annual report written "05/12" (a Saturday) is chased towards Friday 04/12,
    # and overdue notices count from Monday 07/12, the legal deadline
    check_ladder(world, plan_id, "bc-nam-2026", "xa-yk-vhxh", YK_ANNUAL, date(2026, 12, 1))
    assert_submitters_not_chased(world, plan_id)
    assert_action_month(world, plan_id)
    # And the occasions 28/6 and 20/10 are announced beforehand (8/3 falls before the plan)
    occasions = sorted({at.astimezone(VN_TZ).date() for at, r in sent(world, plan_id) if r.kind == Kind.OCCASION})
    assert occasions and all(d < date(2026, 6, 28) or date(2026, 10, 1) < d < date(2026, 10, 20) for d in occasions)
    assert any(d < date(2026, 6, 28) for d in occasions) and any(d > date(2026, 10, 1) for d in occasions)
    units = {r.unit for _, r in sent(world, plan_id) if r.kind == Kind.OCCASION}
    assert "xa-yk-vhxh" in units and len(units) > 1
    assert_nothing_on_a_day_off(world, plan_id)
    assert_every_email_reached_the_smtp_server(world, plan_id)
