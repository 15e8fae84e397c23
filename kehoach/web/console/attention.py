"""What needs the office's attention today: deadlines soon, overdue units, units' extension
requests, drafts to approve, failed deliveries.

Built from the same functions the command line uses: ``status_of`` (``kehoach status``) for
who reported, ``outbox.listing`` (``kehoach outbox --status failed``) for failed deliveries,
so the console and the terminal always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.rollup.review import awaiting_approval
from kehoach.store import outbox
from kehoach.store.followup_tables import ExtensionRequest
from kehoach.store.report_tables import ReportDraft
from kehoach.store.tables import Outbox, Status
from kehoach.submissions import extension_requests
from kehoach.submissions.periods import Period, periods_of_year
from kehoach.submissions.tracking import PeriodStatus, UnitRef, status_of

HORIZON_WORKING_DAYS = 10
FAILED_SHOWN = 50  # per plan: the newest first; the rest are one `kehoach outbox --status failed` away


@dataclass(frozen=True)
class DueSoon:
    plan: Plan
    period: Period
    status: PeriodStatus


@dataclass(frozen=True)
class Overdue:
    plan: Plan
    period: Period
    unit: UnitRef
    deadline: date


@dataclass
class Attention:
    horizon: date
    due_soon: list[DueSoon] = field(default_factory=list)
    overdue: list[Overdue] = field(default_factory=list)
    failed: list[tuple[Plan, Outbox]] = field(default_factory=list)
    awaiting: list[tuple[Plan, ReportDraft]] = field(default_factory=list)  # drafts the leader has not approved
    requests: list[tuple[Plan, ExtensionRequest]] = field(default_factory=list)  # units' waiting extension requests


def plan_periods(plan: Plan, today: date, calendars: Callable[[list[int]], WorkingCalendar]) -> list[Period]:
    """The plan's periods of its own year and of this year, each once (``calendars``: ``Config.calendar``)."""
    years = sorted({plan.year, today.year})
    cal = calendars(years)
    seen = {p.id: p for y in years for p in periods_of_year(plan, y, cal)}
    return sorted(seen.values(), key=lambda p: p.due)


def attention(session: Session, plans: Iterable[Plan], directory: Directory,
              calendars: Callable[[list[int]], WorkingCalendar], now: datetime) -> Attention:
    """The home page's lists for these plans at ``now`` (``calendars``: ``Config.calendar``)."""
    today = now.astimezone(VN_TZ).date()
    found_plans = list(plans)
    calendar = calendars([today.year, today.year + 1])
    found = Attention(horizon=calendar.add_working_days(today, HORIZON_WORKING_DAYS))
    for plan in found_plans:
        for period in plan_periods(plan, today, calendars):
            st = status_of(session, plan, directory, period, calendar)
            if today <= period.due <= found.horizon:
                found.due_soon.append(DueSoon(plan, period, st))
            for unit in st.missing:
                deadline = st.deadlines.get(unit.id, period.due)
                if deadline < today:
                    found.overdue.append(Overdue(plan, period, unit, deadline))
        failed = outbox.listing(session, status=Status.FAILED.value, plan=plan.id)
        found.failed += [(plan, row) for row in failed[-FAILED_SHOWN:][::-1]]
    by_id = {p.id: p for p in found_plans}
    found.awaiting = [(by_id[d.plan], d) for d in awaiting_approval(session, list(by_id))]
    found.requests = [(by_id[r.plan], r) for r in extension_requests.pending(session, list(by_id))]
    found.due_soon.sort(key=lambda d: d.period.due)
    found.overdue.sort(key=lambda o: o.deadline)
    return found
