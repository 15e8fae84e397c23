"""The simulation's clock (schedule ticks from prefect.yaml), who submits, and a simulated week
through the domain calls the flows make (no Prefect here)."""

from __future__ import annotations

import mailbox
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.notification import Kind
from kehoach.plans.config import load_config
from kehoach.runtime.health import DISPATCH_BEAT
from kehoach.runtime.schedules import by_kind, scheduled
from kehoach.runtime.simulation import DirectFlows, Options, Simulation, submits, tick_times
from kehoach.settings import Settings
from kehoach.store.beats import last_beat
from kehoach.store.db import make_engine, session
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Outbox
from tests.notifications.channels.test_maildir import fsyncs


def test_dispatch_ticks_every_quarter_hour_of_the_working_day() -> None:
    [dispatch] = by_kind(scheduled(), "dispatch")
    ticks = tick_times(dispatch, date(2026, 11, 16))  # a Monday
    assert ticks[0] == datetime(2026, 11, 16, 7, 0, tzinfo=VN_TZ)
    assert ticks[-1] == datetime(2026, 11, 16, 17, 45, tzinfo=VN_TZ)
    assert len(ticks) == 11 * 4


def test_no_dispatch_tick_on_sunday() -> None:
    [dispatch] = by_kind(scheduled(), "dispatch")
    assert tick_times(dispatch, date(2026, 11, 15)) == []


def test_the_same_units_submit_in_every_run_and_about_the_share_asked() -> None:
    units = [f"thon-{n}" for n in range(400)]
    first = [u for u in units if submits("p", "bc-nam-2026", u, 0.6)]
    again = [u for u in units if submits("p", "bc-nam-2026", u, 0.6)]
    assert first == again
    assert 0.5 < len(first) / len(units) < 0.7
    assert not any(submits("p", "bc-nam-2026", u, 0.0) for u in units)


def test_a_simulated_week_syncs_every_working_morning_and_delivers_to_its_own_maildir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the seed plans and a simulation with its own data folder (no Prefect anywhere)
    synced = fsyncs(monkeypatch)
    data = tmp_path / "sim"
    settings = Settings(data_dir=data, simulation=True)
    config = load_config(settings)
    engine = make_engine(settings.resolved_database_url)
    plan_id = "2026-stp-lang-son-bdg"
    flows = DirectFlows(config, engine, settings, [plan_id]).flows()
    sim = Simulation(config, engine, scheduled(), flows,
                     Options(date(2026, 12, 4), date(2026, 12, 8), [plan_id], data_dir=data))
    # When Friday 04/12 to Tuesday 08/12/2026 are simulated
    ticks = sim.run()
    # Then the sync ran at each working morning's sync tick, nothing ran on the weekend,
    [sync] = by_kind(scheduled(), "sync")
    assert [t.now for t in ticks if t.flow == "sync"] == [
        tick_times(sync, d)[0] for d in (date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8))]
    assert {t.now.date() for t in ticks} == {date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8)}
    # the units due to report submitted on 07/12, three working days before the deadline, and were confirmed,
    with session(engine) as s:
        subs = s.exec(select(Submission).where(Submission.plan == plan_id)).all()
        confirmed = s.exec(select(Outbox).where(Outbox.kind == Kind.SUBMISSION_RECEIVED.value)).all()
        sent = s.exec(select(Outbox).where(Outbox.status == "sent")).all()
    assert subs and {r.submitted_at.astimezone(VN_TZ).date() for r in subs} == {date(2026, 12, 7)}
    assert {r.unit for r in subs} <= {r.unit for r in confirmed}
    # and every email sent is in the simulation's Maildir, the beat of its dispatch recorded
    assert sent and len(list(mailbox.Maildir(data / "maildir", create=False))) > 0
    # each written without an fsync (a practice folder, emptied by the next simulation)
    assert synced == []
    assert last_beat(engine, DISPATCH_BEAT) is not None
