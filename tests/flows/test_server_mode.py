"""Server mode as an admin runs it: `prefect server start`, a process work pool, `prefect deploy
--all` from a clone elsewhere, workers started outside it, automations applied.

The Prefect server runs on 127.0.0.1 with its own PREFECT_HOME (PostgreSQL when
KEHOACH_TEST_POSTGRES_URL is set, as in CI; else SQLite). The workers share one app database
on PostgreSQL, each with its own data folder, as two machines would; one scenario runs two
at once, each on its own work queue, to show what they must share (the signing key, the Zalo
token pair, the roll-up files). Every process started here is stopped here.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from tests.servers.zalo import APP_ID, SECRET_KEY, ZaloServer

pytestmark = pytest.mark.prefect

PREFECT = str(Path(sys.executable).with_name("prefect"))
KEHOACH = [sys.executable, "-c", "from kehoach.cli import main; main()"]
POOL = "kehoach-process"
SECRET = "mot-khoa-cho-ca-he-thong"
ADMIN = "quantri@so.example"
DUE = "2026-11-19T08:05:00+07:00"  # a working morning on which the seed plans have reminders due
MORNING = "2026-11-19T06:30:00+07:00"  # that day's sync: its horizon holds what DUE sends
# Đồng Tháp's annual report period: due 20/11/2026, its last escalation on 26/11, so it closes that
# afternoon; the mornings around it have email and Zalo reminders due.
PLAN, PERIOD = "2026-stp-dong-thap-bdg", "bc-nam-2026"
ONE_MORNING, CLOSED = "2026-11-26T08:05:00+07:00", "2026-11-26T16:30:00+07:00"
NEXT_MORNING, NEXT_AFTERNOON = "2026-11-27T08:05:00+07:00", "2026-11-27T16:30:00+07:00"
SEED_CCHC = "2026-2030-skhcn-lang-son-cchc"  # its January report is due on 02/02/2026, no other plan has one
JANUARY_DUE = "2026-02-02T16:30:00+07:00"
NEW_PLAN = "2026-2030-skhcn-lang-son-moi"  # a plan nobody named in prefect.yaml


def postgres_url() -> str | None:
    url = os.environ.get("KEHOACH_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("KEHOACH_TEST_POSTGRES_URL is not set but CI=true: server mode needs PostgreSQL in CI")
    return url


@contextmanager
def fresh_database(pg: str, driver: str) -> Iterator[str]:
    import psycopg

    name = f"{pg.rsplit('/', 1)[1].split('?')[0]}_{uuid.uuid4().hex[:12]}"  # named after the test database
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
        flow = name  # each deployment is named after its flow
        return httpx.get(f"{self.api}/deployments/name/{flow}/{name}").json()  # type: ignore[no-any-return]

    def trigger(self, name: str, *, queue: str | None = None, **parameters: Any) -> str:
        """A run of the deployment, on one work queue (so on the worker polling it) when ``queue`` is given."""
        body: dict[str, Any] = {"parameters": parameters}
        if queue:
            body["work_queue_name"] = queue
        run = httpx.post(f"{self.api}/deployments/{self.deployment(name)['id']}/create_flow_run", json=body)
        run.raise_for_status()
        return str(run.json()["id"])

    def state(self, run_id: str) -> str:
        return str(httpx.get(f"{self.api}/flow_runs/{run_id}").json()["state"]["type"])

    def children(self, run_id: str, flow: str) -> list[dict[str, Any]]:
        """The subflow runs of ``flow`` that a run started."""
        return httpx.post(f"{self.api}/flow_runs/filter", json={  # type: ignore[no-any-return]
            "flow_runs": {"parent_flow_run_id": {"any_": [run_id]}}, "flows": {"name": {"any_": [flow]}}}).json()

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
    def worker(self, name: str, queue: str | None = None,
               **extra: str) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
        """A worker "on another machine": its own data folder and temporary folder, started outside
        any checkout; with ``queue``, it takes only the runs put on that work queue."""
        home = self.root / name
        for folder in ("cwd", "tmp"):
            (home / folder).mkdir(parents=True, exist_ok=True)
        log_path = home / "worker.log"
        env = {**self.env, "KEHOACH_DATA_DIR": str(home / "data"), "TMPDIR": str(home / "tmp"), **extra}
        if queue:
            httpx.post(f"{self.api}/work_pools/{POOL}/queues", json={"name": queue}).raise_for_status()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([PREFECT, "worker", "start", "--pool", POOL, "--type", "process",
                                     "--name", name, *(["--work-queue", queue] if queue else [])],
                                    env=env, cwd=home / "cwd", stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                yield proc, log_path
            finally:
                stop(proc)


def serve_web_app(settings: Settings, clock: Callable[[], datetime] | None = None) -> Iterator[str]:
    extra = {"clock": clock} if clock else {}
    app = create_app(settings, load_config(settings), make_engine(settings.resolved_database_url), **extra)
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
    assert names == {"sync", "dispatch", "recurring", "rollup", "collection", "campaign"}  # none per plan
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


def test_a_plan_dropped_into_the_workers_config_after_deploy_is_collected(cluster: Cluster) -> None:
    # Given the worker's own config folder, to which a new plan is added after `prefect deploy`
    config = cluster.root / "worker-config"
    shutil.copytree(REPO_ROOT / "config", config)
    source = (config / "plans" / f"{SEED_CCHC}.yaml").read_text(encoding="utf-8")
    (config / "plans" / f"{NEW_PLAN}.yaml").write_text(source.replace(f"id: {SEED_CCHC}", f"id: {NEW_PLAN}", 1),
                                                       encoding="utf-8")
    with cluster.worker("worker-new-plan", KEHOACH_CONFIG_DIR=str(config)) as (_, log):
        # When the one collection deployment runs (no parameter names a plan)
        run_id = cluster.trigger("collection", now=JANUARY_DUE, simulation=True)
        assert cluster.wait(run_id, {"COMPLETED", "FAILED", "CRASHED"}, 600, log) == "COMPLETED"
    # Then the new plan had its own subflow run, named by plan and period, beside the seed plan it copies
    runs = {r["name"]: r["state"]["type"] for r in cluster.children(run_id, "collection")}
    assert runs == {f"collection {p} bc-thang-01-2026 @ 2026-02-02 16:30": "COMPLETED" for p in (NEW_PLAN, SEED_CCHC)}


def test_a_dispatch_with_smtp_down_ends_failed_and_the_admin_is_emailed(cluster: Cluster) -> None:
    # Given the plans synced, and a worker whose SMTP relay is down
    synced = cluster.run(*KEHOACH, "sync", "--year", "2026", "--now", MORNING,
                         KEHOACH_DATA_DIR=str(cluster.root / "cli"))
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


def test_two_machines_share_the_signing_key_the_zalo_token_and_the_rollups(cluster: Cluster) -> None:
    pg = postgres_url()
    assert pg
    relay = SMTPServer()
    relay.start()
    try:
        with fresh_database(pg, "postgresql") as db, ZaloServer() as zalo:
            with ExitStack() as machines:
                first_token = zalo.state.new_refresh_token()
                # Given one environment file on both machines: the database, the signing key, SMTP, Zalo
                shared = {"KEHOACH_DATABASE_URL": db, "KEHOACH_SMTP_HOST": relay.hostname,
                          "KEHOACH_SMTP_PORT": str(relay.port), "KEHOACH_ZALO_APP_ID": APP_ID,
                          "KEHOACH_ZALO_SECRET_KEY": SECRET_KEY, "KEHOACH_ZALO_REFRESH_TOKEN": first_token,
                          "KEHOACH_ZALO_API_BASE": zalo.url, "KEHOACH_ZALO_OAUTH_BASE": zalo.url}
                # And a worker on machine A and one on machine B, each with its own data and temporary folder
                _, a_log = machines.enter_context(cluster.worker("machine-a", "may-a", **shared))
                _, b_log = machines.enter_context(cluster.worker("machine-b", "may-b", **shared))
                a_data, b_data = cluster.root / "machine-a" / "data", cluster.root / "machine-b" / "data"
                synced = cluster.run(*KEHOACH, "sync", "--year", "2026", "--now", MORNING,
                                     KEHOACH_DATA_DIR=str(cluster.root / "cli"),
                                     **shared)
                assert synced.returncode == 0, synced.stdout + synced.stderr

                # When A dispatches one morning (its first Zalo send refreshes the token) and runs the
                # afternoon collection that finds the annual report period closed (the roll-up)
                a_runs = [cluster.trigger("dispatch", queue="may-a", now=ONE_MORNING, simulation=True),
                          cluster.trigger("collection", queue="may-a", plan_id=PLAN, period=PERIOD, now=CLOSED,
                                          simulation=True)]
                # (while they run: a machine whose environment file left the signing key blank does not start,
                # since an empty key signs links anyone can forge)
                blank = cluster.run(*KEHOACH, "dispatch", "--dry-run", "--now", ONE_MORNING,
                                    **{**shared, "KEHOACH_DATA_DIR": str(cluster.root / "cli"),
                                       "KEHOACH_PORTAL_SECRET": " "})
                assert blank.returncode != 0 and "KEHOACH_PORTAL_SECRET" in blank.stderr, blank.stdout + blank.stderr
                for run_id in a_runs:
                    assert cluster.wait(run_id, {"COMPLETED", "FAILED", "CRASHED"}, 300, a_log) == "COMPLETED"
                sent_by_a = len(relay.recorder.messages)
                refresh_token_after_a = set(zalo.state.refresh_tokens)
                # And overnight the access token A got expires (Zalo's access tokens last 25 hours)
                zalo.state.access_tokens.clear()
                # And B dispatches the next morning and runs the next afternoon's collection
                b_runs = [cluster.trigger("dispatch", queue="may-b", now=NEXT_MORNING, simulation=True),
                          cluster.trigger("collection", queue="may-b", plan_id=PLAN, period=PERIOD, now=NEXT_AFTERNOON,
                                          simulation=True)]
                for run_id in b_runs:
                    assert cluster.wait(run_id, {"COMPLETED", "FAILED", "CRASHED"}, 300, b_log) == "COMPLETED"

            import psycopg

            with psycopg.connect(db) as conn:
                zalo_rows = dict(conn.execute(  # type: ignore[arg-type]
                    "SELECT status, count(*) FROM outbox WHERE channel = 'zalo' AND send_at <= %s "
                    "AND status <> 'skipped' GROUP BY status", (datetime.fromisoformat(NEXT_MORNING),)).fetchall())
                spent = conn.execute("SELECT count(*) FROM outbox WHERE last_error LIKE '%14014%'").fetchone()
                stored_pair = conn.execute("SELECT refresh_token FROM zalo_token").fetchall()

            # Then (b) the Zalo token pair is one: B refreshed with the token A's refresh returned, not
            # with the spent one of its settings, and no Zalo send of either morning failed
            refreshes = [form["refresh_token"] for path, form in zalo.state.requests if path == "/v4/oa/access_token"]
            assert refreshes == [first_token, *refresh_token_after_a]
            assert spent == (0,)
            assert set(zalo_rows) == {"sent"} and zalo_rows["sent"] > 40, zalo_rows  # the rest: too late to send
            assert stored_pair == [(token,) for token in zalo.state.refresh_tokens]  # the one still valid

            # And (a) a link signed on B opens on the portal served from A's settings (their one key);
            # a portal with another key refuses it
            by_b = relay.recorder.messages[sent_by_a:]
            link = next(m for m in map(signed_link, by_b) if m)
            opened_at = lambda: datetime.fromisoformat(NEXT_MORNING) + timedelta(hours=1)  # noqa: E731
            for key, status in ((SECRET, 200), ("khoa-cua-mot-may-khac", 403)):
                portal = Settings(data_dir=a_data, database_url=db, portal_secret=SecretStr(key))
                for url in serve_web_app(portal, clock=opened_at):
                    assert httpx.get(url + link).status_code == status, key

            # And (c) the roll-up A built counts as made on B, which did not build it again
            assert len(cluster.children(a_runs[1], "rollup")) == 1
            assert cluster.children(b_runs[1], "rollup") == []
            assert not (b_data / "rollups").exists()
            docx = next((a_data / "rollups" / PLAN / PERIOD).glob("*.docx")).read_bytes()
            # And the draft queued on A went out from B's dispatch with the DOCX attached, fetched by
            # reference from the database into B's own temporary folder
            drafts = [a for m in by_b for a in attachments(m) if a[0].endswith(".docx")]
            assert [content for _, content in drafts] == [docx]
            assert not [a for m in relay.recorder.messages[:sent_by_a] for a in attachments(m)
                        if a[0].endswith(".docx")]
            assert [f.read_bytes() for f in (cluster.root / "machine-b" / "tmp").rglob("*.docx")] == [docx]
    finally:
        relay.stop()


def signed_link(envelope: Envelope) -> str | None:
    """The path and query of the first portal link in a message's text, if it has one."""
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
    body = message.get_body(("plain",))
    found = re.search(r"https?://[^/\s]+(/nop/\S+)", body.get_content() if body else "")  # type: ignore[union-attr]
    return found.group(1) if found else None


def attachments(envelope: Envelope) -> list[tuple[str, bytes]]:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
    return [(part.get_filename() or "", part.get_content())
            for part in message.iter_attachments()]  # type: ignore[attr-defined]


def test_a_killed_worker_leaves_a_crashed_run_and_the_next_dispatch_starts(cluster: Cluster) -> None:
    slow = SMTPServer()
    slow.recorder = slow.handler = SlowRecorder()
    slow.start()
    try:
        requeued = cluster.run(*KEHOACH, "sync", "--year", "2026", "--now", MORNING,
                               KEHOACH_DATA_DIR=str(cluster.root / "cli"))
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
