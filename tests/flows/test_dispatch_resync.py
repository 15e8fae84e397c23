"""The scheduled dispatch flow syncs a plan changed since the morning before it sends anything.

A real run refuses a ``now`` far from the clock, so this test runs at the clock's time: the
plan's due date is set from today (and today is made a working day in the calendar).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kehoach.calendar import VN_TZ
from kehoach.expansion.freshness import sync_recorded
from kehoach.notification import Kind
from kehoach.settings import Settings
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import listing
from tests.factories import PLAN, config_at, pending_dates, write_config

pytestmark = pytest.mark.prefect

PLAN_ID = "2026-thu-nghiem"


def plan_due(due: datetime) -> str:
    """The test plan, its annual report due on ``due``, reminded once at 00:00 the working day before."""
    return (PLAN.replace("2026", str(due.year))
            .replace("    due: 05/12\n", f"    due: {due:%d/%m}\n")
            .replace("    upward: {to: Sở Nội vụ, unit: snv, due: 15/12}\n", "")
            + "reminder_policy: {before: [1], on_due: false, after: [], office_before: [], send_time: '00:00'}\n")


def reminders(rows: dict[str, datetime]) -> dict[str, datetime]:
    """The report's reminders of those rows (the plan's task reminders of past quarters are skipped as late)."""
    return {key: at for key, at in rows.items() if f"/{Kind.REPORT_REMINDER.value}/" in key}


def test_the_dispatch_flow_resyncs_a_moved_due_date_before_sending(prefect_harness: None, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.dispatch import dispatch_flow

    # Given today a working day, and a report due the next working day, synced this morning:
    # its reminder (00:00 today) is due now
    now = datetime.now(VN_TZ)
    calendar = f'working_days:\n  - {{date: "{now:%d/%m/%Y}", reason: Làm bù}}\n'
    cfg = write_config(tmp_path, calendar=calendar)
    cal = config_at(cfg).calendar([now.year, now.year + 1])
    old_due = cal.add_working_days(now.date(), 1)
    (cfg / "plans" / "plan.yaml").write_text(plan_due(datetime.combine(old_due, now.time())), encoding="utf-8")
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("KEHOACH_SMTP_HOST", raising=False)  # email goes to the Maildir under the data dir
    monkeypatch.delenv("KEHOACH_ZALO_APP_ID", raising=False)
    engine = make_engine(Settings().resolved_database_url)
    with session(engine) as s:
        sync_recorded(config_at(cfg), now.year, s, now - timedelta(minutes=1))
    before = reminders(pending_dates(engine, PLAN_ID))
    assert [t for t in before.values() if t <= now]  # without the resync it would go out now
    # When the office moves the due date a week later in the YAML, and the scheduled dispatch runs
    new_due = cal.add_working_days(old_due, 5)
    (cfg / "plans" / "plan.yaml").write_text(plan_due(datetime.combine(new_due, now.time())), encoding="utf-8")
    state = dispatch_flow(return_state=True)
    summary = state.result(raise_on_failure=False)
    # Then it synced the plan first and no reminder of the old date went out
    assert summary["resynced"] == [PLAN_ID]
    with session(engine) as s:
        sent = [r.key for r in listing(s, plan=PLAN_ID, status="sent") if r.kind == Kind.REPORT_REMINDER]
    assert sent == []
    mail = tmp_path / "data" / "maildir" / "new"
    assert not mail.exists() or not any(f"{old_due:%d/%m/%Y}" in p.read_text(encoding="utf-8", errors="replace")
                                        for p in mail.iterdir())
    # And every pending reminder moved later
    after = reminders(pending_dates(engine, PLAN_ID))
    assert set(after) == set(before)
    assert all(after[k] > before[k] for k in before)
