"""How fast the dispatcher sends, against a bare aiosmtplib loop and one Prefect task per message.

    python benchmarks/dispatch.py [--messages 10000] [--per-task 1000] [--rounds 3]
                                  [--network-messages 2000] [--per-connection 200] [--delay-ms 10]

The dispatcher and the bare loop run ``--rounds`` times each, alternately, and the medians
are compared, so one busy moment on a shared machine does not decide the ratio. All three
send to the same local aiosmtpd sink, which runs in its own process so that the
sender under test has a core to itself; it advertises PIPELINING, as real relays do (the
dispatcher then sends MAIL FROM, RCPT TO and DATA together; the bare aiosmtplib loop never does). The Python sink caps the bare loop, so the dispatcher
and the bare loop are compared again against Postfix's smtp-sink, written in C, when it is
installed (Debian package ``postfix``): the JSON's ``c_sink`` object.

Loopback hides what a real relay costs: every SMTP command waits a round trip. The second part
sends through a local TCP proxy that holds each direction ``--delay-ms`` (a 20 ms round trip by
default, measured to a provincial relay), to a sink that requires STARTTLS, and compares the
dispatcher with the same bare loop and with one smtplib connection per message (connect,
STARTTLS, send, quit: what a task per message does).

The last line of stdout is one JSON object: dispatcher_rate, bare_rate, ratio,
per_task_seconds_1000, speedup_vs_per_task, peak_rss_mb, and ``network`` with the three rates
through the proxy and the ratios ``vs_per_connection`` and ``vs_bare``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import shutil
import socket
import ssl
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

def _sink(port: int, ready: Any, count: Any, tls_dir: str | None) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                              responses: list[str]) -> list[str]:
            session.host_name = hostname
            return [responses[0], "250-PIPELINING", *responses[1:]]  # as Postfix and other real relays

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    tls: dict[str, Any] = {}
    if tls_dir:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(Path(tls_dir) / "cert.pem", Path(tls_dir) / "key.pem")
        tls = dict(tls_context=context, require_starttls=True)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **tls)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sink(tls_dir: Path | None = None) -> tuple[mp.Process, int, Any]:
    port, ready, count = free_port(), mp.Event(), mp.Value("l", 0)
    proc = mp.Process(target=_sink, args=(port, ready, count, str(tls_dir) if tls_dir else None), daemon=True)
    proc.start()
    ready.wait(30)
    return proc, port, count


# --- the slow network: a proxy that holds each direction -------------------------------------

def _proxy(port: int, target: int, delay: float, ready: Any) -> None:
    """Forward to ``target``, each chunk ``delay`` seconds later, in order, without holding the next."""

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def forward() -> None:
            while True:
                due, data = await held.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(data)
                await writer.drain()
            writer.close()

        forwarding = asyncio.create_task(forward())
        try:
            while data := await reader.read(65536):
                held.put_nowait((time.monotonic() + delay, data))
        except ConnectionError:
            pass
        held.put_nowait((0.0, b""))
        await forwarding

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer), return_exceptions=True)

    async def main() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_proxy(target: int, delay: float) -> tuple[mp.Process, int]:
    port, ready = free_port(), mp.Event()
    proc = mp.Process(target=_proxy, args=(port, target, delay, ready), daemon=True)
    proc.start()
    ready.wait(30)
    return proc, port


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

def run_dispatcher(port: int, directory: Any, notes: list[Any], tmp: Path,
                   tls: ssl.SSLContext | None = None) -> tuple[float, dict[str, Any]]:
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
        channel = EmailChannel(host="127.0.0.1", port=port, mail_from=MAIL_FROM, starttls=tls is not None,
                               tls_context=tls, concurrency=CONCURRENCY)
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


def run_bare(port: int, messages: list[Any], tls: ssl.SSLContext | None = None) -> float:
    import aiosmtplib

    async def main() -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        for m in messages:
            queue.put_nowait(m)

        async def worker() -> None:
            smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=tls is not None, tls_context=tls)
            await smtp.connect()
            while not queue.empty():
                m = queue.get_nowait()
                await smtp.sendmail(m.sender, m.recipients, m.data)
            await smtp.quit()

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


def compare(port: int, directory: Any, notes: list[Any], messages: list[Any], rounds: int,
            tmp: Path) -> tuple[list[float], list[float]]:
    """The dispatcher's and the bare loop's rates, ``rounds`` each, alternated (a busy moment hits both)."""
    d_runs, b_runs = [], []
    for i in range(rounds):
        d_elapsed, summary = run_dispatcher(port, directory, notes, tmp / f"round-{i}")
        assert summary["sent"] == len(notes), summary
        d_runs.append(len(notes) / d_elapsed)
        b_runs.append(len(messages) / run_bare(port, messages))
        print(f"{tmp.name} round {i + 1}: dispatcher {d_runs[-1]:.0f} msg/s, bare aiosmtplib {b_runs[-1]:.0f} msg/s",
              file=sys.stderr, flush=True)
    return d_runs, b_runs


def run_c_sink(directory: Any, notes: list[Any], messages: list[Any], rounds: int, tmp: Path) -> dict[str, Any]:
    """The same comparison against Postfix's smtp-sink, written in C: the Python sink caps the bare loop."""
    binary = shutil.which("smtp-sink") or shutil.which("smtp-sink", path="/usr/sbin:/usr/lib/postfix/sbin")
    if binary is None:
        return {"skipped": "smtp-sink not found (Debian package postfix)"}
    port = free_port()
    sink = subprocess.Popen([binary, "-u", "nobody", f"127.0.0.1:{port}", "256"])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "smtp-sink did not start"
                time.sleep(0.05)
        d_runs, b_runs = compare(port, directory, notes, messages, rounds, tmp)
    finally:
        sink.terminate()
        sink.wait()
    d, b = statistics.median(d_runs), statistics.median(b_runs)
    return {"dispatcher_rates": [round(r, 1) for r in d_runs], "bare_rates": [round(r, 1) for r in b_runs],
            "dispatcher_rate": round(d, 1), "bare_rate": round(b, 1), "ratio": round(d / b, 3)}


def run_per_connection(port: int, messages: list[Any], tls: ssl.SSLContext) -> float:
    """One smtplib connection per message, one after another: connect, STARTTLS, send, quit."""
    import smtplib

    start = time.perf_counter()
    for m in messages:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.starttls(context=tls)
            smtp.sendmail(m.sender, list(m.recipients), m.data)
    return time.perf_counter() - start


def run_network(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """The three senders through the delaying proxy to a STARTTLS sink."""
    from tests.servers.smtp import self_signed

    tls_dir = tmp / "tls"
    tls_dir.mkdir()
    _, client_tls = self_signed(tls_dir)
    sink, sink_port, count = start_sink(tls_dir)
    proxy, port = start_proxy(sink_port, args.delay_ms / 1000)
    try:
        directory, notes = workload(args.network_messages)
        messages = prerender(directory, notes)
        d_elapsed, summary = run_dispatcher(port, directory, notes, tmp / "network", client_tls)
        assert summary["sent"] == args.network_messages, summary
        dispatcher_rate = args.network_messages / d_elapsed
        bare_rate = args.network_messages / run_bare(port, messages, client_tls)
        per_connection_rate = args.per_connection / run_per_connection(port, messages[:args.per_connection],
                                                                        client_tls)
        received = count.value
    finally:
        for proc in (proxy, sink):
            proc.terminate()
            proc.join()
    print(f"through a {2 * args.delay_ms} ms round trip with STARTTLS: dispatcher {dispatcher_rate:.0f} msg/s, "
          f"bare aiosmtplib {bare_rate:.0f} msg/s, one connection per message {per_connection_rate:.1f} msg/s",
          file=sys.stderr, flush=True)
    return {
        "delay_ms_each_way": args.delay_ms, "messages": args.network_messages,
        "per_connection_messages": args.per_connection, "sink_received": received,
        "dispatcher_rate": round(dispatcher_rate, 1), "bare_rate": round(bare_rate, 1),
        "per_connection_rate": round(per_connection_rate, 1),
        "vs_per_connection": round(dispatcher_rate / per_connection_rate, 1),
        "vs_bare": round(dispatcher_rate / bare_rate, 3),
    }


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
    parser.add_argument("--network-messages", type=int, default=2_000, help="sent through the delaying proxy")
    parser.add_argument("--per-connection", type=int, default=200,
                        help="messages sent one connection each through the proxy")
    parser.add_argument("--delay-ms", type=float, default=10.0, help="the proxy's delay in each direction")
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
            d_runs, b_runs = compare(port, directory, notes, messages, args.rounds, tmp / "python-sink")
            c_sink = run_c_sink(directory, notes, messages, args.rounds, tmp / "c-sink")
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
    with tempfile.TemporaryDirectory() as tmpdir:
        network = run_network(args, Path(tmpdir))
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
        "c_sink": c_sink,
        "network": network,
    }
    print(f"dispatcher: {dispatcher_rate:.0f} msg/s, bare aiosmtplib: {bare_rate:.0f} msg/s, "
          f"one Prefect task per message: {per_task_1000:.1f} s per 1000", file=sys.stderr)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
