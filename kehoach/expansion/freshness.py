"""Keep the outbox in step with the plans between morning syncs.

The daily sync expands every plan at 06:30; a plan changed at 10:00 (a due date moved in its
YAML, a new plan dropped into ``config/plans/`` or uploaded in the console, a unit added to a
group) would otherwise send its old reminders until the next morning. Each plan's fingerprint
(its validated content, with the directory and calendar it expands against) is recorded when
it is synced; ``sync_changed`` re-syncs only the plans whose fingerprint differs, so it costs a
few hashes when nothing changed and can run before every dispatch. Syncs write a rolling
horizon (``expansion.horizon``): a plan changed at 10:00 is re-synced over the horizon of
that moment, for every year the horizon reaches; and a plan last synced on an earlier day is
synced again too, so the first dispatch of a day moves the horizon on even when the morning
sync did not run.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from kehoach.calendar import VN_TZ
from kehoach.expansion.horizon import DEFAULT_HORIZON_DAYS
from kehoach.expansion.sync import SyncCounts, horizon_of, sync
from kehoach.plans.config import Config
from kehoach.store.plan_tables import PlanSync


def fingerprints(config: Config) -> dict[str, str]:
    """Each plan's fingerprint: a hash of the plan and of the directory and calendar it expands against."""
    shared = hashlib.sha256()
    shared.update(config.directory.model_dump_json().encode())
    shared.update(config.overrides.model_dump_json().encode())
    out = {}
    for plan_id, plan in config.plans.items():
        h = shared.copy()
        h.update(plan.model_dump_json().encode())
        out[plan_id] = h.hexdigest()
    return out


def record_synced(session: Session, year: int, prints: dict[str, str], now: datetime) -> None:
    """Remember ``prints`` as what the outbox of ``year`` was built from, and the day of the
    horizon synced (a plan synced again unchanged the same day writes nothing)."""
    changed = False
    today = now.astimezone(VN_TZ).date()
    for plan_id, fingerprint in prints.items():
        row = session.get(PlanSync, (plan_id, year))
        if row is None:
            session.add(PlanSync(plan=plan_id, year=year, fingerprint=fingerprint, synced_at=now))
        elif row.fingerprint != fingerprint or row.synced_at.astimezone(VN_TZ).date() < today:
            row.fingerprint, row.synced_at = fingerprint, now
            session.add(row)
        else:
            continue  # the same plan synced again: nothing to write
        changed = True
    if changed:
        session.commit()


def sync_recorded(config: Config, year: int, session: Session, now: datetime,
                  plan_ids: list[str] | None = None, days: int = DEFAULT_HORIZON_DAYS) -> SyncCounts:
    """``sync`` (every plan, or ``plan_ids``), then record the synced plans' fingerprints.

    A year the horizon does not reach is not recorded: nothing of it was synced.
    """
    counts = sync(config, year, session, now, plan_ids, days)
    if counts.reached:
        prints = fingerprints(config)
        record_synced(session, year, prints if plan_ids is None else {p: prints[p] for p in plan_ids}, now)
    return counts


def sync_horizon(config: Config, session: Session, now: datetime, plan_ids: list[str] | None = None,
                 days: int = DEFAULT_HORIZON_DAYS, year: int | None = None) -> list[SyncCounts]:
    """``sync_recorded`` of ``year``, or of every year the horizon of ``now`` reaches (two around New Year)."""
    years = [year] if year is not None else horizon_of(config, now, days).years()
    return [sync_recorded(config, y, session, now, plan_ids, days) for y in years]


def sync_changed(config: Config, engine: Engine, now: datetime, days: int = DEFAULT_HORIZON_DAYS) -> list[str]:
    """Sync, over the horizon of ``now``, the plans new or changed since their last sync; their ids.

    Every year the horizon reaches that was synced here is looked at; a year never synced is
    left to the morning's (or ``kehoach sync``'s) first sync, with its full report. Plans last
    synced on an earlier day are synced again as well (the horizon moves on), but are not
    reported as changed.
    """
    today = now.astimezone(VN_TZ).date()
    changed: set[str] = set()
    with Session(engine) as session:
        prints = fingerprints(config)
        for year in horizon_of(config, now, days).years():
            seen = {r.plan: r for r in session.exec(select(PlanSync).where(PlanSync.year == year))}
            if not seen:
                continue
            new = {p for p, f in prints.items() if p not in seen or seen[p].fingerprint != f}
            stale = {p for p in prints if p in seen and seen[p].synced_at.astimezone(VN_TZ).date() < today}
            if new | stale:
                sync_recorded(config, year, session, now, sorted(new | stale), days)
            changed |= new
        return sorted(changed)
