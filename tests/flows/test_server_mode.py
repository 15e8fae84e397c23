"""Server mode for real: `prefect server start`, a process work pool, `prefect deploy --all`, a worker.

The server runs on 127.0.0.1 with its own PREFECT_HOME and SQLite (PostgreSQL when
KEHOACH_TEST_POSTGRES_URL is set, as in CI). A flow run triggered through the API must be
picked up by the worker and complete. Every process started here is stopped here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kehoach.settings import REPO_ROOT

pytestmark = pytest.mark.prefect

PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "kehoach-process"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process we started, and its children (it leads its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Prefect's database: a fresh PostgreSQL database when one is configured (as in CI), else SQLite."""
    pg = os.environ.get("KEHOACH_TEST_POSTGRES_URL")
    if not pg:
        yield f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
        return
    import psycopg

    name = f"prefect_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url,
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "KEHOACH_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("KEHOACH_DATABASE_URL", None)
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("prefect server did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield api, env
    finally:
        stop(proc)
        log.close()


def prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PREFECT, "--no-prompt", *args], check=False, env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_deploy_all_and_a_worker_runs_a_triggered_flow(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    api, env = server
    # Given a process work pool and every deployment of prefect.yaml on the server
    prefect(env, "work-pool", "create", POOL, "--type", "process")
    prefect(env, "deploy", "--all")
    names = {d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}).json()}
    assert {"sync", "dispatch", "collection-dong-thap", "campaign-yet-kieu", "rollup"} <= names
    # And a worker polling the pool
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", POOL, "--type", "process"], env=env,
                              cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # When a sync run is triggered through the API
        dep = httpx.get(f"{api}/deployments/name/sync/sync").json()
        run = httpx.post(f"{api}/deployments/{dep['id']}/create_flow_run",
                         json={"parameters": {"year": 2026}}).json()
        # Then the worker runs it to completion
        deadline, state = time.monotonic() + 90, None
        while time.monotonic() < deadline:
            state = httpx.get(f"{api}/flow_runs/{run['id']}").json()["state"]["type"]
            if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                break
            time.sleep(1)
    finally:
        stop(worker)
        log.close()
    assert state == "COMPLETED", (tmp_path / "worker.log").read_text()[-4000:]
    # And it did the real work: the outbox in the worker's data folder holds the plans' notifications
    assert (tmp_path / "data" / "kehoach.db").stat().st_size > 100_000
