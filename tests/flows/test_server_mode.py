"""Server mode as an admin runs it: `prefect server start`, a process work pool, `prefect deploy
--all` from a clone elsewhere, workers started outside it, automations applied.

The Prefect server runs on 127.0.0.1 with its own PREFECT_HOME (PostgreSQL when
KEHOACH_TEST_POSTGRES_URL is set, as in CI; else SQLite). The workers share one app database
on PostgreSQL, each with its own data folder, as two machines would. Every process started
here is stopped here.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import make_engine
from kehoach.plans.config import load_config
from kehoach.web.app import create_app
from tests.servers.smtp import Recorder, SMTPServer, free_port

pytestmark = pytest.mark.prefect

PREFECT = str(Path(sys.executable).with_name("prefect"))
KEHOACH = [sys.executable, "-c", "from kehoach.cli import main; main()"]
POOL = "kehoach-process"
SECRET = "mot-khoa-cho-ca-he-thong"
ADMIN = "quantri@so.example"
DUE = "2026-11-19T08:05:00+07:00"  # a working morning on which the seed plans have reminders due


def postgres_url() -> str | None:
    url = os.environ.get("KEHOACH_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("KEHOACH_TEST_POSTGRES_URL is not set but CI=true: server mode needs PostgreSQL in CI")
    return url


@contextmanager
def fresh_database(pg: str, driver: str) -> Iterator[str]:
    import psycopg

    name = f"kehoach_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield pg.rsplit("/", 1)[0].replace("postgresql://", f"{driver}://", 1) + f"/{name}"
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a process we started, and its children (it leads its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc (a process worker starts each run in a session of its own)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class SlowRecorder(Recorder):
    """A relay that takes 20 s per message: with one connection a dispatch runs for many minutes."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(20)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Cluster:
    api: str
    env: dict[str, str]  # what every worker and CLI call shares (one machine's environment, less its data folder)
    root: Path
    alerts: SMTPServer  # the SMTP server the web app sends the admin's alerts through
    app_db: str

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), env={**self.env, **extra}, capture_output=True, text=True, timeout=180,
                              cwd=self.root)

    def deployment(self, name: str) -> dict[str, Any]:
        flow = {"sync": "sync", "dispatch": "dispatch", "rollup": "rollup"}[name]
        return httpx.get(f"{self.api}/deployments/name/{flow}/{name}").json()  # type: ignore[no-any-return]

    def trigger(self, name: str, **parameters: Any) -> str:
        run = httpx.post(f"{self.api}/deployments/{self.deployment(name)['id']}/create_flow_run",
                         json={"parameters": parameters}).json()
        return str(run["id"])

    def state(self, run_id: str) -> str:
        return str(httpx.get(f"{self.api}/flow_runs/{run_id}").json()["state"]["type"])

    def wait(self, run_id: str, states: set[str], timeout: float, worker_log: Path | None = None) -> str:
        deadline, state = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            state = self.state(run_id)
            if state in states:
                return state
            time.sleep(1)
        log = worker_log.read_text()[-4000:] if worker_log and worker_log.exists() else ""
        pytest.fail(f"run {run_id} still {state} after {timeout:.0f} s, wanted {states}\n{log}")

    @contextmanager
    def worker(self, name: str, **extra: str) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
        """A worker "on another machine": its own data folder, started outside any checkout."""
        home = self.root / name
        (home / "cwd").mkdir(parents=True, exist_ok=True)
        log_path = home / "worker.log"
        env = {**self.env, "KEHOACH_DATA_DIR": str(home / "data"), **extra}
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([PREFECT, "worker", "start", "--pool", POOL, "--type", "process",
                                     "--name", name], env=env, cwd=home / "cwd", stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                yield proc, log_path
            finally:
                stop(proc)


def serve_web_app(settings: Settings) -> Iterator[str]:
    app = create_app(settings, load_config(settings), make_engine(settings.resolved_database_url))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    pg = postgres_url()
    if not pg:
        pytest.skip("server mode needs PostgreSQL for the shared app database (set KEHOACH_TEST_POSTGRES_URL)")
    root = tmp_path_factory.mktemp("server-mode")
    with fresh_database(pg, "postgresql+asyncpg") as prefect_db, fresh_database(pg, "postgresql") as app_db:
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEHOACH_", "PREFECT_"))}
        env = {
            **clean,
            "PREFECT_HOME": str(root / "prefect-home"),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db,
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",  # what README's worker unit sets
            "KEHOACH_INSTALL_DIR": str(REPO_ROOT),
            "KEHOACH_DATABASE_URL": app_db,
            "KEHOACH_PORTAL_SECRET": SECRET,
        }
        with open(root / "server.log", "wb") as log:
            server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                      env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            alerts = SMTPServer()
            alerts.start()
            try:
                deadline = time.monotonic() + 90
                while True:
                    try:
                        if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("prefect server did not start:\n" + (root / "server.log").read_text()[-3000:])
                    time.sleep(0.5)
                web = Settings(data_dir=root / "web", database_url=app_db, portal_secret=SecretStr(SECRET),
                               admin_email=ADMIN, smtp_host=alerts.hostname, smtp_port=alerts.port)
                for url in serve_web_app(web):
                    c = Cluster(api, env, root, alerts, app_db)
                    deploy_from_a_clone_elsewhere(c)
                    applied = c.run(*KEHOACH, "automations", "apply", KEHOACH_ADMIN_EMAIL=ADMIN,
                                    KEHOACH_ALERT_URL=f"{url}/canh-bao/prefect")
                    assert applied.returncode == 0, applied.stdout + applied.stderr
                    yield c
            finally:
                alerts.stop()
                stop(server)


def deploy_from_a_clone_elsewhere(c: Cluster) -> None:
    """`prefect deploy --all` from a copy of the repository (a laptop's clone), then the copy is gone."""
    laptop = c.root / "laptop-clone"
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    for f in files.split():
        if (REPO_ROOT / f).is_file():
            (laptop / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / f, laptop / f)
    for args in (["work-pool", "create", POOL, "--type", "process"], ["deploy", "--all"]):
        done = subprocess.run([PREFECT, "--no-prompt", *args], env=c.env, cwd=laptop, capture_output=True,
                              text=True, timeout=240)
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    shutil.rmtree(laptop)
    # The shipped schedules are paused here so that only the runs a test starts compete for workers.
    for d in httpx.post(f"{c.api}/deployments/filter", json={}).json():
        httpx.patch(f"{c.api}/deployments/{d['id']}", json={"paused": True}).raise_for_status()


def test_deploy_all_registers_every_flow(cluster: Cluster) -> None:
    names = {d["name"] for d in httpx.post(f"{cluster.api}/deployments/filter", json={}).json()}
    assert {"sync", "dispatch", "collection-dong-thap", "campaign-yet-kieu", "rollup"} <= names
    automations = {a["name"] for a in httpx.post(f"{cluster.api}/automations/filter", json={}).json()}
    assert {"kehoach-crash-zombie-runs", "kehoach-run-failed", "kehoach-dispatch-silent"} <= automations


def test_a_scheduled_run_fires_by_itself_on_a_worker_started_outside_the_checkout(cluster: Cluster) -> None:
    # Given the sync deployment with a schedule firing every minute, and a worker in another folder
    dep = cluster.deployment("sync")
    httpx.post(f"{cluster.api}/deployments/{dep['id']}/schedules",
               json=[{"schedule": {"cron": "* * * * *", "timezone": "Asia/Ho_Chi_Minh"}, "active": True}],
               ).raise_for_status()
    httpx.patch(f"{cluster.api}/deployments/{dep['id']}", json={"paused": False}).raise_for_status()
    try:
        with cluster.worker("worker-schedule") as (_, log):
            # When the scheduler service creates runs on its own (nobody triggers one)
            deadline, done = time.monotonic() + 180, None
            while time.monotonic() < deadline and done is None:
                runs = [r for r in httpx.post(f"{cluster.api}/flow_runs/filter", json={
                    "flow_runs": {"deployment_id": {"any_": [dep["id"]]}}}).json() if r["auto_scheduled"]]
                done = next((r for r in runs if r["state"]["type"] == "COMPLETED"), None)
                failed = [r for r in runs if r["state"]["type"] in ("FAILED", "CRASHED")]
                assert not failed, failed[0]["state"]["message"] + "\n" + log.read_text()[-3000:]
                time.sleep(2)
            # And `kehoach health` sees the Prefect API and the online worker
            health = cluster.run(*KEHOACH, "health", "--json", KEHOACH_DATA_DIR=str(cluster.root / "cli"))
            checks = {c["name"]: c for c in json.loads(health.stdout)["checks"]}
            assert checks["Bộ lập lịch"]["ok"], checks["Bộ lập lịch"]["detail"]
    finally:
        httpx.patch(f"{cluster.api}/deployments/{dep['id']}", json={"paused": True})
    # Then one of them ran to completion, and did the real work in the shared database
    assert done is not None, "no automatically scheduled sync completed within 3 minutes\n" + log.read_text()[-3000:]
    import psycopg

    with psycopg.connect(cluster.app_db) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] > 500  # type: ignore[index]


def test_a_dispatch_with_smtp_down_ends_failed_and_the_admin_is_emailed(cluster: Cluster) -> None:
    # Given the plans synced, and a worker whose SMTP relay is down
    synced = cluster.run(*KEHOACH, "sync", "--year", "2026", KEHOACH_DATA_DIR=str(cluster.root / "cli"))
    assert synced.returncode == 0, synced.stderr
    with cluster.worker("worker-smtp-down", KEHOACH_SMTP_HOST="127.0.0.1",
                        KEHOACH_SMTP_PORT=str(free_port())) as (_, log):
        # When a dispatch runs on a morning with reminders due
        run_id = cluster.trigger("dispatch", now=DUE, simulation=True)
        # Then it ends Failed, not Completed with "0 sent"
        assert cluster.wait(run_id, {"COMPLETED", "FAILED", "CRASHED"}, 180, log) == "FAILED"
    message = httpx.get(f"{cluster.api}/flow_runs/{run_id}").json()["state"]["message"]
    assert "chờ gửi lại" in message
    # And the automation emails the admin through the web app
    deadline = time.monotonic() + 60
    while not cluster.alerts.recorder.messages and time.monotonic() < deadline:
        time.sleep(1)
    assert [m.rcpt_tos for m in cluster.alerts.recorder.messages][:1] == [[ADMIN]]
    assert b"Failed" in cluster.alerts.recorder.messages[0].content


def test_a_killed_worker_leaves_a_crashed_run_and_the_next_dispatch_starts(cluster: Cluster) -> None:
    slow = SMTPServer()
    slow.recorder = slow.handler = SlowRecorder()
    slow.start()
    try:
        requeued = cluster.run(*KEHOACH, "sync", "--year", "2026", KEHOACH_DATA_DIR=str(cluster.root / "cli"))
        assert requeued.returncode == 0, requeued.stderr
        smtp = {"KEHOACH_SMTP_HOST": slow.hostname, "KEHOACH_SMTP_PORT": str(slow.port),
                "KEHOACH_SMTP_CONCURRENCY": "1"}
        # Given a dispatch running on a worker, through a slow relay
        with cluster.worker("worker-killed", **smtp) as (proc, log):
            run_id = cluster.trigger("dispatch", now=DUE, simulation=True)
            cluster.wait(run_id, {"RUNNING"}, 120, log)
            time.sleep(35)  # past its first heartbeat
            assert cluster.state(run_id) == "RUNNING"
            # When the machine restarts the worker: systemd kills every process of its unit
            killed_at = time.monotonic()
            for pid in [proc.pid, *descendants(proc.pid)]:
                os.kill(pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # Then the zombie-run automation marks the run Crashed within the heartbeat window
        cluster.wait(run_id, {"CRASHED"}, 240)
        crashed_after = time.monotonic() - killed_at
        # And the next dispatch is not kept waiting for the deployment's only slot
        with cluster.worker("worker-next", **smtp) as (_, log):
            next_id = cluster.trigger("dispatch", now=DUE, simulation=True)
            cluster.wait(next_id, {"RUNNING", "COMPLETED", "FAILED"}, 90, log)
        assert crashed_after < 200
    finally:
        slow.stop()
