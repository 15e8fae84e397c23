"""sync(year): bring the outbox in line with the plans' expansion of that year, inside a horizon.

A sync at ``now`` writes only what the dispatcher could still send between ``now`` and
``now + days`` (``expansion.horizon``): not the reminders the late window would skip, not the
months ahead. Events are judged before their fan-out to units, so a sync costs its horizon,
not the year; the morning sync and the re-sync before every dispatch move the horizon on.

Idempotent: a second run adds nothing. A plan change updates the pending rows it concerns
(a moved due date moves them), a unit's extension moves that unit's ladder (``move_unit_ladder``
does it at once when the extension is granted),
and a notification the plan no longer produces is skipped with the reason (a deadline the
unit was already sent gets a calendar cancellation, ``delivery.cancellation``); rows already
sent, failed or skipped are never touched, so the outbox stays a true record of the past.
Only the pending rows inside the horizon are judged: a row beyond it (written by a longer
horizon, or moved there by an extension) is judged when the horizon reaches it. A row skipped
as no longer in the plan that the plan produces again (its date moved beyond the horizon,
and the horizon reached it) is pending again, so skipping inside the horizon never freezes a
row that comes back.
A whole sync also skips the pending rows of plans no longer in the config (renamed or
deleted) and of retired plans, so removing a plan file stops its reminders.
The expansion is written as it is generated (``expand.stream``), 500 rows at a time, and only
each event's recipients are kept to find what to retire (``expansion.produced``): a plan of
50,000 units never holds its year in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from kehoach.plans.config import Config
from kehoach.plans.lifecycle import PlanState, plan_states
from kehoach.calendar import VN_TZ
from kehoach.expansion.expand import Admits, calendar_units, stream
from kehoach.expansion.horizon import DEFAULT_HORIZON_DAYS, Horizon
from kehoach.expansion.produced import Produced
from kehoach.notification import REPORT_CHASING_KINDS, Notification
from kehoach.submissions.periods import Period
from kehoach.submissions.record import plan_extensions
from kehoach.delivery.cancellation import Event, cancellations
from kehoach.submissions.task_done import adopt_legacy_completions
from kehoach.store.outbox import (
    UpsertCounts, enqueue, outbox_plans, plans_without_rows, retire_missing, skip_plan_rows, upsert_by_key,
)

RETIRED = "Không còn trong kế hoạch (đã đồng bộ lại)"
PLAN_GONE = "Kế hoạch không còn trong cấu hình (đã đồng bộ lại)"


@dataclass
class SyncCounts:
    year: int
    inserted: int = 0
    updated: int = 0  # pending rows whose content changed, or rows retired earlier the plan produces again
    unchanged: int = 0
    frozen: int = 0  # already sent, failed, skipped or being sent: left as they are
    retired: int = 0  # pending rows the plans no longer produce, or of plans gone from the config
    by_plan: dict[str, int] = field(default_factory=dict)  # notifications written or compared, per plan
    window_from: str = ""  # the horizon synced, dd/mm/yyyy
    window_to: str = ""
    reached: bool = True  # False: the horizon does not reach the year, nothing was written
    full: int = 0  # plans whose whole horizon was judged
    extended: int = 0  # plans unchanged since their last sync: only the days beyond it were written

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def horizon_of(config: Config, now: datetime, days: int) -> Horizon:
    """The horizon of a sync at ``now``, judged on the dispatcher's calendar (the year of ``now``)."""
    return Horizon(now, days, config.calendar([now.astimezone(VN_TZ).year]))


def sync_notifications(
    session: Session, year: int, plan_ids: Sequence[str], notifications: Iterable[Notification], now: datetime,
    horizon: Horizon | None = None, live: Container[Event] | None = None,
) -> SyncCounts:
    """Upsert ``notifications`` as they come and retire the plans' other pending rows of ``year``.

    With a ``horizon``, only the pending rows inside it are judged, and ``live`` says which
    calendar events the plans still produce in the whole year; without one, the
    notifications are the whole year's. A plan with no row in the outbox yet (a first sync)
    has nothing to look up, retire or cancel: its rows are only inserted.
    """
    counts = SyncCounts(year)
    if horizon is not None:
        counts.window_from, counts.window_to = horizon.span()
    new = plans_without_rows(session, plan_ids)
    plans = [p for p in plan_ids if p not in new]
    judged = set(plans)  # the others' notifications (new plans, or a sync's extended ones) retire nothing
    produced = Produced()
    inside = [] if horizon is None else horizon.rows()

    def noted() -> Iterator[Notification]:
        for n in notifications:
            counts.by_plan[n.plan] = counts.by_plan.get(n.plan, 0) + 1
            if n.plan in judged:
                produced.add(n)
            yield n

    up: UpsertCounts = upsert_by_key(session, noted(), now, year, revive=RETIRED, new_plans=new)
    produced.close()
    counts.inserted, counts.updated, counts.unchanged, counts.frozen = up.inserted, up.updated, up.unchanged, up.frozen
    cancel = cancellations(session, plans, year, produced, produced.live if live is None else live, now, *inside)
    counts.retired = retire_missing(session, plans, year, produced, now, RETIRED, *inside)
    enqueue(session, cancel)
    return counts


class _YearEvents:
    """The calendar events the plans produce in the whole year, computed only when a
    cancellation is considered (a sync that retires nothing never needs them)."""

    def __init__(self, make: Callable[[], dict[tuple[str, str, str], set[str]]]) -> None:
        self._make = make
        self._events: dict[tuple[str, str, str], set[str]] | None = None

    def __contains__(self, event: object) -> bool:
        if self._events is None:
            self._events = self._make()
        plan, item, period, unit = event  # type: ignore[misc]
        return unit in self._events.get((plan, item, period), ())


def sync(
    config: Config, year: int, session: Session, now: datetime, plan_ids: Iterable[str] | None = None,
    days: int = DEFAULT_HORIZON_DAYS, written_to: Mapping[str, datetime] | None = None,
) -> SyncCounts:
    """Write the notifications of ``config``'s plans (all, or ``plan_ids``) for ``year`` that fall
    inside the horizon of ``days`` days from ``now`` (``expansion.horizon``) into the outbox.

    Retired plans are not expanded. Completions stored under a repeating task's bare id first
    move to their occurrence (``adopt_legacy_completions``), so they still count. Syncing every plan also skips the pending rows of plans
    the config no longer has. A year the horizon does not reach writes nothing.
    A plan in ``written_to`` is known to have its horizon written up to that moment from the
    same inputs (``freshness``): only its notifications sent after it are written, nothing of
    it is judged or retired (its expansion up to there is what was written).
    """
    horizon = horizon_of(config, now, days)
    if not horizon.reaches(year):
        start, end = horizon.span()
        return SyncCounts(year, window_from=start, window_to=end, reached=False)
    calendar = config.calendar([year])
    states = plan_states(session.get_bind())  # type: ignore[arg-type]
    chosen = list(config.plans) if plan_ids is None else [config.plan(p).id for p in plan_ids]
    live = [p for p in chosen if states.get(p) != PlanState.RETIRED]
    since = {p: written_to[p] for p in live if written_to and p in written_to}
    judged = [p for p in live if p not in since]
    extensions = {plan_id: plan_extensions(session, plan_id) for plan_id in live}
    for plan_id in live:
        adopt_legacy_completions(session, config.plans[plan_id])

    def admits(plan_id: str) -> Admits:
        if plan_id not in since:
            return horizon.admits
        after = since[plan_id]
        return lambda kind, send_at, deadline: send_at > after and horizon.admits(kind, send_at, deadline)

    notifications = (n for plan_id in live for n in stream(config.plans[plan_id], year, config.directory, calendar,
                                                             extensions[plan_id], admits(plan_id)))

    def year_events() -> dict[tuple[str, str, str], set[str]]:
        return {e: units for plan_id in judged for e, units in calendar_units(
            config.plans[plan_id], year, config.directory, calendar, extensions[plan_id]).items()}

    counts = sync_notifications(session, year, judged, notifications, now, horizon, _YearEvents(year_events))
    counts.full, counts.extended = len(judged), len(since)
    if plan_ids is None:
        counts.retired += skip_plan_rows(session, outbox_plans(session) - set(config.plans), now, PLAN_GONE)
    return counts


def move_unit_ladder(config: Config, session: Session, plan_id: str, period: Period, unit_id: str,
                     now: datetime, days: int = DEFAULT_HORIZON_DAYS) -> UpsertCounts:
    """After an extension, move that unit's pending reminders of the period to its new deadline now.

    Only the unit's own rows of that period change (same keys, new dates, new .ics sequence);
    rows already sent stay a record of the past, and no other unit's row is touched. Like a
    sync, it writes new rows only inside the horizon; a row already written moves to its new
    date even beyond it (left at its old date, it would go out on the old deadline).
    """
    horizon = horizon_of(config, now, days)
    ladder = [n for n in unit_ladder(config, session, plan_id, period, unit_id)
              if n.send_at > horizon.end or horizon.admits(n.kind, n.send_at, n.deadline)]
    counts = upsert_by_key(session, [n for n in ladder if n.send_at <= horizon.end], now, period.year,
                           revive=RETIRED)
    beyond = upsert_by_key(session, [n for n in ladder if n.send_at > horizon.end], now, period.year, insert=False)
    counts.updated += beyond.updated
    counts.unchanged += beyond.unchanged
    counts.frozen += beyond.frozen
    return counts


def unit_ladder(config: Config, session: Session, plan_id: str, period: Period, unit_id: str) -> list[Notification]:
    """The unit's reminders, due-day and overdue notices of the period, at its deadline (extensions included)."""
    notes = stream(config.plans[plan_id], period.year, config.directory, config.calendar([period.year]),
                   plan_extensions(session, plan_id), period=period.id)
    return [n for n in notes if n.unit == unit_id and n.kind in REPORT_CHASING_KINDS]
