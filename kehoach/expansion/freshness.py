"""Keep the outbox in step with the plans between morning syncs.

The daily sync expands every plan at 06:30; a plan changed at 10:00 (a due date moved in its
YAML, a new plan dropped into ``config/plans/`` or uploaded in the console, a unit added to a
group) would otherwise send its old reminders until the next morning. Each plan's fingerprint
(its validated content, with the directory and calendar it expands against) is recorded when
it is synced; ``sync_changed`` re-syncs only the plans whose fingerprint differs, so it costs a
few hashes when nothing changed and can run before every dispatch.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from kehoach.expansion.sync import SyncCounts, sync
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
    """Remember ``prints`` as what the outbox of ``year`` was built from (a plan synced unchanged writes nothing)."""
    changed = False
    for plan_id, fingerprint in prints.items():
        row = session.get(PlanSync, (plan_id, year))
        if row is None:
            session.add(PlanSync(plan=plan_id, year=year, fingerprint=fingerprint, synced_at=now))
        elif row.fingerprint != fingerprint:
            row.fingerprint, row.synced_at = fingerprint, now
            session.add(row)
        else:
            continue  # the same plan synced again: nothing to write
        changed = True
    if changed:
        session.commit()


def sync_recorded(config: Config, year: int, session: Session, now: datetime,
                  plan_ids: list[str] | None = None) -> SyncCounts:
    """``sync`` (every plan, or ``plan_ids``), then record the synced plans' fingerprints."""
    counts = sync(config, year, session, now, plan_ids)
    prints = fingerprints(config)
    record_synced(session, year, prints if plan_ids is None else {p: prints[p] for p in plan_ids}, now)
    return counts


def sync_changed(config: Config, engine: Engine, now: datetime) -> list[str]:
    """Sync, for the year of ``now``, the plans new or changed since the year's last sync; their ids.

    Nothing when the year was never synced here: that first sync is the morning's (or
    ``kehoach sync``'s) to make, with its full report.
    """
    with Session(engine) as session:
        seen = {r.plan: r.fingerprint for r in session.exec(select(PlanSync).where(PlanSync.year == now.year))}
        if not seen:
            return []
        prints = fingerprints(config)
        changed = sorted(p for p, f in prints.items() if seen.get(p) != f)
        if changed:
            sync_recorded(config, now.year, session, now, changed)
        return changed
