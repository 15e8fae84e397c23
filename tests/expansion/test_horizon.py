"""Sync writes a rolling horizon: from what the late window still lets go out to ``now + days``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from kehoach.calendar import VN_TZ
from kehoach.delivery.lateness import too_late
from kehoach.expansion.freshness import sync_changed, sync_recorded
from kehoach.expansion.sync import RETIRED, sync
from kehoach.plans.config import Config, load_config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import Outcome, claim, listing, new_token, record
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.followup import extend
from kehoach.submissions.periods import periods_of_year
from tests.delivery_factories import at
from tests.factories import PLAN, write_config

PLAN_ID = "2026-thu-nghiem"
DUE_DAY = f"{PLAN_ID}/report_due/nam-2026/0"  # the report is due 05/12 (a Saturday): its due day is 04/12
MOVED = PLAN.replace("due: 15/12", "due: 31/12").replace("due: 05/12", "due: 24/12")  # the report's due day: 24/12


def morning(day: date) -> datetime:
    return at(day, 6, 30)


def load(tmp_path: Path, plan: str = PLAN) -> Config:
    return load_config(Settings(config_dir=write_config(tmp_path, plan=plan), data_dir=tmp_path / "data"))


def engine_at(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")


def rows(s: Session) -> dict[str, Outbox]:
    return {r.key: r for r in listing(s)}


def of_event(found: dict[str, Outbox], base: str) -> list[Outbox]:
    return [r for k, r in found.items() if k.startswith(f"{base}/")]


def test_a_notification_beyond_the_horizon_is_written_by_a_later_mornings_sync(tmp_path: Path) -> None:
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    with session(engine) as s:
        first = sync(cfg, 2026, s, morning(date(2026, 11, 19)), days=14)  # up to 03/12 06:30
        assert of_event(rows(s), DUE_DAY) == []
        assert (first.window_from, first.window_to) == ("19/11/2026", "03/12/2026")
        assert max(r.send_at for r in listing(s)) <= morning(date(2026, 12, 3))
        sync(cfg, 2026, s, morning(date(2026, 11, 23)), days=14)  # up to 07/12
        due = of_event(rows(s), DUE_DAY)
    assert due and {r.status for r in due} == {"pending"}
    assert {r.send_at.astimezone(VN_TZ).date() for r in due} == {date(2026, 12, 4)}


def test_a_first_sync_late_in_the_year_writes_nothing_the_dispatcher_would_skip(tmp_path: Path) -> None:
    # Given a first install on Sunday 29/11: the quarterly task reminders went out months ago,
    # and the 19/11 reminder is more than the late window's two working days old
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    now = morning(date(2026, 11, 29))
    with session(engine) as s:
        sync(cfg, 2026, s, now, days=14)
        written = listing(s)
    assert written
    assert not [r for r in written if r.kind == "task_reminder"]
    assert not of_event(rows_of(written), f"{PLAN_ID}/report_reminder/nam-2026/-10")
    # Then every row written is one the dispatcher may still send, the 27/11 reminder included
    assert of_event(rows_of(written), f"{PLAN_ID}/report_reminder/nam-2026/-5")
    cal = cfg.calendar([2026])
    assert [r.key for r in written if too_late(r.kind, r.send_at, r.deadline, now, calendar=cal)] == []


def rows_of(found: list[Outbox]) -> dict[str, Outbox]:
    return {r.key: r for r in found}


def test_retiring_judges_only_the_rows_inside_the_horizon(tmp_path: Path) -> None:
    # Given rows written by a longer horizon, up to 30/12
    engine = engine_at(tmp_path)
    with session(engine) as s:
        sync(load(tmp_path), 2026, s, morning(date(2026, 11, 20)), days=40)
    # When the report is renamed and a 14-day sync runs (up to 04/12 06:30)
    renamed = load(tmp_path / "v2", PLAN.replace("  - id: nam\n", "  - id: nam-moi\n"))
    with session(engine) as s:
        counts = sync(renamed, 2026, s, morning(date(2026, 11, 20)), days=14)
        found = rows(s)
    old = [r for k, r in found.items() if "/nam-2026/" in k]
    inside = [r for r in old if r.send_at <= morning(date(2026, 12, 4))]
    beyond = [r for r in old if r.send_at > morning(date(2026, 12, 4))]
    # Then the old rows inside it are skipped as no longer in the plan, those beyond wait
    assert inside and beyond and counts.retired == len(inside)
    assert {(r.status, r.last_error) for r in inside} == {("skipped", RETIRED)}
    assert {r.status for r in beyond} == {"pending"}
    # until the horizon reaches them
    with session(engine) as s:
        sync(renamed, 2026, s, morning(date(2026, 12, 1)), days=14)  # up to 15/12
        found = rows(s)
    assert {found[r.key].status for r in beyond if r.send_at <= morning(date(2026, 12, 15))} == {"skipped"}


def test_a_row_skipped_as_its_date_moved_beyond_the_horizon_comes_back_when_the_horizon_reaches_it(
        tmp_path: Path) -> None:
    # Given the due day 04/12 in the outbox
    engine = engine_at(tmp_path)
    with session(engine) as s:
        sync(load(tmp_path), 2026, s, morning(date(2026, 11, 25)), days=14)
        assert {r.status for r in of_event(rows(s), DUE_DAY)} == {"pending"}
    # When the report moves to 24/12, beyond the horizon: the 04/12 row is skipped
    moved = load(tmp_path / "v2", MOVED)
    with session(engine) as s:
        sync(moved, 2026, s, morning(date(2026, 11, 26)), days=14)
        assert {(r.status, r.last_error) for r in of_event(rows(s), DUE_DAY)} == {("skipped", RETIRED)}
    # Then once the horizon reaches 24/12, the same key is pending again, on its new date (not frozen)
    with session(engine) as s:
        sync(moved, 2026, s, morning(date(2026, 12, 14)), days=14)
        due = of_event(rows(s), DUE_DAY)
    assert due and {(r.status, r.last_error) for r in due} == {("pending", None)}
    assert {r.send_at.astimezone(VN_TZ).date() for r in due} == {date(2026, 12, 24)}


def test_a_deadline_moved_beyond_the_horizon_is_not_cancelled_in_the_units_calendar(tmp_path: Path) -> None:
    # Given the 27/11 reminder (with the deadline's calendar event) sent
    engine = engine_at(tmp_path)
    with session(engine) as s:
        sync(load(tmp_path), 2026, s, morning(date(2026, 11, 25)), days=14)
        sent_at = at(date(2026, 11, 27), 8)
        token = new_token()
        sent = claim(s, sent_at, timedelta(minutes=5), 10_000, token=token)
        record(s, [Outcome(r, Status.SENT, sent_at=sent_at, message_key=r.key) for r in sent], sent_at, token)
        assert any(r.kind == "report_reminder" and r.channel == "email" for r in sent)
    # When the deadline moves to 24/12: every step inside a 7-day horizon is retired
    with session(engine) as s:
        counts = sync(load(tmp_path / "v2", MOVED), 2026, s, morning(date(2026, 11, 28)), days=7)
        found = listing(s)
    # Then the deadline still concerns the units (the year still has it): no cancellation
    assert counts.retired > 0
    assert [r for r in found if r.kind == "calendar_cancel"] == []


def test_an_extension_moves_the_rows_written_and_writes_no_new_row_beyond_the_horizon(tmp_path: Path) -> None:
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    now = at(date(2026, 11, 25), 10)
    plan = cfg.plans[PLAN_ID]
    period = next(p for p in periods_of_year(plan, 2026, cfg.calendar([2026])) if p.report.id == "nam")
    with session(engine) as s:
        sync(cfg, 2026, s, morning(date(2026, 11, 25)), days=14)  # up to 09/12 06:30
        before = rows(s)
        extend(cfg, s, plan, period, "phong-1", date(2026, 12, 31), by="van-phong", now=now)
        after = rows(s)
        # a sync later that morning neither retires the moved rows nor writes more
        again = sync(cfg, 2026, s, at(date(2026, 11, 25), 10, 30), days=14)
        assert rows(s).keys() == after.keys() and again.retired == again.inserted == 0
    mine = {k for k in before if "/phong-1/" in k and "/nam-2026/" in k}
    assert mine and after.keys() == before.keys()  # nothing new, though the new ladder has a -10 step
    assert all(after[k].send_at > morning(date(2026, 12, 9)) and after[k].status == "pending" for k in mine)
    assert {k: r.send_at for k, r in after.items() if k not in mine} == {
        k: r.send_at for k, r in before.items() if k not in mine}
    # and the horizon reaching the new deadline's ladder writes the steps not yet written
    with session(engine) as s:
        sync(cfg, 2026, s, morning(date(2026, 12, 16)), days=14)
        assert f"{PLAN_ID}/report_reminder/nam-2026/-10/phong-1/email" in rows(s)


def test_the_first_check_of_a_day_moves_the_horizon_on_without_naming_a_change(tmp_path: Path) -> None:
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    with session(engine) as s:
        sync_recorded(cfg, 2026, s, morning(date(2026, 11, 19)), days=14)  # up to 03/12
        assert of_event(rows(s), DUE_DAY) == []
    # The morning sync did not run on 24/11; the check before the first dispatch syncs the horizon
    assert sync_changed(cfg, engine, at(date(2026, 11, 24), 8), days=14) == []
    with session(engine) as s:
        assert of_event(rows(s), DUE_DAY)


def test_a_year_the_horizon_does_not_reach_writes_nothing(tmp_path: Path) -> None:
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    with session(engine) as s:
        counts = sync_recorded(cfg, 2027, s, morning(date(2026, 6, 1)), days=14)
        assert listing(s) == []
    assert not counts.reached and (counts.window_from, counts.window_to) == ("01/06/2026", "15/06/2026")


def kehoach(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env = {**clean, "KEHOACH_CONFIG_DIR": str(write_config(tmp_path)), "KEHOACH_DATA_DIR": str(tmp_path / "data"),
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env, timeout=120)


def test_kehoach_sync_names_its_horizon_and_a_year_it_does_not_reach(tmp_path: Path) -> None:
    done = kehoach(tmp_path, "sync", "--year", "2026", "--now", "2026-11-19T06:30:00+07:00", "--json")
    assert done.returncode == 0, done.stderr
    [counts] = json.loads(done.stdout)
    assert (counts["window_from"], counts["window_to"], counts["reached"]) == ("19/11/2026", "03/12/2026", True)
    assert counts["inserted"] > 0
    ahead = kehoach(tmp_path, "sync", "--year", "2028", "--now", "2026-11-19T06:30:00+07:00")
    assert ahead.returncode == 0, ahead.stderr
    assert ("Năm 2028 chưa tới khoảng đồng bộ (14 ngày tới: 19/11/2026–03/12/2026): không có gì để ghi"
            in ahead.stdout)
    table = kehoach(tmp_path, "sync", "--now", "2026-11-19T06:30:00+07:00")  # every year the horizon reaches
    assert "Đồng bộ hộp thư đi năm 2026 (14 ngày tới: 19/11/2026–03/12/2026)" in table.stdout
    assert "Không đổi" in table.stdout


def test_kehoach_sync_refuses_a_bad_now_and_writes_nothing(tmp_path: Path) -> None:
    done = kehoach(tmp_path, "sync", "--year", "2026", "--now", "19/11/2026 06:30")
    assert done.returncode != 0
    assert "--now '19/11/2026 06:30' không phải thời điểm ISO 8601" in done.stderr
    assert not (tmp_path / "data" / "kehoach.db").exists() or listing_of(tmp_path) == []


def listing_of(tmp_path: Path) -> list[Outbox]:
    with session(make_engine(f"sqlite:///{tmp_path / 'data' / 'kehoach.db'}")) as s:
        return listing(s)


def test_the_horizon_setting_is_between_one_and_400_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEHOACH_SYNC_HORIZON_DAYS", raising=False)
    assert Settings().sync_horizon_days == 14
    for bad in (0, 401):
        with pytest.raises(ValidationError):
            Settings(sync_horizon_days=bad)
