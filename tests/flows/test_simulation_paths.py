"""``kehoach simulate`` calls the domain functions the flows call: the same days run through the
Prefect flows and through those direct calls leave the same outbox, attempts and submissions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.plans.config import load_config
from kehoach.runtime.schedules import scheduled
from kehoach.runtime.simulation import DirectFlows, Options, Simulation
from kehoach.settings import Settings
from kehoach.store.db import make_engine, session
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import DeliveryAttempt, Outbox

pytestmark = pytest.mark.prefect

PLAN = "2026-stp-lang-son-bdg"
START, END = date(2026, 12, 7), date(2026, 12, 16)  # submissions, the annual deadline, escalations, the roll-up


def outcome(engine: Engine) -> tuple[list[tuple[object, ...]], ...]:
    with session(engine) as s:
        rows = [(r.key, r.status, r.content_hash) for r in s.exec(select(Outbox).order_by(Outbox.key))  # type: ignore[arg-type]
                if r.kind != "rollup_ready"]  # its context names the files of its own data folder
        attempts = [(a.outbox_key, a.at, a.outcome, a.error)
                    for a in s.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.outbox_key, DeliveryAttempt.at))]  # type: ignore[arg-type]
        subs = [(r.plan, r.period, r.unit, r.version, r.submitted_at, r.values)
                for r in s.exec(select(Submission).order_by(Submission.id))]  # type: ignore[arg-type]
    return rows, attempts, subs


def test_the_flows_and_the_direct_calls_leave_the_same_records(simulate, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Given the Lạng Sơn plan's December run through the Prefect flows on a simulated clock
    world = simulate(PLAN, START, END)
    # When the same days run through the domain calls alone, in another data folder
    settings = Settings(data_dir=tmp_path / "direct")
    config = load_config(settings)
    engine = make_engine(settings.resolved_database_url)
    ticks = Simulation(config, engine, scheduled(), DirectFlows(config, engine, settings, [PLAN]).flows(),
                       Options(START, END, [PLAN], data_dir=settings.data_dir)).run()
    # Then the same ticks ran, and the outbox, every delivery attempt and the submissions are the same
    assert [(t.now, t.flow) for t in ticks] == [(t.now, t.flow) for t in world.ticks]
    flows, direct = outcome(world.engine), outcome(engine)
    assert flows[0] and flows[1] and flows[2]
    assert direct == flows
    # and both made the closed period's roll-up
    made = sorted(p.name for p in (settings.data_dir / "rollups").rglob("*"))
    assert made and made == sorted(p.name for p in (world.data_dir / "rollups").rglob("*"))
