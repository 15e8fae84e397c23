"""Roll-up files live in the database: a roll-up made by one worker is seen as made by another,
and its "draft ready" email, dispatched by a worker that never had the files, carries them."""

from __future__ import annotations

import email
import shutil
from datetime import datetime
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ, build_calendar
from kehoach.delivery.dispatcher import dispatch
from kehoach.plans.config import Config
from kehoach.store import documents
from kehoach.store.db import session
from kehoach.submissions.collection import make_rollup, rollup_made
from kehoach.submissions.periods import resolve_period
from notifications.channels import EmailChannel
from tests import reporting_world as world
from tests.servers.smtp import SMTPServer

NOW = datetime(2026, 12, 9, 16, 30, tzinfo=VN_TZ)

CAL = build_calendar([2026])  # the public holidays: these worlds declare no calendar.yaml


def test_a_rollup_made_on_one_worker_is_made_and_attached_on_another(
    engine: Engine, tmp_path: Path, smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan, directory = world.plan(), world.directory()
    period = resolve_period(plan, "nam-2026")
    worker_a, worker_b = tmp_path / "may-a", tmp_path / "may-b"
    # Given the roll-up made on worker A, with its draft queued for the office
    with session(engine) as s:
        _, paths, queued = make_rollup(s, plan, directory, period, worker_a, NOW, CAL)
        s.commit()
    assert queued >= 1 and paths["docx"].exists()
    docx = paths["docx"].read_bytes()
    # When worker B looks, with its own (empty) data folder, after A's folder is gone
    shutil.rmtree(worker_a)
    monkeypatch.setattr(documents, "CACHE", tmp_path / "cache-b")
    with session(engine) as s:
        # Then B sees the roll-up as made, so it does not make it again
        assert rollup_made(s, worker_b, plan.id, period.id)
        assert not rollup_made(s, worker_b, plan.id, "6-thang-2026")
    # And B's dispatch sends the draft with its DOCX attached, not a FileNotFoundError
    channel = EmailChannel(host=smtp_server.hostname, port=smtp_server.port, mail_from="vp@so.example",
                           starttls=False)
    summary = dispatch(engine, Config(directory, {plan.id: plan}), {"email": channel, "zalo": None},
                       NOW.replace(hour=16, minute=45), calendar=build_calendar([2026], {}, {}))
    assert summary.failed == 0 and summary.sent >= 1, summary.as_dict()
    attached = [part.get_content() for m in smtp_server.recorder.messages
                for part in email.message_from_bytes(m.content, policy=policy.default).iter_attachments()
                if str(part.get_filename()).endswith(".docx")]
    assert attached and attached[0] == docx
