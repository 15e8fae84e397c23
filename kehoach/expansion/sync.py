"""sync(year): bring the outbox in line with every plan's expansion for that year.

Idempotent: a second run adds nothing. A plan change updates the pending rows it concerns
(a moved due date moves them), a unit's extension moves that unit's ladder (``move_unit_ladder``
does it at once when the extension is granted),
and a notification the plan no longer produces is skipped with the reason (a deadline the
unit was already sent gets a calendar cancellation, ``delivery.cancellation``); rows already
sent, failed or skipped are never touched, so the outbox stays a true record of the past.
A whole sync also skips the pending rows of plans no longer in the config (renamed or
deleted) and of retired plans, so removing a plan file stops its reminders.
The expansion is written as it is generated (``expand.stream``), 500 rows at a time, and only
each event's recipients are kept to find what to retire (``expansion.produced``): a plan of
50,000 units never holds its year in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from kehoach.plans.config import Config
from kehoach.plans.lifecycle import PlanState, plan_states
from kehoach.expansion.expand import stream
from kehoach.expansion.produced import Produced
from kehoach.notification import REPORT_CHASING_KINDS, Notification
from kehoach.submissions.periods import Period
from kehoach.submissions.record import plan_extensions
from kehoach.delivery.cancellation import cancellations
from kehoach.submissions.task_done import adopt_legacy_completions
from kehoach.store.outbox import (
    UpsertCounts, enqueue, plans_with_pending, retire_missing, skip_plan_rows, upsert_by_key,
)

RETIRED = "Không còn trong kế hoạch (đã đồng bộ lại)"
PLAN_GONE = "Kế hoạch không còn trong cấu hình (đã đồng bộ lại)"


@dataclass
class SyncCounts:
    year: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    frozen: int = 0  # already sent, failed, skipped or being sent: left as they are
    retired: int = 0  # pending rows the plans no longer produce, or of plans gone from the config
    by_plan: dict[str, int] = field(default_factory=dict)  # notifications expanded per plan

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_notifications(
    session: Session, year: int, plan_ids: Iterable[str], notifications: Iterable[Notification], now: datetime,
) -> SyncCounts:
    """Upsert ``notifications`` as they come and retire the plans' other pending rows of ``year``."""
    counts = SyncCounts(year)
    plans = list(plan_ids)
    produced = Produced()

    def noted() -> Iterator[Notification]:
        for n in notifications:
            counts.by_plan[n.plan] = counts.by_plan.get(n.plan, 0) + 1
            produced.add(n)
            yield n

    up: UpsertCounts = upsert_by_key(session, noted(), now, year)
    produced.close()
    counts.inserted, counts.updated, counts.unchanged, counts.frozen = up.inserted, up.updated, up.unchanged, up.frozen
    cancel = cancellations(session, plans, year, produced, produced.live, now)
    counts.retired = retire_missing(session, plans, year, produced, now, RETIRED)
    enqueue(session, cancel)
    return counts


def sync(
    config: Config, year: int, session: Session, now: datetime, plan_ids: Iterable[str] | None = None,
) -> SyncCounts:
    """Expand the plans of ``config`` (all, or ``plan_ids``) for ``year`` into the outbox.

    Retired plans are not expanded. Completions stored under a repeating task's bare id first
    move to their occurrence (``adopt_legacy_completions``), so they still count. Syncing every plan also skips the pending rows of plans
    the config no longer has.
    """
    calendar = config.calendar([year])
    states = plan_states(session.get_bind())  # type: ignore[arg-type]
    chosen = list(config.plans) if plan_ids is None else [config.plan(p).id for p in plan_ids]
    live = [p for p in chosen if states.get(p) != PlanState.RETIRED]
    for plan_id in live:
        adopt_legacy_completions(session, config.plans[plan_id])
    notifications = (n for plan_id in live for n in stream(config.plans[plan_id], year, config.directory, calendar,
                                                             plan_extensions(session, plan_id)))
    counts = sync_notifications(session, year, live, notifications, now)
    if plan_ids is None:
        counts.retired += skip_plan_rows(session, plans_with_pending(session) - set(config.plans), now, PLAN_GONE)
    return counts


def move_unit_ladder(config: Config, session: Session, plan_id: str, period: Period, unit_id: str,
                     now: datetime) -> UpsertCounts:
    """After an extension, move that unit's pending reminders of the period to its new deadline now.

    Only the unit's own rows of that period change (same keys, new dates, new .ics sequence);
    rows already sent stay a record of the past, and no other unit's row is touched.
    """
    return upsert_by_key(session, unit_ladder(config, session, plan_id, period, unit_id), now, period.year)


def unit_ladder(config: Config, session: Session, plan_id: str, period: Period, unit_id: str) -> list[Notification]:
    """The unit's reminders, due-day and overdue notices of the period, at its deadline (extensions included)."""
    notes = stream(config.plans[plan_id], period.year, config.directory, config.calendar([period.year]),
                   plan_extensions(session, plan_id))
    return [n for n in notes if n.unit == unit_id and n.period == period.id and n.kind in REPORT_CHASING_KINDS]
