"""Plan lifecycle: pause, resume and retire on purpose; a plan gone from the config stops.

Against SQLite and PostgreSQL and a real SMTP server.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kehoach.delivery.dispatcher import dispatch
from kehoach.expansion.sync import PLAN_GONE, sync
from kehoach.plans.config import Config, load_config
from kehoach.plans.lifecycle import PlanState, PlanStateError, plan_states, set_plan_state
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.outbox import listing
from kehoach.store.plan_tables import PlanStateChange
from notifications.channels import EmailChannel
from tests.delivery_factories import at
from tests.factories import PLAN, write_config
from tests.servers.smtp import SMTPServer

PLAN_ID = "2026-thu-nghiem"
SYNCED = at(date(2026, 1, 2))
DUE = at(date(2026, 11, 27), 9)  # the annual report's reminder 5 working days before 04/12 is due


def load(root: Path, plan: str = PLAN) -> Config:
    return load_config(Settings(config_dir=write_config(root, plan=plan), data_dir=root / "data"))


def send(engine: Engine, cfg: Config, server: SMTPServer) -> None:
    email = EmailChannel(host="127.0.0.1", port=server.port, mail_from="VP <vp@so.example>", starttls=False,
                         timeout=5, concurrency=2)
    dispatch(engine, cfg, {"email": email, "zalo": None}, DUE)


def due_email_keys(engine: Engine, *, today: bool) -> set[str]:
    """Pending email rows due by DUE: those of that day, or the older ones (too late to send)."""
    with session(engine) as s:
        return {r.key for r in listing(s, plan=PLAN_ID, status="pending") if r.channel == "email"
                and r.send_at <= DUE and (r.send_at.date() == DUE.date()) == today}


def test_paused_plan_sends_nothing_and_resume_sends_what_is_still_due(
    engine: Engine, tmp_path: Path, smtp_server: SMTPServer,
) -> None:
    # Given the plan synced for 2026 in January, over the whole year, with email reminders due on 27/11
    cfg = load(tmp_path)
    with session(engine) as s:
        sync(cfg, 2026, s, SYNCED, days=366)
    due, stale = due_email_keys(engine, today=True), due_email_keys(engine, today=False)
    assert due and stale
    # When the office pauses the plan and the dispatcher runs
    set_plan_state(engine, PLAN_ID, PlanState.PAUSED, by="Nguyễn Văn Thư", now=DUE, reason="chờ sửa danh bạ")
    send(engine, cfg, smtp_server)
    # Then nothing is sent and the rows wait, still pending
    assert smtp_server.recorder.messages == []
    assert due_email_keys(engine, today=True) == due
    assert plan_states(engine) == {PLAN_ID: PlanState.PAUSED}
    # When it resumes, the next dispatch sends what is still due, and skips what is too late
    set_plan_state(engine, PLAN_ID, PlanState.ACTIVE, by="Nguyễn Văn Thư", now=DUE)
    send(engine, cfg, smtp_server)
    with session(engine) as s:
        sent = {r.key for r in listing(s, plan=PLAN_ID, status="sent")}
        skipped = {r.key for r in listing(s, plan=PLAN_ID, status="skipped")}
    assert sent == due and stale <= skipped and smtp_server.recorder.messages
    # And both changes are in the log with who and when
    with session(engine) as s:
        log = s.scalars(select(PlanStateChange).order_by(PlanStateChange.id)).all()
    assert [(c.state, c.changed_by, c.reason) for c in log] == [
        ("paused", "Nguyễn Văn Thư", "chờ sửa danh bạ"), ("active", "Nguyễn Văn Thư", None)]
    assert log[0].changed_at == DUE


def test_retired_plan_skips_pending_rows_with_the_reason_and_cannot_resume(engine: Engine, tmp_path: Path) -> None:
    # Given a synced plan
    cfg = load(tmp_path)
    with session(engine) as s:
        sync(cfg, 2026, s, SYNCED)
        pending = len(listing(s, status="pending"))
    # When it is retired
    set_plan_state(engine, PLAN_ID, PlanState.RETIRED, by="quan-tri", now=DUE, reason="kế hoạch bị thay thế")
    # Then every pending row is skipped, saying who, when and why
    with session(engine) as s:
        rows = listing(s, plan=PLAN_ID)
    assert pending and all(r.status == "skipped" for r in rows)
    assert rows[0].last_error == "Kế hoạch đã dừng hẳn (quan-tri, 27/11/2026 09:00): kế hoạch bị thay thế"
    # And a later sync adds nothing to send, and the plan cannot come back
    with session(engine) as s:
        again = sync(cfg, 2026, s, DUE)
        assert again.inserted == 0 and listing(s, status="pending") == []
    with pytest.raises(PlanStateError, match="đã dừng hẳn"):
        set_plan_state(engine, PLAN_ID, PlanState.ACTIVE, by="quan-tri", now=DUE)


def test_a_renamed_or_deleted_plan_stops_at_the_next_sync(engine: Engine, tmp_path: Path) -> None:
    # Given the plan synced, and one of its rows already sent
    with session(engine) as s:
        sync(load(tmp_path), 2026, s, SYNCED)
        first = listing(s, plan=PLAN_ID)[0]
        first.status = "sent"
        s.add(first)
        s.commit()
    # When the plan file is renamed to another id and the year is synced again
    renamed = load(tmp_path / "v2", PLAN.replace(f"id: {PLAN_ID}", "id: 2026-thu-nghiem-moi"))
    with session(engine) as s:
        counts = sync(renamed, 2026, s, DUE)
        old = listing(s, plan=PLAN_ID)
        new = listing(s, plan="2026-thu-nghiem-moi")
    # Then the old id's pending rows are skipped with the reason, its sent row is untouched
    assert counts.retired == len(old) - 1
    assert {(r.status, r.last_error) for r in old if r.key != first.key} == {("skipped", PLAN_GONE)}
    assert [r.status for r in old if r.key == first.key] == ["sent"]
    assert new and all(r.status == "pending" for r in new)
    # When the plan file is deleted altogether, its rows stop too
    empty = load(tmp_path / "v3")
    empty.plans.clear()
    with session(engine) as s:
        sync(empty, 2026, s, DUE)
        assert listing(s, status="pending") == []
