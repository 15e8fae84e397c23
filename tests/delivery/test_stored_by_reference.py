"""Rows of a plan's expansion store a reference and are rendered from the plan when sent.

The message must be the one a row carrying its whole context (as the previous version wrote
it) gives, byte for byte apart from what each send makes anew (Message-ID, Date, MIME
boundaries); such old rows must still send; and a row whose plan left the config is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kehoach.delivery.cancellation import cancellation
from kehoach.delivery.preparation import PLAN_GONE
from kehoach.expansion.expand import expand
from kehoach.notification import Kind, Notification
from kehoach.plans.config import Config
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import enqueue
from kehoach.store.tables import Outbox, Status
from tests.delivery.test_messages import YK, at, dispatch, one_per_kind, received, seed
from tests.servers.smtp import SMTPServer

VOLATILE = {"message-id", "date"}


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    old, new = (make_engine(f"sqlite:///{tmp_path / name}") for name in ("old.db", "new.db"))
    yield old, new
    old.dispose()
    new.dispose()


def as_sent(msg: EmailMessage) -> list[Any]:
    """What a unit receives, without what every send makes anew."""
    headers = sorted((k.lower(), str(v)) for k, v in msg.items() if k.lower() not in VOLATILE
                     and not (k.lower() == "content-type" and "boundary" in str(v)))
    parts = [(p.get_content_type(), p.get_filename(), p.get_payload(decode=True)) for p in msg.walk()
             if not p.is_multipart()]
    return [headers, parts]


def by_key(server: SMTPServer) -> dict[str, list[Any]]:
    return {str(m["X-Kehoach-Key"]): as_sent(m) for m in received(server)}


def whole(notes: list[Notification]) -> list[Notification]:
    """The rows as the previous version stored them: each with its whole context."""
    return [n._replace(ref=None) for n in notes]


def stored_bytes(engine: Engine) -> dict[str, int]:
    with session(engine) as s:
        return {r.key: len(json.dumps(r.context, ensure_ascii=False).encode()) for r in s.scalars(select(Outbox))}


async def test_every_kind_sends_the_same_message_from_a_reference_as_from_its_whole_context(
        engines: tuple[Engine, Engine], config: Config, smtp_server: SMTPServer, tmp_path: Path) -> None:
    # Given one notification of every kind due now, stored as the previous version did and by reference
    old, new = engines
    now = at(date(2026, 6, 1))
    notes = one_per_kind(config, tmp_path, now)
    seed(old, whole(notes), now)
    seed(new, notes, now)
    # When each outbox is dispatched
    await dispatch(old, config, smtp_server, now, digest_channels=frozenset())
    before = by_key(smtp_server)
    smtp_server.recorder.messages.clear()
    await dispatch(new, config, smtp_server, now, digest_channels=frozenset())
    after = by_key(smtp_server)
    # Then every kind's message is the same, and the expansion's rows store a fraction of the bytes
    assert len(before) == len(notes) and set(after) == set(before)
    for key in before:
        assert after[key] == before[key], key
    planned = [n.key for n in notes if n.ref is not None]
    assert len(planned) >= 10
    was, now_stored = stored_bytes(old), stored_bytes(new)
    assert sum(now_stored[k] for k in planned) * 2 < sum(was[k] for k in planned)


async def test_a_digest_and_a_calendar_cancellation_render_the_same_from_references(
        engines: tuple[Engine, Engine], config: Config, smtp_server: SMTPServer) -> None:
    # Given Công an xã's notifications of one day, sent together as a digest, and its calendar
    # event of a sent reminder being cancelled by sync (the row sync writes from the sent one)
    old, new = engines
    notes = [n for n in expand(config.plans[YK], 2026, config.directory, config.calendar([2026]))
             if n.unit == "xa-yk-cong-an" and n.channel == "email"]
    day = notes[0].send_at
    today = [n for n in notes if n.send_at == day]
    reminder = next(n for n in notes if n.kind is Kind.REPORT_REMINDER and n.send_at > day)
    assert len(today) > 1
    for engine, rows in ((old, whole([*today, reminder])), (new, [*today, reminder])):
        seed(engine, rows, day)
        with session(engine) as s:
            sent = s.scalars(select(Outbox).where(Outbox.key == reminder.key)).one()
            sent.status = Status.SENT.value
            s.add(sent)
            s.commit()
            enqueue(s, [cancellation(sent, day)])
    # When both outboxes are dispatched on that day
    await dispatch(old, config, smtp_server, day + timedelta(minutes=5))
    before = by_key(smtp_server)
    smtp_server.recorder.messages.clear()
    await dispatch(new, config, smtp_server, day + timedelta(minutes=5))
    after = by_key(smtp_server)
    # Then the digest and the cancellation are the same messages
    assert len(before) == 2 and after == before
    assert any("calendar_cancel" in k for k in after)


async def test_a_row_of_a_plan_gone_from_the_config_is_skipped_and_an_old_row_still_sends(
        engines: tuple[Engine, Engine], config: Config, smtp_server: SMTPServer) -> None:
    # Given a reminder of a plan since removed from the config, stored by reference, and one
    # stored by the previous version with its whole context
    old, new = engines
    (due,) = [n for n in expand(config.plans[YK], 2026, config.directory, config.calendar([2026]))
              if n.unit == "xa-yk-cong-an" and n.kind is Kind.REPORT_DUE and n.channel == "email"]
    gone = replace(config, plans={k: p for k, p in config.plans.items() if k != YK})
    seed(new, [due], due.send_at)
    seed(old, whole([due]), due.send_at)
    # When the dispatcher runs with that config
    skipped = await dispatch(new, gone, smtp_server, due.send_at + timedelta(minutes=5))
    sent = await dispatch(old, gone, smtp_server, due.send_at + timedelta(minutes=5))
    # Then the reference cannot be rendered: skipped with the reason; the old row is sent
    assert skipped.sent == 0 and sent.sent == 1
    with session(new) as s:
        row = s.scalars(select(Outbox)).one()
    assert (row.status, row.last_error) == (Status.SKIPPED.value, PLAN_GONE)


async def test_a_units_extended_deadline_renders_from_its_reference_as_from_its_whole_context(
        engines: tuple[Engine, Engine], config: Config, smtp_server: SMTPServer) -> None:
    # Given Công an xã granted a week more for the annual report: its due-day reminder moved
    old, new = engines
    (due,) = [n for n in expand(config.plans[YK], 2026, config.directory, config.calendar([2026]))
              if n.unit == "xa-yk-cong-an" and n.kind is Kind.REPORT_DUE and n.channel == "email"]
    until = due.deadline + timedelta(days=7)  # type: ignore[operator]
    (moved,) = [n for n in expand(config.plans[YK], 2026, config.directory, config.calendar([2026]),
                                  {(due.period or "", due.unit): until}) if n.key == due.key]
    assert moved.deadline != due.deadline and moved.ref is not None and "until" in moved.ref
    seed(old, whole([moved]), moved.send_at)
    seed(new, [moved], moved.send_at)
    # When both are dispatched on the new day
    await dispatch(old, config, smtp_server, moved.send_at + timedelta(minutes=5))
    before = by_key(smtp_server)
    smtp_server.recorder.messages.clear()
    await dispatch(new, config, smtp_server, moved.send_at + timedelta(minutes=5))
    # Then the reference gives the same message, with the unit's own deadline
    assert len(before) == 1 and by_key(smtp_server) == before
    assert until.strftime("%d/%m/%Y") in str(received(smtp_server)[0]["Subject"])
