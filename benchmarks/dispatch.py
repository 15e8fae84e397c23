"""How fast the dispatcher sends, against a bare aiosmtplib loop and one Prefect task per message.

    python benchmarks/dispatch.py [--messages 10000] [--per-task 1000] [--rounds 3]

The dispatcher and the bare loop run ``--rounds`` times each, alternately, and the medians
are compared, so one busy moment on a shared machine does not decide the ratio. All three
send to the same local aiosmtpd sink, which runs in its own process so that the
sender under test has a core to itself. The last line of stdout is one JSON object:
dispatcher_rate, bare_rate, ratio, per_task_seconds_1000, speedup_vs_per_task, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CONCURRENCY = 10
MAIL_FROM = "Văn phòng Sở <vanphong@so.example>"


# --- the sink --------------------------------------------------------------------------------

def _sink(port: int, ready: Any, count: Any) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def start_sink() -> tuple[mp.Process, int, Any]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ready, count = mp.Event(), mp.Value("l", 0)
    proc = mp.Process(target=_sink, args=(port, ready, count), daemon=True)
    proc.start()
    ready.wait(30)
    return proc, port, count


# --- the workload ----------------------------------------------------------------------------

def workload(n: int) -> tuple[Any, list[Any]]:
    from kehoach.calendar import VN_TZ
    from kehoach.plans.directory import Directory, Unit
    from kehoach.notification import Kind, Notification
    from notifications.render import render_subject

    units = [Unit(id=f"don-vi-{i}", name=f"Đơn vị số {i}", emails=[f"dv{i}@so.example"]) for i in range(n)]
    context = {
        "plan": {"id": "bench", "label": "Kế hoạch số 12/KH-STN", "title": "Kế hoạch thử nghiệm năm 2026",
                 "issuer": "Sở Thử nghiệm"},
        "item": {"id": "nam", "title": "Báo cáo kết quả thực hiện công tác bình đẳng giới năm 2026"},
        "period": {"id": "nam-2026", "label": "Báo cáo năm 2026"}, "deadline": "2026-12-04", "step": -3,
        "kind": "report_reminder",
    }
    subject = render_subject("report_reminder", context)
    send_at = datetime.combine(date(2026, 12, 1), dtime(8), tzinfo=VN_TZ)
    notes = [Notification(f"bench/report_reminder/nam-2026/-3/{u.id}/email", "bench", Kind.REPORT_REMINDER, u.id,
                          "email", send_at, date(2026, 12, 4), subject, "nam-2026", context) for u in units]
    return Directory(units=units), notes


# --- 1. the dispatcher -----------------------------------------------------------------------

def run_dispatcher(port: int, directory: Any, notes: list[Any], tmp: Path) -> tuple[float, dict[str, Any]]:
    from kehoach.calendar import VN_TZ
    from kehoach.delivery.dispatcher import Options, dispatch_async
    from kehoach.store.db import make_engine, session
    from kehoach.store.outbox import upsert_by_key
    from notifications.channels import EmailChannel

    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    now = datetime.combine(date(2026, 12, 1), dtime(9), tzinfo=VN_TZ)
    with session(engine) as s:
        upsert_by_key(s, notes, now, 2026)

    async def main() -> Any:
        channel = EmailChannel(host="127.0.0.1", port=port, mail_from=MAIL_FROM, starttls=False,
                               concurrency=CONCURRENCY)
        try:
            return await dispatch_async(engine, directory, {"email": channel, "zalo": None}, now,
                                        options=Options(concurrency={"email": CONCURRENCY}))
        finally:
            await channel.aclose()

    start = time.perf_counter()
    summary = asyncio.run(main())
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, summary.as_dict()


# --- 2. the bare aiosmtplib loop -------------------------------------------------------------

def prerender(directory: Any, notes: list[Any]) -> list[Any]:
    from notifications.mime import build_email
    from notifications.render import render_message

    out = []
    for n in notes:
        unit = directory.unit(n.unit)
        ctx = {**n.context, "unit": {"id": unit.id, "name": unit.name}}
        msg = render_message(n.kind.value, ctx, key=n.key, channel="email", to=unit.emails, to_name=unit.name)
        out.append(build_email(msg, MAIL_FROM))
    return out


def run_bare(port: int, messages: list[Any]) -> float:
    import aiosmtplib

    async def main() -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        for m in messages:
            queue.put_nowait(m)

        async def worker() -> None:
            smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
            await smtp.connect()
            while not queue.empty():
                m = queue.get_nowait()
                await smtp.sendmail(m.sender, m.recipients, m.data)
            await smtp.quit()

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


# --- 3. one Prefect task per message (in a child process: the harness is noisy) ---------------

def per_task_child(port: int, n: int) -> None:
    """Runs in a child whose stdout carries only the JSON result."""
    import contextlib
    import smtplib

    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        from prefect import flow, task
        from prefect.testing.utilities import prefect_test_harness

        directory, notes = workload(n)
        messages = prerender(directory, notes)

        @task
        def send_one(index: int) -> None:  # prefect-email's email_send_message: a connection per task
            m = messages[index]
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.sendmail(m.sender, list(m.recipients), m.data)

        @flow
        def send_all(count: int) -> None:  # indexes, not messages: flow parameters are size-limited
            for i in range(count):
                send_one(i)

        with prefect_test_harness(server_startup_timeout=120):
            send_all(10)  # warm up: the first flow run pays for registration
            start = time.perf_counter()
            send_all(len(messages))
            elapsed = time.perf_counter() - start
    print(json.dumps({"per_task_seconds": elapsed}), file=real_stdout, flush=True)


def run_per_task(port: int, n: int, tmp: Path) -> float:
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, __file__, "--per-task-child", str(port), "--per-task", str(n)],
                          env=env, stdout=subprocess.PIPE, text=True, check=True)
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["per_task_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--per-task", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3, help="dispatcher and bare runs, alternated; medians reported")
    parser.add_argument("--per-task-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.per_task_child is not None:
        per_task_child(args.per_task_child, args.per_task)
        return

    sink, port, count = start_sink()
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            directory, notes = workload(args.messages)
            messages = prerender(directory, notes)
            d_runs, b_runs = [], []
            for i in range(args.rounds):  # alternate, so a busy moment on the machine hits both
                d_elapsed, summary = run_dispatcher(port, directory, notes, tmp / f"round-{i}")
                assert summary["sent"] == args.messages, summary
                d_runs.append(args.messages / d_elapsed)
                b_runs.append(args.messages / run_bare(port, messages))
                print(f"round {i + 1}: dispatcher {d_runs[-1]:.0f} msg/s, bare aiosmtplib {b_runs[-1]:.0f} msg/s",
                      file=sys.stderr, flush=True)
            del messages
            p_elapsed = run_per_task(port, args.per_task, tmp)
            expected = 2 * args.rounds * args.messages + args.per_task + 10
            deadline = time.monotonic() + 10
            while count.value < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            received = count.value
    finally:
        sink.terminate()
        sink.join()
    dispatcher_rate = statistics.median(d_runs)
    bare_rate = statistics.median(b_runs)
    per_task_1000 = p_elapsed * 1000 / args.per_task
    result = {
        "messages": args.messages, "concurrency": CONCURRENCY, "rounds": args.rounds, "sink_received": received,
        "dispatcher_rates": [round(r, 1) for r in d_runs], "bare_rates": [round(r, 1) for r in b_runs],
        "dispatcher_rate": round(dispatcher_rate, 1), "bare_rate": round(bare_rate, 1),
        "ratio": round(dispatcher_rate / bare_rate, 3),
        "per_task_seconds_1000": round(per_task_1000, 2),
        "speedup_vs_per_task": round(per_task_1000 / 1000 * dispatcher_rate, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"dispatcher: {dispatcher_rate:.0f} msg/s, bare aiosmtplib: {bare_rate:.0f} msg/s, "
          f"one Prefect task per message: {per_task_1000:.1f} s per 1000", file=sys.stderr)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
