"""Keep the outbox in step with the plans between morning syncs, and sync only what moved.

The daily sync expands every plan at 06:30; a plan changed at 10:00 (a due date moved in its
YAML, a new plan dropped into ``config/plans/`` or uploaded in the console, a unit added to a
group) would otherwise send its old reminders until the next morning. Each plan's fingerprint
(its validated content, with the directory and calendar it expands against, and kehoach's own
source: an upgrade may expand the same plan differently) is recorded when it is synced, with
the end of the horizon written (``synced_to``); ``sync_changed`` re-syncs only the plans whose
fingerprint differs, so it costs a few hashes when nothing changed and can run before every
dispatch. Syncs write a rolling horizon (``expansion.horizon``): a plan changed at 10:00 is
re-synced over the horizon of that moment, for every year the horizon reaches; and a plan last
synced on an earlier day is synced again too, so the first dispatch of a day moves the horizon
on even when the morning sync did not run.

A sync is incremental: a plan whose fingerprint is unchanged and whose horizon was written up
to a moment the new horizon still covers only has its notifications sent after that moment
written (the day the horizon moved on); its expansion is a pure function of what the
fingerprint covers, so there is nothing to compare or retire. A plan new or changed, never
synced, synced by a kehoach that did not record ``synced_to``, or synced before the new
horizon's start is synced in full (``full=True``: every plan). The other inputs are kept in
step where they change: an extension moves the unit's rows when it is granted
(``move_unit_ladder``) and later days are expanded with it, retiring a plan skips its rows,
a paused plan keeps its rows pending. ``synced_to`` is recorded after the rows are committed:
a crash between the two leaves the older record, and the next sync writes the same rows again
(upserts are idempotent).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from kehoach.calendar import VN_TZ
from kehoach.expansion.horizon import DEFAULT_HORIZON_DAYS
from kehoach.expansion.horizon import Horizon
from kehoach.expansion.sync import SyncCounts, horizon_of, sync
from kehoach.plans.config import Config
from kehoach.store.outbox import chunks
from kehoach.store.plan_tables import PlanSync


_SOURCE = Path(__file__).resolve().parent.parent  # the kehoach package


@cache
def code_fingerprint() -> str:
    """A digest of kehoach's own source, read once per process: a new version may expand differently."""
    h = hashlib.sha256()
    for path in sorted(_SOURCE.rglob("*.py")):
        h.update(path.relative_to(_SOURCE).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def fingerprints(config: Config) -> dict[str, str]:
    """Each plan's fingerprint: a hash of the plan, of the directory and calendar it expands
    against and of the code that expands it."""
    shared = hashlib.sha256()
    shared.update(code_fingerprint().encode())
    shared.update(config.directory.model_dump_json().encode())
    shared.update(config.overrides.model_dump_json().encode())
    out = {}
    for plan_id, plan in config.plans.items():
        h = shared.copy()
        h.update(plan.model_dump_json().encode())
        out[plan_id] = h.hexdigest()
    return out


def record_synced(session: Session, year: int, prints: dict[str, str], now: datetime, synced_to: datetime) -> None:
    """Remember ``prints`` as what the outbox of ``year`` was built from, up to ``synced_to``,
    and the day of the horizon synced (a plan synced again unchanged at the same moment writes nothing)."""
    changed = False
    today = now.astimezone(VN_TZ).date()
    known = {r.plan: r for ids in chunks(list(prints)) for r in session.exec(
        select(PlanSync).where(PlanSync.year == year, col(PlanSync.plan).in_(ids)))}
    for plan_id, fingerprint in prints.items():
        row = known.get(plan_id)
        if row is None:
            row = PlanSync(plan=plan_id, year=year, fingerprint=fingerprint, synced_at=now)
        elif row.fingerprint == fingerprint and row.synced_to == synced_to \
                and row.synced_at.astimezone(VN_TZ).date() >= today:
            continue  # the same plan synced again: nothing to write
        row.fingerprint, row.synced_at, row.synced_to = fingerprint, now, synced_to
        session.add(row)
        changed = True
    if changed:
        session.commit()


def written_to(session: Session, year: int, prints: dict[str, str], horizon: Horizon,
               plan_ids: list[str]) -> dict[str, datetime]:
    """The plans of ``plan_ids`` whose rows of ``year`` are written from the inputs they have now
    up to a moment ``horizon`` still covers, and that moment: they only need what lies beyond it.

    Not a plan changed since, never synced, synced without ``synced_to``, synced before the
    horizon's start (the days between were never written) or at a later ``now``
    (what the late window let go then is less than it lets go now).
    """
    out = {}
    for row in session.exec(select(PlanSync).where(PlanSync.year == year, col(PlanSync.plan).in_(plan_ids))):
        if (row.fingerprint == prints.get(row.plan) and row.synced_to is not None
                and row.synced_at <= horizon.now and row.synced_to >= horizon.start):
            out[row.plan] = row.synced_to
    return out


def sync_recorded(config: Config, year: int, session: Session, now: datetime,
                  plan_ids: list[str] | None = None, days: int = DEFAULT_HORIZON_DAYS,
                  full: bool = False, prints: dict[str, str] | None = None) -> SyncCounts:
    """``sync`` (every plan, or ``plan_ids``), then record the synced plans' fingerprints
    (``prints``, if the caller has them) and the end of the horizon written.

    Incremental unless ``full``: a plan unchanged since a sync whose horizon this one still
    covers only has the days beyond it written (``written_to``). A year the horizon does not
    reach is not recorded: nothing of it was synced.
    """
    prints = fingerprints(config) if prints is None else prints
    chosen = list(config.plans) if plan_ids is None else plan_ids
    horizon = horizon_of(config, now, days)
    since = {} if full else written_to(session, year, prints, horizon, chosen)
    counts = sync(config, year, session, now, plan_ids, days, since)
    if counts.reached:
        record_synced(session, year, {p: prints[p] for p in chosen}, now, horizon.end)
    return counts


def sync_horizon(config: Config, session: Session, now: datetime, plan_ids: list[str] | None = None,
                 days: int = DEFAULT_HORIZON_DAYS, year: int | None = None, full: bool = False) -> list[SyncCounts]:
    """``sync_recorded`` of ``year``, or of every year the horizon of ``now`` reaches (two around New Year)."""
    years = [year] if year is not None else horizon_of(config, now, days).years()
    prints = fingerprints(config)
    return [sync_recorded(config, y, session, now, plan_ids, days, full, prints) for y in years]


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
                sync_recorded(config, year, session, now, sorted(new | stale), days, prints=prints)
            changed |= new
        return sorted(changed)
