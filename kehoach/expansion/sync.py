"""sync(year): bring the outbox in line with every plan's expansion for that year.

Idempotent: a second run adds nothing. A plan change updates the pending rows it concerns,
and a notification the plan no longer produces is skipped with the reason; rows already
sent, failed or skipped are never touched, so the outbox stays a true record of the past.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from kehoach.plans.config import Config
from kehoach.expansion.expand import expand
from kehoach.notification import Notification
from kehoach.store.outbox import UpsertCounts, retire_missing, upsert_by_key

RETIRED = "Không còn trong kế hoạch (đã đồng bộ lại)"


@dataclass
class SyncCounts:
    year: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    frozen: int = 0  # already sent, failed, skipped or being sent: left as they are
    retired: int = 0  # pending rows the plans no longer produce
    by_plan: dict[str, int] = field(default_factory=dict)  # notifications expanded per plan

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_notifications(
    session: Session, year: int, plan_ids: Iterable[str], notifications: list[Notification], now: datetime,
) -> SyncCounts:
    """Upsert ``notifications`` and retire the plans' other pending rows of ``year``."""
    counts = SyncCounts(year)
    plans = list(plan_ids)
    for n in notifications:
        counts.by_plan[n.plan] = counts.by_plan.get(n.plan, 0) + 1
    up: UpsertCounts = upsert_by_key(session, notifications, now, year)
    counts.inserted, counts.updated, counts.unchanged, counts.frozen = up.inserted, up.updated, up.unchanged, up.frozen
    keep = {n.key for n in notifications}
    counts.retired = retire_missing(session, plans, year, keep, now, RETIRED)
    return counts


def sync(config: Config, year: int, session: Session, now: datetime) -> SyncCounts:
    """Expand every plan of ``config`` for ``year`` and upsert the result into the outbox."""
    calendar = config.calendar([year])
    notifications: list[Notification] = []
    for plan in config.plans.values():
        notifications += expand(plan, year, config.directory, calendar)
    return sync_notifications(session, year, config.plans, notifications, now)

