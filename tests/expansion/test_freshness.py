"""A plan changed or added between morning syncs reaches the outbox before the next send."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from kehoach.expansion.freshness import sync_changed, sync_recorded
from kehoach.settings import REPO_ROOT
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import listing
from tests.delivery_factories import at
from tests.factories import PLAN, config_at, pending_dates, write_config

NOW = at(date(2026, 11, 25), 9)  # the horizon (14 days) holds the report due 05/12
OTHER = PLAN.replace("id: 2026-thu-nghiem", "id: 2026-thu-nghiem-2")


def test_a_moved_due_date_moves_the_pending_rows_at_the_next_check_and_only_that_plans(tmp_path: Path) -> None:
    # Given two plans synced this morning
    cfg = write_config(tmp_path)
    (cfg / "plans" / "other.yaml").write_text(OTHER, encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    with session(engine) as s:
        sync_recorded(config_at(cfg), 2026, s, NOW)
    before, other_before = pending_dates(engine, "2026-thu-nghiem"), pending_dates(engine, "2026-thu-nghiem-2")
    # Nothing changed: the check syncs nothing
    assert sync_changed(config_at(cfg), engine, NOW) == []
    # When the office moves the first plan's report from 05/12 to 10/12 at 10:00
    plan_file = cfg / "plans" / "plan.yaml"
    plan_file.write_text(PLAN.replace("due: 05/12", "due: 10/12"), encoding="utf-8")
    # Then the next check (each dispatch makes it first) syncs that plan alone
    assert sync_changed(config_at(cfg), engine, at(date(2026, 11, 25), 10)) == ["2026-thu-nghiem"]
    after = pending_dates(engine, "2026-thu-nghiem")
    assert any(after[k] > before[k] for k in before if k in after)
    assert pending_dates(engine, "2026-thu-nghiem-2") == other_before
    # and the one after finds nothing left to do
    assert sync_changed(config_at(cfg), engine, at(date(2026, 11, 25), 10, 15)) == []


def test_a_plan_dropped_into_the_folder_is_synced_before_the_next_send(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    with session(engine) as s:
        sync_recorded(config_at(cfg), 2026, s, NOW)
    assert pending_dates(engine, "2026-thu-nghiem-2") == {}
    (cfg / "plans" / "other.yaml").write_text(OTHER, encoding="utf-8")
    assert sync_changed(config_at(cfg), engine, NOW) == ["2026-thu-nghiem-2"]
    assert pending_dates(engine, "2026-thu-nghiem-2")


def test_a_year_never_synced_is_left_to_the_morning_sync(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    assert sync_changed(config_at(cfg), engine, NOW) == []
    with session(engine) as s:
        assert listing(s) == []


def test_kehoach_dispatch_syncs_a_changed_plan_first(tmp_path: Path) -> None:
    # Given `kehoach sync` this morning, then the plan's due date moved in its YAML
    cfg = write_config(tmp_path)
    env = {**os.environ, "KEHOACH_CONFIG_DIR": str(cfg), "KEHOACH_DATA_DIR": str(tmp_path / "data")}

    def kehoach(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                              cwd=REPO_ROOT, env=env, timeout=300)

    assert kehoach("sync", "--year", "2026", "--now", NOW.isoformat()).returncode == 0
    (cfg / "plans" / "plan.yaml").write_text(PLAN.replace("due: 05/12", "due: 10/12"), encoding="utf-8")
    # When the dispatch runs, it names the plan it synced again before sending
    done = kehoach("dispatch", "--now", NOW.isoformat(), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resynced"] == ["2026-thu-nghiem"]
    again = kehoach("dispatch", "--now", NOW.isoformat())
    assert "đồng bộ lại" not in again.stderr
