"""``kehoach health``: each unhealthy condition is reported, and the command exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kehoach.calendar import build_calendar
from kehoach.runtime.health import dispatch_check, late_window_check, scheduler_check, smtp_check, stale_due_check, zalo_check
from kehoach.runtime.runner import LEASE, LEASE_TTL
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store import leases
from kehoach.store.beats import record_beat
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import upsert_by_key
from tests.delivery_factories import at, notification
from tests.servers.smtp import SMTPServer, free_port
from tests.servers.zalo import APP_ID, SECRET_KEY, ZaloServer

CAL = build_calendar(range(2026, 2028), {}, {})
TUESDAY = at(date(2026, 12, 1), 10, 0)  # a working day, in working hours
SUNDAY = at(date(2026, 11, 29), 10, 0)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")


def test_no_successful_dispatch_for_30_minutes_in_working_hours_is_unhealthy(engine: Engine) -> None:
    record_beat(engine, "dispatch", TUESDAY - timedelta(minutes=45), True)
    assert not dispatch_check(engine, TUESDAY, CAL).ok
    # but on a Sunday nobody dispatches, and that is fine
    assert dispatch_check(engine, SUNDAY + timedelta(days=7), CAL).ok
    record_beat(engine, "dispatch", TUESDAY - timedelta(minutes=10), True)
    assert dispatch_check(engine, TUESDAY, CAL).ok


def test_a_dispatch_that_failed_last_is_unhealthy_and_says_why(engine: Engine) -> None:
    record_beat(engine, "dispatch", TUESDAY - timedelta(minutes=5), False, "3 thông báo lỗi")
    check = dispatch_check(engine, TUESDAY, CAL)
    assert not check.ok and "3 thông báo lỗi" in check.detail


def test_due_rows_older_than_an_hour_are_unhealthy(engine: Engine) -> None:
    with session(engine) as s:
        upsert_by_key(s, [notification(send_at=TUESDAY - timedelta(minutes=30))], TUESDAY)
        s.commit()
    assert stale_due_check(engine, TUESDAY).ok
    with session(engine) as s:
        upsert_by_key(s, [notification("phong-3", send_at=TUESDAY - timedelta(hours=2))], TUESDAY)
        s.commit()
    check = stale_due_check(engine, TUESDAY)
    assert not check.ok and "2 thông báo" in check.detail and "08:00 01/12/2026" in check.detail


def test_rows_within_a_working_day_of_the_late_window_are_reported(engine: Engine) -> None:
    # A reminder due Monday 30/11 08:00 may go out until the end of Wednesday 02/12 (2 working days)
    with session(engine) as s:
        upsert_by_key(s, [notification(send_at=at(date(2026, 11, 30)), deadline=date(2026, 12, 10))], TUESDAY)
        s.commit()
    check = late_window_check(engine, TUESDAY, CAL)
    assert not check.ok and "1 thông báo sẽ bị bỏ qua" in check.detail
    assert late_window_check(engine, at(date(2026, 11, 30), 9, 0), CAL).ok


def test_smtp_down_is_unhealthy_and_a_listening_server_is_not(smtp_server: SMTPServer, tmp_path: Path) -> None:
    down = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    assert not smtp_check(down).ok
    up = Settings(data_dir=tmp_path, smtp_host=smtp_server.hostname, smtp_port=smtp_server.port)
    assert smtp_check(up).ok


def test_zalo_unreachable_is_unhealthy(zalo_server: ZaloServer, tmp_path: Path) -> None:
    creds = {"zalo_app_id": APP_ID, "zalo_secret_key": SECRET_KEY, "zalo_refresh_token": "r"}
    assert zalo_check(Settings(data_dir=tmp_path, zalo_oauth_base=zalo_server.url, **creds)).ok
    dead = Settings(data_dir=tmp_path, zalo_oauth_base=f"http://127.0.0.1:{free_port()}", **creds)
    assert not zalo_check(dead).ok


def test_no_scheduler_holding_the_database_is_unhealthy(engine: Engine) -> None:
    assert not scheduler_check(engine, TUESDAY, None).ok
    assert leases.acquire(engine, LEASE, "may-chu pid 7", TUESDAY, LEASE_TTL) is None
    assert scheduler_check(engine, TUESDAY, None).ok
    assert not scheduler_check(engine, TUESDAY + LEASE_TTL * 2, None).ok  # a runner that died


def test_kehoach_health_exits_non_zero_when_unhealthy(tmp_path: Path, smtp_server: SMTPServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(tmp_path / "data"), "KEHOACH_SMTP_HOST": "127.0.0.1",
            "KEHOACH_SMTP_PORT": str(smtp_server.port)}
    cli = [sys.executable, "-c", "from kehoach.cli import main; main()", "health", "--json", "--now",
           TUESDAY.isoformat()]
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'kehoach.db'}")
    record_beat(engine, "dispatch", TUESDAY - timedelta(minutes=5), True)
    leases.acquire(engine, LEASE, "may-chu pid 7", TUESDAY, LEASE_TTL)
    healthy = subprocess.run(cli, env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    env["KEHOACH_SMTP_PORT"] = str(free_port())  # the relay goes down
    sick = subprocess.run(cli, env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert sick.returncode == 1
    assert '"healthy": false' in sick.stdout and "không kết nối được" in sick.stdout
