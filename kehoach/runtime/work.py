"""Which plans and periods have something to do now: what one scheduled run fans out to.

One deployment per kind of flow serves every plan: at each tick it asks this module which
active plans (not paused, not retired) have a period to collect or a campaign under way, and
runs the per-plan flow for each. A plan added to the plans folder or uploaded in the console is
in the next tick's answer; nothing lists plans in ``prefect.yaml``. Pure: plans, states and
``now`` in, ``(plan, period)`` pairs out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.runtime.agenda import campaign_window, events_on
from kehoach.store.plan_tables import PlanState
from kehoach.submissions.collection import Phase, periods_in_play


def active(plans: Iterable[Plan], states: Mapping[str, PlanState]) -> list[Plan]:
    """The plans nobody paused or retired, by id."""
    return sorted((p for p in plans if states.get(p.id, PlanState.ACTIVE) is PlanState.ACTIVE), key=lambda p: p.id)


def collection_work(plans: Iterable[Plan], states: Mapping[str, PlanState], directory: Directory,
                    cal: WorkingCalendar, now: datetime,
                    rolled_up: Callable[[str, str], bool]) -> list[tuple[str, str]]:
    """``(plan id, period id)`` of every open, due or overdue period, and every closed one still without its roll-up."""
    day = now.astimezone(VN_TZ).date()
    return [(plan.id, period.id) for plan in active(plans, states)
            for period, _m, phase in periods_in_play(plan, directory, cal, day)
            if phase is not Phase.CLOSED or not rolled_up(plan.id, period.id)]


def campaign_work(plans: Iterable[Plan], states: Mapping[str, PlanState], directory: Directory,
                  cal: WorkingCalendar, now: datetime) -> list[str]:
    """The plans with a campaign step or an occasion today, or inside a campaign's window."""
    day = now.astimezone(VN_TZ).date()
    out = []
    for plan in active(plans, states):
        window = campaign_window(plan, day.year, cal, directory)
        if (window and window[0] <= day <= window[1]) or events_on(plan, day, "campaign", cal, directory):
            out.append(plan.id)
    return out
