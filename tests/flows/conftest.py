"""One Prefect test harness for the whole session, and a simulated world per plan test.

Prefect reads PREFECT_HOME when it is first imported, so it is pointed at a temporary folder
here, before anything imports Prefect. The harness starts a temporary API (about 10 s): it is
opened once and shared by every flow test, never per test.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kehoach-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kehoach.plans.config import Config, load_config
from kehoach.runtime.schedules import scheduled
from kehoach.settings import Settings
from kehoach.runtime.simulation import Options, Simulation, Tick
from kehoach.store.db import make_engine
from tests.servers.smtp import SMTPServer


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    from flows.local import fast_runs

    with prefect_test_harness(server_startup_timeout=180), fast_runs():
        yield


@dataclass
class World:
    """A simulated stretch of time for some plans, delivered to a real local SMTP server."""

    config: Config
    engine: Engine
    smtp: SMTPServer
    ticks: list[Tick]
    data_dir: Path


@pytest.fixture
def simulate(prefect_harness: None, smtp_server: SMTPServer, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``simulate(plan_id, start, end)`` runs the real flows over those days and returns the World."""
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    monkeypatch.setenv("KEHOACH_SMTP_HOST", smtp_server.hostname)
    monkeypatch.setenv("KEHOACH_SMTP_PORT", str(smtp_server.port))
    for var in ("KEHOACH_ZALO_APP_ID", "KEHOACH_SMTP_USERNAME", "KEHOACH_SMTP_PASSWORD"):
        monkeypatch.delenv(var, raising=False)

    def run(plan_id: str, start: date, end: date, share: float = 0.6) -> World:
        from flows.local import simulation_flows

        settings = Settings()
        config = load_config(settings)
        engine = make_engine(settings.resolved_database_url)
        sim = Simulation(config, engine, scheduled(), simulation_flows([plan_id]),
                         Options(start, end, [plan_id], submit_share=share, data_dir=tmp_path))
        return World(config, engine, smtp_server, sim.run(), tmp_path)

    return run
