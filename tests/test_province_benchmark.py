"""``benchmarks/province.py`` at a tiny size: it runs every command it measures and prints its figures.

A test of what the benchmark does, not of timings: the JSON keys are there, the commands ran
(a kickoff reached the SMTP sink, a simulated January its Maildir), and the second sync wrote
nothing to the database.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"command_startup_s", "sync_first_s", "sync_again_s", "sync_next_s", "sync_next_cpu_s", "preview_s",
        "kickoff_messages", "kickoff_s", "status_500_s", "rollup_500_s", "simulate_year_s", "peak_rss_mb"}


def tiny_province(*extra: str, simulate_to: str = "none") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "benchmarks/province.py", "--units", "40", "--plans", "4", "--big", "12",
         "--simulate-to", simulate_to, *extra], cwd=ROOT, capture_output=True, text=True, timeout=1800)


def every_figure(done: subprocess.CompletedProcess[str], database: str) -> dict:
    """The last line's figures, after checking the run measured every key on ``database``, its
    second sync wrote nothing and its kickoff reached both local servers: the SMTP sink and the
    Zalo contract server, its messages the sum of the two."""
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["database"] == database
    assert KEYS <= set(figures)
    assert figures["sync_again_wrote"] is False
    assert figures["kickoff_emails"] > 0 and figures["kickoff_zalo"] > 0
    assert figures["kickoff_messages"] == figures["kickoff_emails"] + figures["kickoff_zalo"]
    assert all(figures[k] > 0 for k in KEYS - {"kickoff_messages", "simulate_year_s"})
    return figures


def test_a_tiny_province_prints_every_figure(tmp_path):
    done = tiny_province("--keep", str(tmp_path / "province"), simulate_to="2026-01-31")
    figures = every_figure(done, "sqlite")
    assert figures["simulate_year_s"] > 0 and figures["simulate_cpu_s"] > 0
    assert (tmp_path / "province" / "rollup").is_dir()  # the roll-up wrote its files
    # the simulated January sent its messages into the simulation's own folder
    assert any((tmp_path / "province" / "sim" / "maildir" / "new").iterdir())


@pytest.mark.postgres
def test_a_tiny_province_on_postgresql_in_its_own_database_dropped_after():
    server = os.environ.get("KEHOACH_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PostgreSQL not configured (set KEHOACH_TEST_POSTGRES_URL)")

    # When the tiny province runs against the test server
    done = tiny_province("--database", server)

    # Then every figure is there, measured on PostgreSQL: the second sync wrote nothing,
    # the kickoff reached the sink
    every_figure(done, "postgresql")
    # And the database it made for itself is gone
    own = re.search(r"PostgreSQL database (kehoach_prov_\d+)", done.stderr).group(1)
    engine = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": own}).scalar()
    engine.dispose()
    assert left == 0


def test_the_province_runs_its_commands_without_the_shells_real_settings(monkeypatch):
    # Given a shell set up for real work: Zalo credentials, a relay, a Prefect server
    monkeypatch.setenv("KEHOACH_ZALO_REFRESH_TOKEN", "real-token")
    monkeypatch.setenv("KEHOACH_SMTP_USERNAME", "real-user")
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.that-must-not-be-used.vn/api")
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    from benchmarks.province import practice_environ

    # Then the environment its commands get holds none of them, and the rest of the shell
    env = practice_environ()
    assert not [k for k in env if k.startswith(("KEHOACH_", "PREFECT_API_"))]
    assert env["LANG"] == "vi_VN.UTF-8"


def test_the_province_works_in_process_without_the_shells_real_settings(monkeypatch):
    # Given a shell with a Zalo token and a Prefect server, and the province's own settings
    monkeypatch.setenv("KEHOACH_ZALO_REFRESH_TOKEN", "real-token")
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.that-must-not-be-used.vn/api")
    from benchmarks.province import adopt, practice_environ

    saved = dict(os.environ)
    try:
        # When the benchmark takes them for its in-process work (submissions, the fan-out's flows)
        adopt({**practice_environ(), "KEHOACH_CONFIG_DIR": "/tmp/province/config"})
        # Then the process holds the province's settings and none of the shell's real ones
        assert os.environ["KEHOACH_CONFIG_DIR"] == "/tmp/province/config"
        assert "KEHOACH_ZALO_REFRESH_TOKEN" not in os.environ and "PREFECT_API_URL" not in os.environ
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_a_tiny_province_fans_its_collection_out_under_the_limit(tmp_path):
    done = subprocess.run(
        [sys.executable, "benchmarks/province.py", "--units", "40", "--plans", "4", "--big", "12",
         "--fanout", "--limit", "2", "--keep", str(tmp_path / "province")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    # Every plan had its run, in this one process, never more than 2 at once
    assert figures["fanout_plans"] == 4 and figures["fanout_runs"] >= 4
    assert 1 <= figures["fanout_max_concurrent"] <= 2
    assert figures["fanout_s"] > 0 and figures["fanout_peak_rss_mb"] > 0
    assert figures["fanout_at"].endswith("16:30:00+07:00")
