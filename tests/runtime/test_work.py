"""Which plans and periods a scheduled run fans out to (pure: no Prefect, no database)."""

from __future__ import annotations

from datetime import datetime

from kehoach.calendar import VN_TZ
from kehoach.plans.config import load_config
from kehoach.runtime.work import campaign_work, collection_work
from kehoach.settings import Settings
from kehoach.store.plan_tables import PlanState

CONFIG = load_config(Settings())
CAL = CONFIG.calendar([2025, 2026])
DT, YK, CCHC = "2026-stp-dong-thap-bdg", "2026-xa-yet-kieu-bdg", "2026-2030-skhcn-lang-son-cchc"
CLOSES = datetime(2026, 11, 26, 16, 30, tzinfo=VN_TZ)  # Đồng Tháp's annual report period closes


def collect(states: dict[str, PlanState], now: datetime,
            made: frozenset[tuple[str, str]] = frozenset()) -> list[tuple[str, str]]:
    return collection_work(CONFIG.plans.values(), states, CONFIG.directory, CAL, now,
                           lambda plan, period: (plan, period) in made)


def test_open_and_unrolled_closed_periods_of_active_plans() -> None:
    work = collect({}, CLOSES)
    # the annual period that closes today, and the 6-month one closed in June still without its roll-up
    assert [(p, per) for p, per in work if p == DT] == [(DT, "bc-6-thang-2026"), (DT, "bc-nam-2026")]
    # once its roll-up is made, a closed period has nothing more to do
    assert (DT, "bc-6-thang-2026") not in collect({}, CLOSES, frozenset({(DT, "bc-6-thang-2026")}))
    # before a plan takes effect, nothing of it is collected
    assert collect({}, datetime(2026, 2, 2, 16, 30, tzinfo=VN_TZ)) == [(CCHC, "bc-thang-01-2026")]


def test_paused_and_retired_plans_have_no_work() -> None:
    states = {DT: PlanState.PAUSED, YK: PlanState.RETIRED}
    assert not {p for p, _ in collect(states, CLOSES)} & {DT, YK}
    assert DT in {p for p, _ in collect({DT: PlanState.ACTIVE}, CLOSES)}
    in_campaign = campaign_work(CONFIG.plans.values(), states, CONFIG.directory, CAL, CLOSES)
    assert in_campaign == ["2026-stp-lang-son-bdg"]  # the Action Month plans, less the paused and the retired


def test_campaign_work_is_the_campaign_window_or_an_occasion() -> None:
    plans = CONFIG.plans.values()
    assert YK in campaign_work(plans, {}, CONFIG.directory, CAL, datetime(2026, 11, 19, 7, 45, tzinfo=VN_TZ))
    assert campaign_work(plans, {}, CONFIG.directory, CAL, datetime(2026, 2, 2, 7, 45, tzinfo=VN_TZ)) == []
