"""A fictional province on one installation: what each command costs at 3,000 units and 150 plans.

    python benchmarks/province.py [--units 3000] [--plans 150] [--big 500] [--seed 1]
                                  [--simulate-to 2026-12-31] [--keep DIR] [--database URL]
                                  [--fanout [--limit 4]]

Writes a unit directory of ``--units`` units and ``--plans`` plans into a temporary config folder:
each plan is one of the seed plans (config/plans/*.yaml: annual, 6-month, Action Month, quarterly,
dated tasks, the 5-year plan) with every unit it names replaced by 20–500 units of the province,
and every sixth one gains a monthly report. The first plan names ``--big`` units. Then it runs the
real ``kehoach`` commands in subprocesses against that config and a fresh SQLite data folder, or
with ``--database postgresql://…`` a fresh database on that server (``kehoach_prov_<pid>``,
dropped at the end unless ``--keep``):

- ``command_startup_s``: ``kehoach status`` of a small plan (loading the config is most of it);
- ``sync_first_s`` and ``sync_again_s``: ``kehoach sync --year 2026 --now T`` twice, T the 06:30
  morning sync of the Action Month kickoff's day (computed from the plans), so its horizon
  (KEHOACH_SYNC_HORIZON_DAYS, 14 days) holds the kickoff; the second must write nothing (SQLite's
  files are compared byte for byte, PostgreSQL's rows inserted, updated and deleted are counted);
  ``sync_rows``: the outbox rows the first wrote; ``sync_next_s`` and ``sync_next_cpu_s`` (its
  user and system CPU): ``kehoach sync --now`` at 06:30 the next working day, after the roll-up
  (the incremental sync of every morning: the horizon's new day);
- ``preview_s``: ``kehoach preview --year 2026 --format json``;
- ``kickoff_messages`` and ``kickoff_s``: earlier notifications marked handled, ``kehoach dispatch``
  at the Action Month's kickoff moment, email to a local aiosmtpd sink and Zalo to the local Zalo
  contract server (``tests/servers/zalo.py``, its Zalo rate limit off), each in its own process and
  counting what it accepted: ``kickoff_messages`` is ``kickoff_emails`` (a digest counts once) plus
  ``kickoff_zalo``; ``kickoff_due`` the notifications claimed, ``kickoff_skipped`` those skipped;
- ``status_500_s`` and ``rollup_500_s``: every unit of the big plan's annual period submitted, then
  ``kehoach status`` and ``kehoach rollup`` of that period;
- ``simulate_year_s``: ``kehoach simulate`` of the whole province from 01/01 to ``--simulate-to``
  (``--simulate-to none`` skips it, and the key is null), and ``simulate_cpu_s`` its CPU time
  (user + system: comparable between runs on a machine shared with other work);
- ``peak_rss_mb``: the largest resident set of any command (and of this process).

With ``--fanout`` it measures only the scheduled collection run at 16:30 of the working day on
which the most plans have a period open, due or overdue: the real ``collection`` flow in this
one process (a temporary Prefect server, PREFECT_HOME in the province folder), fanned out to one
subflow run per plan and period under ``--limit`` (KEHOACH_PLAN_CONCURRENCY). Keys:
``fanout_at``, ``fanout_runs`` (subflow runs), ``fanout_plans``, ``fanout_limit``,
``fanout_max_concurrent`` (from the start and end times Prefect recorded; never above the
limit), ``fanout_s`` and ``fanout_peak_rss_mb`` (this process: the runs are threads, not forks).

The last line of stdout is one JSON object with those keys. Goals on a 2-core machine: start-up
under 2 s, sync under 10 s, a kickoff of about 6,000 messages under 30 s, status and roll-up
under 2 s, the year simulated in under 5 minutes, peak RSS under 1 GB.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crash import free_port  # noqa: E402
from tests.servers.zalo import APP_ID as ZALO_APP_ID  # noqa: E402
from tests.servers.zalo import SECRET_KEY as ZALO_SECRET_KEY  # noqa: E402

YEAR = 2026
# Every sixth plan gains a monthly report (no seed has one).
MONTHLY = {"id": "bc-thang", "title": "Báo cáo tháng", "period": "thang", "due": "ngày 20 của tháng sau"}
SINGLE_REFS = ("issuer", "office", "to", "unit", "escalate_to")


def _seed_files() -> list[Path]:
    """The seeds, the Action Month ones first: the big plan is the first of them."""
    files = sorted((ROOT / "config" / "plans").glob("*.yaml"))
    return sorted(files, key=lambda p: "thang_hanh_dong" not in p.read_text(encoding="utf-8"))


class _Dumper(yaml.SafeDumper):
    """Quotes every string starting with a digit: YAML 1.1 writes ``0900000003`` bare, 1.2 reads a number."""


_Dumper.add_representer(str, lambda d, s: d.represent_scalar(
    "tag:yaml.org,2002:str", s, style="'" if s[:1].isdigit() or s.lower() in ("true", "false", "null", "~") else None))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def _load(path: Path) -> Any:
    from ruamel.yaml import YAML  # YAML 1.2, as kehoach reads it; only the five seeds

    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def directory(units: int) -> dict[str, Any]:
    """``units`` units, each with an email; every third one with a Zalo phone."""
    rows = []
    for i in range(1, units + 1):
        row: dict[str, Any] = {"id": f"dv-{i:04d}", "name": f"Đơn vị số {i}", "emails": [f"dv{i:04d}@tinh.example"]}
        if i % 3 == 0:
            row["zalo"] = f"09{i:08d}"
        rows.append(row)
    return {"groups": [{"id": "toan-tinh", "name": "Các đơn vị trong tỉnh"}], "units": rows}


def remap(node: Any, key: str | None, known: set[str], units: list[str]) -> Any:
    """The seed with every unit or group it names replaced: lists by ``units``, one unit by the first."""
    if isinstance(node, dict):
        return {k: remap(v, k, known, units) for k, v in node.items()}
    if isinstance(node, list):
        if node and all(isinstance(x, str) and x in known for x in node):
            return [units[0]] if key == "lead" else [] if key == "coordinating" else list(units)
        return [remap(x, key, known, units) for x in node]
    if isinstance(node, str) and node in known and key in SINGLE_REFS:
        return units[0]
    return node


def province(folder: Path, n_units: int, n_plans: int, big: int, rng: random.Random) -> dict[str, Any]:
    """Write config/ (contacts, calendar, plans) under ``folder``; the big plan's id."""
    config = folder / "config"
    (config / "plans").mkdir(parents=True)
    contacts = _load(ROOT / "config" / "contacts.yaml")
    known = {u["id"] for u in contacts["units"]} | {g["id"] for g in contacts.get("groups", [])}
    (config / "contacts.yaml").write_text(
        _dump(directory(n_units)), encoding="utf-8")
    shutil.copy(ROOT / "config" / "calendar.yaml", config / "calendar.yaml")
    seeds = [_load(p) for p in _seed_files()]
    ids = [f"dv-{i:04d}" for i in range(1, n_units + 1)]
    first = ""
    for i in range(n_plans):
        seed = seeds[i % len(seeds)]
        size = min(big, n_units) if i == 0 else rng.randint(min(20, n_units), min(500, n_units))
        plan = remap(seed, None, known, sorted(rng.sample(ids, size)))
        plan["id"] = f"{seed['id']}-{i:03d}"
        if i % 6 == 5:
            plan["reports"] = [*plan.get("reports", []), {**MONTHLY, "units": plan["units"], "to": plan["office"]}]
        first = first or plan["id"]
        (config / "plans" / f"{plan['id']}.yaml").write_text(
            _dump(plan), encoding="utf-8")
    return {"big_plan": first}


class Runner:
    """Runs ``kehoach`` commands against the province; ``cpu``: the last one's user and system CPU
    seconds (comparable between runs on a machine shared with other work)."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.cpu = 0.0

    def run(self, *args: str, check: bool = True, discard: bool = False) -> tuple[float, str]:
        """``discard``: the command's output is thrown away, not held here (the province's preview is
        1.2 GB of JSON: captured, it made this process the largest of all, 4.6 GB)."""
        started, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, "-m", "kehoach", *args], env=self.env, cwd=ROOT, text=True,
                              stdout=subprocess.DEVNULL if discard else subprocess.PIPE, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
        now_used = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = now_used.ru_utime + now_used.ru_stime - used.ru_utime - used.ru_stime
        print(f"kehoach {' '.join(args[:3])}: {seconds:.2f} s", file=sys.stderr, flush=True)
        if check and done.returncode != 0:
            raise SystemExit(f"kehoach {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return seconds, done.stdout or ""


def _db_state(data: Path, url: str) -> str:
    """Equal between two moments, nothing written: a digest of the SQLite database and its WAL,
    or PostgreSQL's count of the rows inserted, updated and deleted in the database's tables
    (a command's server process reports them as it ends: read until two readings agree)."""
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        readings = ["", "-"]
        while readings[-1] != readings[-2] and len(readings) < 12:
            time.sleep(0.5)
            with engine.connect() as conn:
                readings.append(str(conn.execute(text(
                    "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables")).scalar()))
        engine.dispose()
        return readings[-1]
    h = hashlib.sha256()
    for name in ("kehoach.db", "kehoach.db-wal"):
        path = data / name
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()


def _admin(server: str, statement: str) -> None:
    """``statement`` (CREATE or DROP DATABASE) on ``server``'s maintenance database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def fresh_database(server: str, name: str) -> str:
    """A new, empty database ``name`` on the PostgreSQL server of ``server``; its URL."""
    from sqlalchemy.engine import make_url

    drop_database(server, name)
    _admin(server, f'CREATE DATABASE "{name}"')
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    """Drop ``name`` on the server of ``server``, even with connections left open."""
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counter(port: int, log: str, ready: Any) -> None:
    """The SMTP sink: one line per message."""
    from aiosmtpd.controller import Controller

    out = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (lives as long as the sink)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            out.write(f"{len(envelope.rcpt_tos)}\n")
            return "250 OK"

    Controller(Handler(), hostname="127.0.0.1", port=port).start()
    ready.set()
    while True:
        time.sleep(3600)


def _zalo(ready: Any, sent: Any) -> None:
    """The Zalo contract server (tests.servers.zalo): sends ``ready`` its URL and a refresh token,
    then keeps ``sent`` at the number of ZNS messages it accepted."""
    from tests.servers.zalo import ZaloServer

    with ZaloServer() as server:
        ready.put((server.url, server.state.new_refresh_token()))
        while True:
            sent.value = server.state.accepted
            time.sleep(0.1)


def mornings_of_kickoff(env: dict[str, str]) -> tuple[datetime, datetime]:
    """The morning sync (06:30) of the day of the province's first Action Month kickoff, from the
    plans, and the morning sync of the next working day.

    The sync the installation runs before that day's dispatches: a sync the day before would
    leave the kickoff's dispatch to move the horizon on first (``freshness.sync_changed``).
    """
    adopt(env)
    from datetime import time as clock

    from kehoach.calendar import at_local
    from kehoach.cli.common import config
    from kehoach.expansion.expand import plan_events
    from kehoach.notification import Kind

    cfg = config(database=False)  # the files only: this process must not hold the database open
    cal = cfg.calendar([YEAR])
    kickoffs = [at_local(ev.day, plan.reminder_policy.send_time) for plan in cfg.plans.values()
                for ev in plan_events(plan, YEAR, cal, cfg.directory) if ev.kind is Kind.CAMPAIGN_KICKOFF]
    if not kickoffs:
        raise SystemExit("no Action Month kickoff in the province's plans")
    first = min(kickoffs)
    after = cal.add_working_days(first.date(), 1)
    return min(at_local(first.date(), clock(6, 30)), first), at_local(after, clock(6, 30))


def outbox_rows(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
    engine.dispose()
    return int(n or 0)


def kickoff_moment(url: str) -> datetime:
    """The first Action Month kickoff notification's time."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        first = conn.execute(text("SELECT min(send_at) FROM outbox WHERE kind = 'campaign_kickoff'")).scalar()
    engine.dispose()
    if first is None:
        raise SystemExit("no Action Month kickoff in the province's outbox")
    return datetime.fromisoformat(str(first)).replace(tzinfo=None) if isinstance(first, str) else first


def mark_earlier_handled(url: str, before: datetime) -> int:
    """Rows due before the kickoff are what earlier dispatches sent: mark them skipped."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        n = conn.execute(text("UPDATE outbox SET status = 'skipped' WHERE send_at < :t AND status = 'pending'"),
                         {"t": before}).rowcount
    engine.dispose()
    return int(n)


def kickoff(env: dict[str, str], folder: Path, moment: datetime) -> dict[str, Any]:
    """``kehoach dispatch`` at ``moment``: email to the counting SMTP sink, Zalo to the contract
    server (both local, in their own processes; the Zalo rate limit off, it is the server's)."""
    port, log = free_port(), str(folder / "sink.log")
    ready, zalo_ready, zalo_sent = mp.Event(), mp.Queue(), mp.Value("l", 0)
    sink = mp.Process(target=_counter, args=(port, log, ready), daemon=True)
    zalo = mp.Process(target=_zalo, args=(zalo_ready, zalo_sent), daemon=True)
    sink.start()
    zalo.start()
    try:
        ready.wait(10)
        zalo_url, refresh_token = zalo_ready.get(timeout=30)
        local = {"KEHOACH_SMTP_HOST": "127.0.0.1", "KEHOACH_SMTP_PORT": str(port),
                 "KEHOACH_ZALO_APP_ID": ZALO_APP_ID, "KEHOACH_ZALO_SECRET_KEY": ZALO_SECRET_KEY,
                 "KEHOACH_ZALO_REFRESH_TOKEN": refresh_token, "KEHOACH_ZALO_API_BASE": zalo_url,
                 "KEHOACH_ZALO_OAUTH_BASE": zalo_url, "KEHOACH_ZALO_RATE_PER_SECOND": "0"}
        now = moment.replace(tzinfo=None).isoformat() + "+00:00"
        seconds, said = Runner({**env, **local}).run("dispatch", "--now", now, "--json", check=False)
        time.sleep(0.3)  # the Zalo server's count is refreshed every 0.1 s
        emails, zalo_messages = len(Path(log).read_text(encoding="utf-8").splitlines()), int(zalo_sent.value)
    finally:
        sink.kill()
        zalo.kill()
    summary = json.loads(said.splitlines()[-1]) if said.strip() else {}
    return {"kickoff_s": seconds, "kickoff_messages": emails + zalo_messages, "kickoff_emails": emails,
            "kickoff_zalo": zalo_messages, "kickoff_due": summary.get("claimed"),
            "kickoff_skipped": summary.get("skipped")}


def practice_environ() -> dict[str, str]:
    """The shell's environment without its kehoach and Prefect API settings.

    The fictional province's units have phone numbers of real shape (09xxxxxxxx): a shell's
    Zalo credentials, SMTP relay or Prefect server must never reach the commands it runs.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith(("KEHOACH_", "PREFECT_API_", "PREFECT_PROFILE"))}


def adopt(env: dict[str, str]) -> None:
    """Make this process's environment exactly ``env`` before working in it (submissions, the
    fan-out's flows): updating it would keep the shell's relay, Zalo token or Prefect server."""
    os.environ.clear()
    os.environ.update(env)


def submit_all(env: dict[str, str], plan_id: str) -> str:
    """Every unit of the plan's annual period submits (figures of 1 to 50); the period's id."""
    adopt(env)
    from kehoach.calendar import VN_TZ
    from kehoach.cli.common import config
    from kehoach.settings import Settings
    from kehoach.store.db import make_engine, session
    from kehoach.submissions.forms import fields_of, form_indicators, validate
    from kehoach.submissions.periods import periods_of_year
    from kehoach.submissions.record import record_submission
    from kehoach.submissions.tracking import expected_units

    s, cfg = Settings(), config()
    plan = cfg.plan(plan_id)
    period = next(p for p in periods_of_year(plan, YEAR) if p.report.period.value == "nam")
    rng = random.Random(7)
    with session(make_engine(s.resolved_database_url)) as db:
        for unit in expected_units(cfg.directory, period):
            indicators = form_indicators(plan, cfg.directory, period.report, unit.id)
            raw = {f.name: str(rng.randint(1, 50)) for f in fields_of(indicators)}
            checked = validate(indicators, raw, plan.rules)
            record_submission(db, s.data_dir, plan_id=plan.id, period=period.id, unit_id=unit.id,
                              values=checked.values, now=datetime(YEAR, 11, 20, 9, tzinfo=VN_TZ), source="cli")
    return period.id


def busiest_tick(env: dict[str, str]) -> datetime:
    """The collection deployment's tick (16:30) on the 2026 working day when the most plans have a period
    open, due or overdue, and of those the one with the fewest closed periods to roll up (a fresh
    database has no roll-up: an installation running since January would have made them)."""
    adopt(env)
    from datetime import date, timedelta

    from kehoach.cli.common import config
    from kehoach.runtime.schedules import by_kind, scheduled
    from kehoach.runtime.simulation import tick_times
    from kehoach.runtime.work import collection_work

    cfg = config()
    cal = cfg.calendar([YEAR - 1, YEAR])
    [deployment] = by_kind(scheduled(), "collection")
    days = [d for d in (date(YEAR, 1, 1) + timedelta(n) for n in range(365)) if cal.is_working_day(d)]
    ticks = [t for d in days[::5] for t in tick_times(deployment, d)]  # a working day a week: cheap enough

    def plans_with_work(tick: datetime, rolled_up: bool) -> list[tuple[str, str]]:
        return collection_work(cfg.plans.values(), {}, cfg.directory, cal, tick, lambda _plan, _period: rolled_up)

    busy = {t: len({plan for plan, _ in plans_with_work(t, True)}) for t in ticks}
    most = max(busy.values())
    return min((t for t in ticks if busy[t] == most), key=lambda t: len(plans_with_work(t, False)))


def most_at_once(runs: list[Any]) -> int:
    """The most runs between their start and end at one moment, as Prefect recorded them."""
    edges = sorted([(r.start_time, 1) for r in runs] + [(r.end_time, -1) for r in runs], key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def fanout(env: dict[str, str], limit: int) -> dict[str, Any]:
    """The scheduled collection run over the whole province, in this process; its figures."""
    now = busiest_tick(env)
    os.environ.update({"KEHOACH_PLAN_CONCURRENCY": str(limit), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    from flows.local import configure, fast_runs, warm_up

    configure()
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    from flows.collection import collection_flow

    warm_up()
    started = time.perf_counter()
    with fast_runs():
        state = collection_flow(now=now, simulation=True, return_state=True)
    seconds = time.perf_counter() - started
    wanted = FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id]))
    runs: list[Any] = []
    with get_client(sync_client=True) as client:
        while page := client.read_flow_runs(flow_run_filter=wanted, offset=len(runs), limit=200):
            runs += page  # the API answers 200 at most per call
    return {"fanout_at": now.isoformat(), "fanout_state": state.name, "fanout_runs": len(runs),
            "fanout_plans": len({r.parameters["plan_id"] for r in runs}), "fanout_limit": limit,
            "fanout_max_concurrent": most_at_once(runs), "fanout_s": seconds,
            "fanout_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--plans", type=int, default=150)
    parser.add_argument("--big", type=int, default=500, help="units of the plan whose period is tracked and rolled up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--simulate-to", default=f"{YEAR}-12-31", help="last simulated day, or 'none'")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (and the PostgreSQL database)")
    parser.add_argument("--database", help="a PostgreSQL server (postgresql://user:pw@host:port/db): "
                                           "the province gets its own new database there; default SQLite")
    parser.add_argument("--fanout", action="store_true", help="measure only the 16:30 collection fan-out")
    parser.add_argument("--limit", type=int, default=4, help="KEHOACH_PLAN_CONCURRENCY of --fanout")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="kehoach-province-"))
    made = province(folder, args.units, args.plans, args.big, random.Random(args.seed))
    data = folder / "data"
    url = f"sqlite:///{data / 'kehoach.db'}"
    if args.database:
        own = f"kehoach_prov_{os.getpid()}"
        url = fresh_database(args.database, own)
        print(f"PostgreSQL database {own}", file=sys.stderr, flush=True)
        if args.keep is None:
            atexit.register(drop_database, args.database, own)
    env = {**practice_environ(), "KEHOACH_CONFIG_DIR": str(folder / "config"), "KEHOACH_DATA_DIR": str(data),
           "KEHOACH_DATABASE_URL": url, "KEHOACH_PORTAL_SECRET": "province-benchmark-secret",
           "PREFECT_HOME": str(folder / "prefect"), "COLUMNS": "200"}
    out: dict[str, Any] = {"units": args.units, "plans": args.plans, "database": url.split(":", 1)[0]}
    if args.fanout:
        out |= fanout(env, args.limit)
    else:
        measure(out, env, folder, made["big_plan"], args.simulate_to)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}))


def measure(out: dict[str, Any], env: dict[str, str], folder: Path, big_plan: str, simulate_to: str) -> None:
    """The commands' figures into ``out``."""
    data = folder / "data"
    url = env["KEHOACH_DATABASE_URL"]
    runner = Runner(env)
    run = runner.run

    synced_at, next_morning = (m.isoformat() for m in mornings_of_kickoff(env))
    out["sync_at"] = synced_at
    out["sync_first_s"], _ = run("sync", "--year", str(YEAR), "--now", synced_at)
    before = _db_state(data, url)
    out["sync_again_s"], said = run("sync", "--year", str(YEAR), "--now", synced_at)
    out["sync_again_wrote"] = _db_state(data, url) != before
    assert not out["sync_again_wrote"], f"the second sync wrote to the database:\n{said}"
    out["sync_rows"] = outbox_rows(url)
    small = min((p for p in (folder / "config" / "plans").glob("*.yaml")), key=lambda p: p.stat().st_size).stem
    out["command_startup_s"], _ = run("status", "--plan", small)
    out["preview_s"], _ = run("preview", "--year", str(YEAR), "--format", "json", discard=True)

    moment = kickoff_moment(url)
    mark_earlier_handled(url, moment)
    out |= kickoff(env, folder, moment)

    period = submit_all(env, big_plan)
    out["status_500_s"], _ = run("status", "--plan", big_plan, "--period", period)
    out["rollup_500_s"], _ = run("rollup", "--plan", big_plan, "--period", period,
                                 "--out", str(folder / "rollup"))
    out["sync_next_s"], _ = run("sync", "--now", next_morning)
    out["sync_next_cpu_s"] = runner.cpu
    out["simulate_year_s"] = out["simulate_cpu_s"] = None
    if simulate_to != "none":
        out["simulate_year_s"], _ = run("simulate", "--from", f"{YEAR}-01-01", "--to", simulate_to,
                                        "--data-dir", str(folder / "sim"))
        out["simulate_cpu_s"] = runner.cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_rss_mb"] = round(max(children, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024, 1)


if __name__ == "__main__":
    main()
