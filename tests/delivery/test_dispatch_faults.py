"""What the dispatcher does when the database, the relay or the server's settings fail.

Real parts only: an SQLite file locked by another connection, a private PostgreSQL server
stopped and started again, the local SMTP server answering slowly or refusing the sender.
Whatever happens, the run ends within a bounded time, nothing is lost, and the next dispatch
sends the rest; a notification is repeated only if it was in flight at the fault.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kehoach.delivery.dispatcher import STOP_GRACE, DispatchAborted, DispatchSummary, Options, stop
from kehoach.notification import Kind
from kehoach.store.db import make_engine
from notifications.channels.email import EmailChannel
from notifications.message import Delivery, OutgoingMessage
from tests.delivery.test_dispatcher import NOW, email_channel, received_keys, run, seed, statuses
from tests.delivery_factories import directory, notification
from tests.disks import tmpfs
from tests.servers.postgres import PrivatePostgres
from tests.servers.smtp import SMTPServer

UNITS = 40
CONCURRENCY = 4
OPTIONS = dict(concurrency={"email": CONCURRENCY}, db_patience=1.0)


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def assert_all_sent_once_but_in_flight(engine: Engine, server: SMTPServer, keys: list[str]) -> None:
    """Every notification arrived; the only repeats are the few in flight at the fault."""
    counts = Counter(received_keys(server))
    assert {s for s, _ in statuses(engine).values()} == {"sent"}
    assert len(counts) == len(keys)
    assert sum(n - 1 for n in counts.values()) <= CONCURRENCY


def forty_due(engine: Engine, smtp: SMTPServer) -> list[str]:
    """40 due reminders to 40 units, and a relay slow enough (50 ms a message) for a fault to fall mid-run."""
    items = [notification(f"don-vi-{i}") for i in range(UNITS)]
    seed(engine, *items)
    smtp.recorder.delay = 0.05
    return [n.key for n in items]


async def test_sqlite_locked_by_another_writer_ends_the_run_and_the_next_sends_the_rest(
    tmp_path: Path, smtp_server: SMTPServer,
) -> None:
    # Given 40 due reminders, a slowish relay, and SQLite waiting at most 0.5 s for a lock
    db = tmp_path / "kehoach.db"
    engine = make_engine(f"sqlite:///{db}", busy_timeout=0.5)
    keys = forty_due(engine, smtp_server)
    held = threading.Event()

    def lock_after_five() -> None:  # another writer takes the database and keeps it for 6 s
        wait_for(lambda: len(smtp_server.recorder.messages) >= 5)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(6)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=lock_after_five)
    holder.start()
    # When the dispatcher runs into the lock
    began = time.monotonic()
    with pytest.raises(DispatchAborted) as caught:
        await dispatch(engine, smtp_server)
    elapsed = time.monotonic() - began
    # Then it ends within a bounded time (patience + lock wait, far below the lock's 6 s), says why,
    assert held.is_set() and elapsed < 5
    assert "Cơ sở dữ liệu" in str(caught.value) and "locked" in str(caught.value)
    assert 0 < len(smtp_server.recorder.messages) < UNITS
    holder.join()
    # and the next dispatch, once the lease has lapsed, sends the rest
    later = await dispatch(engine, smtp_server, now=NOW + timedelta(minutes=11))
    assert later.aborted is None and later.exit_code == 0
    assert_all_sent_once_but_in_flight(engine, smtp_server, keys)


@pytest.fixture
def pg_engine(private_pg: PrivatePostgres) -> Iterator[Engine]:
    engine = make_engine(private_pg.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS outbox, delivery_attempt, zalo_token CASCADE")
    engine.dispose()
    engine = make_engine(private_pg.url)
    yield engine
    engine.dispose()


@contextmanager
def down_mid_run(server: PrivatePostgres, smtp: SMTPServer, seconds: float) -> Iterator[None]:
    """PostgreSQL stops once five messages are out, and starts again ``seconds`` later."""
    def go() -> None:
        wait_for(lambda: len(smtp.recorder.messages) >= 5)
        server.stop()
        time.sleep(seconds)
        server.start()

    thread = threading.Thread(target=go)
    thread.start()
    try:
        yield
    finally:
        thread.join()


async def dispatch(engine: Engine, smtp: SMTPServer, **kwargs: object) -> DispatchSummary:
    """The 40 units' dispatch through the local relay, with a 1-second patience unless told."""
    kwargs.setdefault("options", Options(**OPTIONS))  # type: ignore[arg-type]
    return await run(engine, {"email": email_channel(smtp), "zalo": None}, dirx=directory(UNITS), **kwargs)


@pytest.mark.postgres
async def test_postgresql_restart_shorter_than_the_patience_loses_and_repeats_nothing(
    private_pg: PrivatePostgres, pg_engine: Engine, smtp_server: SMTPServer,
) -> None:
    # Given 40 due reminders on PostgreSQL and a relay slow enough for the restart to fall mid-run
    forty_due(pg_engine, smtp_server)
    # When PostgreSQL goes down for 3 s mid-run (the dispatcher waits up to 15 s for it)
    with down_mid_run(private_pg, smtp_server, seconds=3):
        summary = await dispatch(pg_engine, smtp_server,
                                 options=Options(concurrency={"email": CONCURRENCY}, db_patience=15))
    # Then the run waited and finished: every reminder went out exactly once
    assert summary.sent == UNITS and summary.aborted is None
    assert sorted(received_keys(smtp_server)) == sorted(set(received_keys(smtp_server)))
    assert {s for s, _ in statuses(pg_engine).values()} == {"sent"}


@pytest.mark.postgres
async def test_postgresql_down_longer_than_the_patience_ends_the_run_and_the_next_sends_the_rest(
    private_pg: PrivatePostgres, pg_engine: Engine, smtp_server: SMTPServer,
) -> None:
    keys = forty_due(pg_engine, smtp_server)
    # When PostgreSQL stays down for 6 s and the dispatcher's patience is 1 s
    with down_mid_run(private_pg, smtp_server, seconds=6):
        began = time.monotonic()
        with pytest.raises(DispatchAborted) as caught:
            await dispatch(pg_engine, smtp_server)
        # Then the run ends on its own within a bounded time, with the reason
        assert time.monotonic() - began < 5 and "Cơ sở dữ liệu" in str(caught.value)
        assert caught.value.summary.exit_code in (1, 2)
    # And once PostgreSQL is back and the lease has lapsed, the next dispatch sends the rest
    later = await dispatch(pg_engine, smtp_server, now=NOW + timedelta(minutes=11))
    assert later.aborted is None
    assert_all_sent_once_but_in_flight(pg_engine, smtp_server, keys)


async def test_a_slow_relay_keeps_the_lease_so_an_overlapping_dispatch_sends_no_duplicate(
    engine: Engine, smtp_server: SMTPServer,
) -> None:
    # Given 24 due reminders, a 2-second lease and a relay that takes 0.3 s per message (about 4 s in all)
    n = 24
    items = [notification(f"don-vi-{i}") for i in range(n)]
    seed(engine, *items)
    smtp_server.recorder.delay = 0.3
    opts = Options(concurrency={"email": 2}, lease=timedelta(seconds=2))
    began = time.monotonic()

    async def overlapping() -> object:  # a second dispatch 3 s later, when the first lease would have lapsed
        await asyncio.sleep(3)
        return await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(n),
                         now=NOW + timedelta(seconds=time.monotonic() - began), options=opts)

    # When both run
    first, second = await asyncio.gather(
        run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(n), options=opts),
        overlapping())
    # Then the first kept its rows (renewed lease) and nothing arrived twice
    assert time.monotonic() - began > 3
    assert first.sent == n and second.claimed == 0  # type: ignore[attr-defined]
    assert len(received_keys(smtp_server)) == len(set(received_keys(smtp_server))) == n


async def test_530_at_mail_from_rests_the_channel_and_leaves_every_row_pending_with_the_reason(
    engine: Engine, smtp_server: SMTPServer,
) -> None:
    # Given 30 due reminders and a relay that wants a login before MAIL FROM
    items = [notification(f"don-vi-{i}") for i in range(30)]
    seed(engine, *items)
    smtp_server.recorder.mail_reply = "530 5.7.0 Authentication required"
    down = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(30))
    # Then no row failed: all wait, with the server's words, and the channel rested after the first refusals
    st = statuses(engine)
    assert {s for s, _ in st.values()} == {"pending"} and all("530" in (e or "") for _, e in st.values())
    assert "530" in down.channels_down["email"] and down.failed == 0 and down.exit_code == 2
    assert smtp_server.recorder.connections <= 10
    # When the settings are fixed, the next dispatch sends them all
    smtp_server.recorder.mail_reply = None
    up = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(30))
    assert up.sent == 30 and up.exit_code == 0


async def test_554_at_data_fails_only_that_message(engine: Engine, smtp_server: SMTPServer) -> None:
    items = [notification(f"don-vi-{i}") for i in range(5)]
    seed(engine, *items)
    smtp_server.recorder.fail_next("554 5.6.0 Nội dung bị từ chối")
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(5),
                        options=Options(concurrency={"email": 1}))
    assert (summary.sent, summary.failed, summary.exit_code) == (4, 1, 1)
    assert not summary.channels_down


async def test_digests_form_across_claim_batches_and_hold_at_most_digest_max(
    engine: Engine, smtp_server: SMTPServer,
) -> None:
    # Given 12 units with 5 reminders each due together, and one unit with 25, claimed 7 rows at a time
    kinds = [(Kind.REPORT_REMINDER, f"-{i}") for i in range(5)]
    items = [notification(f"don-vi-{u}", kind=k, step=s) for u in range(12) for k, s in kinds]
    items += [notification("don-vi-12", kind=Kind.TASK_REMINDER, step=f"-{i}", ref=f"t{i}") for i in range(25)]
    seed(engine, *items)
    summary = await run(engine, {"email": email_channel(smtp_server), "zalo": None}, dirx=directory(13),
                        options=Options(batch_size=7))
    # Then each unit got one digest (the big one two: 20 + 5), whatever the batch size
    assert summary.sent == 85 and summary.messages == 12 + 2 == len(smtp_server.recorder.messages)


async def test_a_run_stopped_mid_send_gives_its_rows_back_at_once(engine: Engine, smtp_server: SMTPServer) -> None:
    # Given a dispatch of 40 reminders through a slowish relay
    keys = forty_due(engine, smtp_server)
    task = asyncio.create_task(dispatch(engine, smtp_server))
    # When it is stopped after a few messages (as Ctrl-C or SIGTERM stops it)
    while len(smtp_server.recorder.messages) < 5 and not task.done():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Then no row stays claimed: the unsent ones are pending again at once, with the reason
    st = statuses(engine)
    assert "sending" not in {s for s, _ in st.values()}
    assert any(s == "pending" and "dừng" in (e or "") for s, e in st.values())
    # And a dispatch at the same moment, without waiting for a lease, sends the rest
    again = await dispatch(engine, smtp_server)
    assert again.exit_code == 0
    assert_all_sent_once_but_in_flight(engine, smtp_server, keys)


class DropsOneCancellation:
    """The email channel as aiosmtplib is on Python 3.11 when a stop meets a reply just arrived.

    ``asyncio.wait_for`` then returns the reply and drops the cancellation (python/cpython#86296):
    the send ends as if nothing had happened. Here it happens to the first send that is stopped.
    """

    name = "email"

    def __init__(self, channel: EmailChannel) -> None:
        self.channel, self.dropped = channel, 0
        self.sending = asyncio.Event()

    async def send(self, msg: OutgoingMessage) -> Delivery:
        sending = asyncio.ensure_future(self.channel.send(msg))
        self.sending.set()
        try:
            return await asyncio.shield(sending)
        except asyncio.CancelledError:
            if self.dropped:
                raise
            self.dropped += 1
            return await sending

    async def aclose(self) -> None:
        await self.channel.aclose()


async def test_a_stopped_run_ends_even_when_a_sender_misses_the_stop(engine: Engine, smtp_server: SMTPServer) -> None:
    # Given a dispatch of 40 reminders through a slowish relay, by a client that can miss a stop
    keys = forty_due(engine, smtp_server)
    channel = DropsOneCancellation(email_channel(smtp_server))
    task = asyncio.create_task(run(engine, {"email": channel, "zalo": None}, dirx=directory(UNITS),
                                   options=Options(**OPTIONS)))  # type: ignore[arg-type]
    # When it is stopped after a few messages, while a message is on its way, and that sender
    # carries on as if not stopped (the stop must meet a send: between sends there is none to drop)
    while len(smtp_server.recorder.messages) < 5 and not task.done():
        await asyncio.sleep(0.01)
    channel.sending.clear()
    await asyncio.wait_for(channel.sending.wait(), timeout=20)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=STOP_GRACE + 5)
    # Then the run still ends, well within its grace, and no row stays claimed
    assert task in done and task.cancelled() and channel.dropped == 1
    st = statuses(engine)
    assert "sending" not in {s for s, _ in st.values()}
    # And the next dispatch sends the rest, repeating none but those in flight
    again = await dispatch(engine, smtp_server)
    assert again.exit_code == 0
    assert_all_sent_once_but_in_flight(engine, smtp_server, keys)


async def test_a_task_that_will_not_stop_is_left_behind_after_the_grace_and_said_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a task that drops every cancellation until released
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                pass

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    # When a stopping run waits for it with a one-second grace
    began = time.monotonic()
    with caplog.at_level("WARNING"):
        await stop([task], grace=1.0)
    # Then the stop returns after the grace, not never, and the log says what was left behind
    assert 1.0 <= time.monotonic() - began < 3 and not task.done()
    assert "1 tác vụ chưa kết thúc" in caplog.text and "stubborn" in caplog.text
    released.set()
    await task


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs for the database: a filler file fills it when the test says so."""
    with tmpfs(tmp_path / "disk", "4m") as folder:
        yield folder


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; return it, so that deleting it frees the space."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:  # unbuffered: closing it has nothing left to flush into a full disk
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


async def test_a_full_disk_ends_the_run_and_the_next_sends_the_rest_once_space_is_freed(
    small_disk: Path, smtp_server: SMTPServer,
) -> None:
    # Given 40 due reminders in an SQLite database on a small disk, and a slowish relay
    engine = make_engine(f"sqlite:///{small_disk / 'kehoach.db'}")
    keys = forty_due(engine, smtp_server)
    fillers: list[Path] = []
    filler = threading.Thread(target=lambda: (wait_for(lambda: len(smtp_server.recorder.messages) >= 5),
                                              fillers.append(fill(small_disk))))
    filler.start()
    # When the disk fills once five messages are out
    began = time.monotonic()
    with pytest.raises(DispatchAborted) as caught:
        await dispatch(engine, smtp_server)
    filler.join()
    # Then the run ends within a bounded time and says why
    assert time.monotonic() - began < 10
    assert "Cơ sở dữ liệu" in str(caught.value) and "full" in str(caught.value)
    assert 0 < len(smtp_server.recorder.messages) < UNITS
    # and once the space is freed, the next dispatch sends the rest
    fillers[0].unlink()
    later = await dispatch(engine, smtp_server, now=NOW + timedelta(minutes=11))
    assert later.aborted is None and later.exit_code == 0
    assert_all_sent_once_but_in_flight(engine, smtp_server, keys)
    engine.dispose()
