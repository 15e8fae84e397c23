"""A sync extends the horizon of an unchanged plan instead of judging it again; what it writes
is what a full sync would write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import col

from kehoach.expansion.freshness import sync_recorded
from kehoach.expansion.sync import sync
from kehoach.plans.config import Config
from kehoach.plans.lifecycle import PlanState, set_plan_state
from kehoach.settings import REPO_ROOT
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import listing
from kehoach.store.plan_tables import PlanSync
from kehoach.store.tables import Outbox
from kehoach.submissions.followup import extend
from kehoach.submissions.periods import periods_of_year
from tests.delivery_factories import at
from tests.factories import PLAN, config_at, write_config

PLAN_ID = "2026-thu-nghiem"
OTHER = PLAN.replace("id: 2026-thu-nghiem", "id: 2026-thu-nghiem-2")
MOVED = PLAN.replace("due: 15/12", "due: 31/12").replace("due: 05/12", "due: 24/12")
MORNINGS = [date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 4),
            date(2026, 12, 20)]


def morning(day: date) -> datetime:
    return at(day, 6, 30)


def outbox(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Everything a row says except when it was written."""
    with session(engine) as s:
        return {r.key: (r.status, r.send_at, r.deadline, r.content_hash, r.last_error, r.context)
                for r in listing(s)}


class Twins:
    """Two databases synced alike, one incrementally, the other in full: they must agree."""

    def __init__(self, tmp_path: Path) -> None:
        self.cfg = write_config(tmp_path)
        self.fast = make_engine(f"sqlite:///{tmp_path / 'fast.db'}")
        self.full = make_engine(f"sqlite:///{tmp_path / 'full.db'}")

    def config(self) -> Config:
        return config_at(self.cfg)

    def sync(self, now: datetime) -> Any:
        with session(self.full) as s:
            sync_recorded(self.config(), 2026, s, now, full=True)
        with session(self.fast) as s:
            counts = sync_recorded(self.config(), 2026, s, now)
        assert outbox(self.fast) == outbox(self.full)
        return counts


def synced_to(engine: Engine, plan: str = PLAN_ID) -> datetime | None:
    with session(engine) as s:
        row = s.get(PlanSync, (plan, 2026))
        return None if row is None else row.synced_to


def test_an_unchanged_plan_next_morning_gets_only_the_new_days_rows_and_what_a_full_sync_writes(
        tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    first = twins.sync(morning(MORNINGS[0]))
    assert (first.full, first.extended) == (1, 0) and first.inserted > 0
    added = []
    for day in MORNINGS[1:]:
        end = synced_to(twins.fast)
        assert end is not None
        before = outbox(twins.fast)
        counts = twins.sync(morning(day))
        assert (counts.full, counts.extended) == (0, 1)
        assert counts.updated == counts.unchanged == counts.retired == 0
        new = {k: v for k, v in outbox(twins.fast).items() if k not in before}
        assert len(new) == counts.inserted
        assert all(send_at > end for _, send_at, *_ in new.values())
        assert synced_to(twins.fast) == synced_to(twins.full) > end
        added.append(counts.inserted)
    assert any(added)  # the mornings' new days did bring rows


def test_the_same_morning_again_writes_nothing(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    twins.sync(morning(MORNINGS[0]))
    again = twins.sync(morning(MORNINGS[0]))
    assert (again.full, again.extended, again.inserted, again.updated) == (0, 1, 0, 0)


def test_a_moved_due_date_resyncs_that_plan_in_full_and_moves_its_rows(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    (twins.cfg / "plans" / "other.yaml").write_text(OTHER, encoding="utf-8")
    twins.sync(morning(date(2026, 11, 25)))
    before = outbox(twins.fast)
    (twins.cfg / "plans" / "plan.yaml").write_text(MOVED, encoding="utf-8")
    counts = twins.sync(morning(date(2026, 11, 26)))
    assert (counts.full, counts.extended) == (1, 1)
    assert counts.retired > 0  # the due day's rows left the horizon with the new deadline
    after = outbox(twins.fast)
    gone = [k for k, v in after.items() if k.startswith(f"{PLAN_ID}/") and v[0] == "skipped" and before[k][0] == "pending"]
    assert gone
    assert {k: v for k, v in after.items() if k.startswith(f"{PLAN_ID}-2/") and k in before} == {
        k: v for k, v in before.items() if k.startswith(f"{PLAN_ID}-2/")}


def test_a_new_plan_is_synced_in_full_beside_the_unchanged_one(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    twins.sync(morning(date(2026, 11, 25)))
    (twins.cfg / "plans" / "other.yaml").write_text(OTHER, encoding="utf-8")
    counts = twins.sync(morning(date(2026, 11, 26)))
    assert (counts.full, counts.extended) == (1, 1)
    assert counts.by_plan[f"{PLAN_ID}-2"] > 0
    assert synced_to(twins.fast, f"{PLAN_ID}-2") == synced_to(twins.fast) == morning(date(2026, 12, 10))


def test_a_retired_plan_gets_no_new_day(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    twins.sync(morning(date(2026, 11, 19)))
    for engine in (twins.fast, twins.full):
        set_plan_state(engine, PLAN_ID, PlanState.RETIRED, by="van-phong", now=at(date(2026, 11, 19), 9))
    counts = twins.sync(morning(date(2026, 11, 25)))
    assert (counts.full, counts.extended, counts.inserted) == (0, 0, 0)
    assert not [v for v in outbox(twins.fast).values() if v[0] == "pending"]


def test_an_extension_granted_then_next_morning_agrees_with_a_full_sync(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    twins.sync(morning(date(2026, 11, 25)))  # up to 09/12
    cfg = twins.config()
    plan = cfg.plans[PLAN_ID]
    period = next(p for p in periods_of_year(plan, 2026, cfg.calendar([2026])) if p.report.id == "nam")
    for engine in (twins.fast, twins.full):
        with session(engine) as s:
            extend(cfg, s, plan, period, "phong-1", date(2026, 12, 31), by="van-phong", now=at(date(2026, 11, 25), 10))
    for day in (date(2026, 11, 26), date(2026, 12, 10), date(2026, 12, 18), date(2026, 12, 28)):
        counts = twins.sync(morning(day))
        assert (counts.full, counts.extended) == (0, 1)
    assert [k for k in outbox(twins.fast) if "/phong-1/" in k and "/nam-2026/-10/" in k]


def test_a_sync_before_the_last_ones_horizon_start_or_at_an_earlier_moment_is_full(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    twins.sync(morning(date(2026, 11, 2)))  # up to 16/11
    late = twins.sync(morning(date(2026, 11, 25)))  # the days from 16/11 to 25/11 were never written
    assert (late.full, late.extended) == (1, 0)
    earlier = twins.sync(morning(date(2026, 11, 23)))
    assert (earlier.full, earlier.extended) == (1, 0)


def test_a_plan_synced_before_synced_to_was_recorded_gets_a_full_sync(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    twins.sync(morning(date(2026, 11, 19)))
    with session(twins.fast) as s:  # what a kehoach older than synced_to left
        row = s.get(PlanSync, (PLAN_ID, 2026))
        assert row is not None
        row.synced_to = None
        s.add(row)
        s.commit()
    counts = twins.sync(morning(date(2026, 11, 20)))
    assert (counts.full, counts.extended) == (1, 0)
    assert synced_to(twins.fast) == morning(date(2026, 12, 4))


def kehoach(cfg: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env = {**clean, "KEHOACH_CONFIG_DIR": str(cfg), "KEHOACH_DATA_DIR": str(data), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env, timeout=120)


def test_kehoach_sync_full_brings_back_a_row_deleted_by_hand(tmp_path: Path) -> None:
    cfg, data = write_config(tmp_path), tmp_path / "data"
    now = "2026-11-19T06:30:00+07:00"
    first = kehoach(cfg, data, "sync", "--year", "2026", "--now", now, "--json")
    assert first.returncode == 0, first.stderr
    assert [(c["full"], c["extended"]) for c in json.loads(first.stdout)] == [(1, 0)]
    engine = make_engine(f"sqlite:///{data / 'kehoach.db'}")
    lost = sorted(outbox(engine))[0]
    with session(engine) as s:
        s.execute(delete(Outbox).where(col(Outbox.key) == lost))
        s.commit()
    again = kehoach(cfg, data, "sync", "--year", "2026", "--now", now)
    assert again.returncode == 0, again.stderr
    assert "Kế hoạch đồng bộ đầy đủ: 0; kế hoạch chỉ ghi thêm ngày mới: 1" in again.stdout
    assert lost not in outbox(engine)  # an unchanged plan is not judged again
    full = kehoach(cfg, data, "sync", "--year", "2026", "--now", now, "--full", "--json")
    assert full.returncode == 0, full.stderr
    [counts] = json.loads(full.stdout)
    assert (counts["full"], counts["extended"], counts["inserted"]) == (1, 0, 1)
    assert lost in outbox(engine)
    helped = kehoach(cfg, data, "sync", "--help")
    assert "Kiểm tra lại toàn bộ khoảng đồng bộ của mọi kế hoạch" in " ".join(helped.stdout.split())


def test_rows_written_but_not_recorded_are_written_again_and_agree_with_a_full_sync(tmp_path: Path) -> None:
    # Given a sync that wrote the next morning's rows and stopped before recording how far
    twins = Twins(tmp_path)
    twins.sync(morning(date(2026, 11, 19)))
    end = synced_to(twins.fast)
    with session(twins.fast) as s:
        crashed = sync(twins.config(), 2026, s, morning(date(2026, 11, 23)))
    assert crashed.inserted > 0 and synced_to(twins.fast) == end
    # Then the next sync takes it from the recorded end again, writes nothing twice, and agrees
    counts = twins.sync(morning(date(2026, 11, 23)))
    assert (counts.extended, counts.inserted, counts.unchanged) == (1, 0, crashed.inserted)
    assert synced_to(twins.fast) == morning(date(2026, 12, 7))


def plan_print(tmp_path: Path, source: Path) -> str:
    """The plan's fingerprint as computed by the kehoach package found at ``source``."""
    cfg = write_config(tmp_path / "cfg")
    code = ("from kehoach.expansion.freshness import fingerprints; from tests.factories import config_at; "
            f"from pathlib import Path; print(fingerprints(config_at(Path({str(cfg)!r})))[{PLAN_ID!r}])")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")},
           "PYTHONPATH": os.pathsep.join([str(source), str(REPO_ROOT)])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_kehoach_upgrade_changes_every_plans_fingerprint(tmp_path: Path) -> None:
    # Given a copy of kehoach, then the same copy with its expansion changed
    copy = tmp_path / "copy"
    shutil.copytree(REPO_ROOT / "kehoach", copy / "kehoach", ignore=shutil.ignore_patterns("__pycache__"))
    before = plan_print(tmp_path, copy)
    assert before == plan_print(tmp_path, copy)
    with (copy / "kehoach" / "expansion" / "expand.py").open("a", encoding="utf-8") as f:
        f.write("\nUPGRADED = True\n")
    # Then the plan's fingerprint differs: the next sync of every plan is a full one
    assert plan_print(tmp_path, copy) != before
