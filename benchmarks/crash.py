"""SIGKILL the dispatcher at random points of a 3,000-unit dispatch and count what it cost.

    python benchmarks/crash.py [--units 3000] [--per-unit 1] [--kills 10] [--concurrency 10] [--seed 1]
                               [--database URL]

Each round starts a dispatcher in a child process, lets the local SMTP sink (its own process)
receive a random number of messages, keeps the next ones without answering them (so the kill
always finds sends in flight, their messages arrived but not known to have, however fast the
dispatcher or however slow the parent under load), and SIGKILLs it; the next round runs one lease later on
the dispatcher's clock, so the killed run's claims have lapsed. A last round runs to the end.
Then it counts, per notification key (the ``X-Kehoach-Key`` header, or the key-derived
Message-ID of older builds): lost (never delivered), duplicated (delivered more than once),
the most duplicates one kill caused, and rows stuck after the lease (not ``sent`` at the end).
With ``--per-unit K`` each unit has K notifications due together, so they go as digests of K;
every count is then in notifications (a repeated digest repeats each one it carries; the
outbox's ``message_key`` says which message carried which notification). The last line of
stdout is one JSON object. Goals: 0 lost, 0 stuck, duplicates per kill at most the
concurrency with one notification per message, and at most ``Options.in_flight``
notifications with digests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.dispatch import MAIL_FROM, workload  # noqa: E402

LEASE = timedelta(minutes=10)
OPEN = 2**62  # the sink's gate when it holds nothing
BASE = datetime.fromisoformat("2026-12-01T09:00:00+07:00")


def _sink(port: int, log: str, ready: Any, gate: Any) -> None:
    """Write one line per accepted message: its key header (or Message-ID). Beyond the ``gate``-th
    line, keep the message but hold its reply until the gate is raised (a reply lost in a crash)."""
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    out = open(log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (lives as long as the sink)
    parser = BytesHeaderParser()
    written = sum(1 for _ in open(log, encoding="utf-8"))

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            nonlocal written
            headers = parser.parsebytes(envelope.original_content or envelope.content)
            out.write(json.dumps({"key": headers.get("X-Kehoach-Key"), "id": headers.get("Message-ID")}) + "\n")
            written += 1
            mine = written
            while mine > gate.value:  # kept, but its reply held: the dispatcher cannot know it arrived
                await asyncio.sleep(0.002)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def received(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def child(args: argparse.Namespace) -> None:
    """One dispatch run at ``--now`` (the process the parent kills)."""
    from kehoach.delivery.dispatcher import Options, dispatch_async
    from kehoach.store.db import make_engine
    from notifications.channels import EmailChannel

    directory, _ = workload(args.units)
    engine = make_engine(args.database)

    async def main() -> Any:
        channel = EmailChannel(host="127.0.0.1", port=args.port, mail_from=MAIL_FROM, starttls=False,
                               concurrency=args.concurrency)
        try:
            return await dispatch_async(engine, directory, {"email": channel, "zalo": None},
                                        datetime.fromisoformat(args.now),
                                        options=Options(concurrency={"email": args.concurrency}, lease=LEASE))
        finally:
            await channel.aclose()

    print(json.dumps(asyncio.run(main()).as_dict()), flush=True)


def start_child(args: argparse.Namespace, port: int, database: str, now: datetime) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child", "--port", str(port), "--database", database, "--now", now.isoformat(),
         "--units", str(args.units), "--concurrency", str(args.concurrency)],
        stdout=subprocess.DEVNULL, cwd=ROOT)


def per_unit(notes: list[Any], k: int) -> list[Any]:
    """``k`` notifications per unit, due together (distinct steps): each unit gets a digest."""
    if k == 1:
        return notes
    return [n._replace(key=n.key.replace("/-3/", f"/-3.{j}/")) for n in notes for j in range(k)]


def keys_of(lines: list[dict[str, Any]], keys: list[str]) -> list[str]:
    """The notification key of each received message."""
    if all(line["key"] for line in lines):
        return [line["key"] for line in lines]
    from notifications.mime import message_id, parse_address  # builds whose Message-ID derives from the key

    by_id = {message_id(k, parse_address(MAIL_FROM)): k for k in keys}
    return [line["key"] or by_id.get(line["id"], line["id"]) for line in lines]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=1, help="notifications per unit, sent as one digest")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite in a temporary folder)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--now", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from sqlalchemy import func, select

    from kehoach.store.db import make_engine, session
    from kehoach.store.outbox import upsert_by_key
    from kehoach.store.tables import Outbox, Status

    rng = random.Random(args.seed)
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        database = args.database or f"sqlite:///{tmp / 'crash.db'}"
        engine = make_engine(database)
        notes = per_unit(workload(args.units)[1], args.per_unit)
        with session(engine) as s:
            upsert_by_key(s, notes, BASE, 2026)
        keys = [n.key for n in notes]
        log, port, ready, gate = tmp / "sink.jsonl", free_port(), mp.Event(), mp.Value("q", OPEN)
        log.touch()
        sink = mp.Process(target=_sink, args=(port, str(log), ready, gate), daemon=True)
        sink.start()
        ready.wait(30)
        boundaries = [0]  # sink line count at the end of each round
        mid_send = 0
        try:
            for i in range(args.kills + 1):
                now = BASE + i * (LEASE + timedelta(minutes=1))
                before = len(received(log))
                proc = start_child(args, port, database, now)
                if i < args.kills:
                    remaining = max(1, args.units - before)  # messages: one per unit
                    target = before + rng.randint(1, max(1, remaining // (args.kills - i + 1)))
                    gate.value = target
                    while len(received(log)) < target and proc.poll() is None:
                        time.sleep(0.005)
                    if proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)
                        mid_send += 1
                proc.wait()
                gate.value = OPEN
                time.sleep(0.3)  # let the sink finish any message whose bytes had all arrived
                boundaries.append(len(received(log)))
                print(f"round {i + 1}: {'killed' if i < args.kills else 'ran to the end'} after "
                      f"{boundaries[-1] - boundaries[-2]} messages, {time.monotonic() - began:.1f} s",
                      file=sys.stderr, flush=True)
        finally:
            sink.terminate()
            sink.join()
        got = keys_of(received(log), keys)
        with session(engine) as s:
            stuck = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status != Status.SENT.value))
            carried_by = dict(s.execute(select(Outbox.key, Outbox.message_key)).all())
        engine.dispose()
    counts = Counter(got)
    carried = Counter(carried_by[k] or k for k in keys)  # message key → notifications it carried
    per_round = [set(got[a:b]) for a, b in zip(boundaries, boundaries[1:], strict=False)]
    per_kill = [sum(carried[m] for m in keys_i & set().union(*per_round[i + 1:]))
                for i, keys_i in enumerate(per_round[:-1])]
    result = {
        "units": args.units, "per_unit": args.per_unit, "kills": args.kills, "kills_mid_send": mid_send,
        "concurrency": args.concurrency, "database": "postgresql" if database.startswith("postgresql") else "sqlite",
        "lost": sum(1 for k in keys if (carried_by[k] or k) not in counts),
        "duplicated": sum((n - 1) * carried[m] for m, n in counts.items()),
        "max_duplicates_per_kill": max(per_kill, default=0),
        "stuck_after_lease": stuck,
        "unexpected": sum(1 for k in counts if k not in set(keys)),
        "seconds": round(time.monotonic() - began, 1),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
