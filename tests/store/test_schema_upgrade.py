"""A database made by an older kehoach gains the columns added since, and keeps its rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from kehoach.expansion.freshness import fingerprints, sync_recorded
from kehoach.store.db import make_engine, session
from kehoach.store.plan_tables import PlanSync
from tests.delivery_factories import at
from tests.factories import config_at, write_config


def test_an_old_plan_sync_table_gains_synced_to_and_its_plans_get_a_full_sync(engine: Engine, tmp_path: Path) -> None:
    # Given a plan_sync table without synced_to (kehoach before the incremental sync), with a row
    # whose fingerprint is the plan's now
    cfg = config_at(write_config(tmp_path))
    now = at(date(2026, 11, 19), 6, 30)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE plan_sync DROP COLUMN synced_to"))
        conn.execute(text("INSERT INTO plan_sync (plan, year, fingerprint, synced_at) VALUES (:p, 2026, :f, :t)"),
                     {"p": "2026-thu-nghiem", "f": fingerprints(cfg)["2026-thu-nghiem"], "t": now})
    assert "synced_to" not in {c["name"] for c in inspect(engine).get_columns("plan_sync")}
    # When kehoach opens it
    upgraded = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        assert "synced_to" in {c["name"] for c in inspect(upgraded).get_columns("plan_sync")}
        with session(upgraded) as s:
            old = s.get(PlanSync, ("2026-thu-nghiem", 2026))
            assert old is not None and old.synced_to is None
            # Then its plans are synced in full once, and the end of the horizon is recorded
            counts = sync_recorded(cfg, 2026, s, now)
            assert (counts.full, counts.extended) == (1, 0) and counts.inserted > 0
            s.expire_all()
            assert s.get(PlanSync, ("2026-thu-nghiem", 2026)).synced_to == at(date(2026, 12, 3), 6, 30)  # type: ignore[union-attr]
            assert sync_recorded(cfg, 2026, s, at(date(2026, 11, 20), 6, 30)).extended == 1
    finally:
        upgraded.dispose()
