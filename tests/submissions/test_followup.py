"""The office's follow-up actions (``submissions.followup``) on the seed plans, dispatched to the
local SMTP server: exemption stops a unit's chasing and cancels its calendar event, its undo
brings them back, a reminder sent now goes at the next dispatch marked with who asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.expansion.expand import expand
from kehoach.expansion.sync import sync_notifications
from kehoach.notification import Kind
from kehoach.plans.config import Config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import make_engine, session
from kehoach.store.tables import Outbox, Source, Status
from kehoach.submissions import followup
from kehoach.submissions.followup_log import Action, actions_of
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.progress import weekly_completeness
from kehoach.submissions.record import record_submission
from kehoach.submissions.tracking import status_of, submitted_units
from tests.delivery.test_messages import YK, at, calendar_of, dispatch, received, text, the_cancellation
from tests.servers.smtp import SMTPServer

UNIT, OTHER = "xa-yk-cong-an", "xa-yk-tram-y-te"
ANNUAL = "bc-nam-2026"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    from kehoach.plans.config import load_config
    return load_config(Settings(config_dir=REPO_ROOT / "config", data_dir=tmp_path_factory.mktemp("data")))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    yield eng
    eng.dispose()


def _synced(engine: Engine, config: Config) -> list:  # type: ignore[type-arg]
    notes = expand(config.plans[YK], 2026, config.directory, config.calendar([2026]))
    with session(engine) as s:
        sync_notifications(s, 2026, [YK], notes, at(date(2026, 1, 2)))
    return notes


def _pending(engine: Engine, unit: str) -> list[Outbox]:
    """The unit's reminders, due-day and overdue notices of the annual report still to send."""
    with session(engine) as s:
        return list(s.exec(select(Outbox).where(Outbox.plan == YK, Outbox.period == ANNUAL, Outbox.unit == unit,
                                                Outbox.status == Status.PENDING.value,
                                                Outbox.kind != Kind.CALENDAR_CANCEL.value)))


async def test_exempting_a_unit_stops_its_reminders_cancels_its_event_and_the_undo_brings_them_back(
        engine: Engine, config: Config, smtp_server: SMTPServer) -> None:
    # Given the Yết Kiêu plan synced, and Công an xã sent the first reminder of the annual report
    plan, period = config.plans[YK], resolve_period(config.plans[YK], ANNUAL)
    notes = _synced(engine, config)
    first = next(n for n in notes if n.unit == UNIT and n.period == ANNUAL and n.channel == "email"
                 and n.kind is Kind.REPORT_REMINDER)
    await dispatch(engine, config, smtp_server, first.send_at + timedelta(minutes=5))
    (invite,) = [m for m in received(smtp_server, "congan@yetkieu.example") if ANNUAL in str(m["X-Kehoach-Key"])]
    sent_event = next(iter(calendar_of(invite).walk("VEVENT")))
    smtp_server.recorder.messages.clear()
    left, others = len(_pending(engine, UNIT)), len(_pending(engine, OTHER))
    assert left > 0
    # When the clerk exempts Công an xã from the annual report, with a reason
    later = first.send_at + timedelta(hours=2)
    with session(engine) as s:
        done = followup.exempt(config, s, plan, period, UNIT, "Đơn vị đã báo cáo trực tiếp với Công an huyện",
                               by="vt-yetkieu", now=later)
        st = status_of(s, plan, config.directory, period, config.calendar([2026]))
        owed_nothing = submitted_units(s, YK, ANNUAL)
    # Then its pending reminders stop, nobody else's, and one cancellation is queued
    assert (done.skipped, done.cancelled) == (left, 1)
    assert _pending(engine, UNIT) == [] and len(_pending(engine, OTHER)) == others
    # and it is neither expected nor missing: completeness counts without it
    assert UNIT in {u.id for u in st.exempt} and UNIT not in {u.id for u in st.expected + st.missing}
    assert UNIT in owed_nothing  # so the dispatcher's escalations do not name it either
    # and it alone receives the cancellation of the same event, one version higher
    await dispatch(engine, config, smtp_server, later + timedelta(minutes=5))
    _, event = the_cancellation(smtp_server, "congan@yetkieu.example", sent_event)
    assert event.decoded("sequence") == sent_event.decoded("sequence") + 1
    # and a later sync of the plan does not bring its reminders back
    _synced(engine, config)
    assert _pending(engine, UNIT) == []
    # When the exemption is undone
    with session(engine) as s:
        restored = followup.unexempt(config, s, plan, period, UNIT, by="vt-yetkieu", now=later + timedelta(hours=1))
        st = status_of(s, plan, config.directory, period, config.calendar([2026]))
        log = actions_of(s, YK, ANNUAL)[UNIT]
    # Then the unit is expected (missing) again, its reminders are back, their event above the cancellation
    assert restored == left and UNIT in {u.id for u in st.missing}
    back = [r for r in _pending(engine, UNIT) if r.channel == "email"]
    assert back and all(r.context["ics_sequence"] == event.decoded("sequence") + 1 for r in back)
    # and the log says who did both, when, and why
    assert [(a.action, a.by, a.detail) for a in log] == [
        (Action.EXEMPT.value, "vt-yetkieu", "Đơn vị đã báo cáo trực tiếp với Công an huyện"),
        (Action.UNEXEMPT.value, "vt-yetkieu", "")]


async def test_a_reminder_sent_now_goes_at_the_next_dispatch_marked_with_who_asked(
        engine: Engine, config: Config, smtp_server: SMTPServer, tmp_path: Path) -> None:
    plan, period = config.plans[YK], resolve_period(config.plans[YK], ANNUAL)
    _synced(engine, config)
    now = at(date(2026, 11, 2))  # weeks before the first reminder of the annual report
    with session(engine) as s:
        queued = followup.remind_now(config, s, plan, period, UNIT, by="vt-yetkieu", now=now)
        rows = list(s.exec(select(Outbox).where(Outbox.source == Source.MANUAL.value)))
    # one per channel the unit has, each marked with who asked
    assert queued == len(rows) == len(config.directory.unit(UNIT).channels)
    assert all(r.context["sent_by"] == "vt-yetkieu" and r.unit == UNIT and r.send_at == now for r in rows)
    await dispatch(engine, config, smtp_server, now + timedelta(minutes=1))
    (msg,) = received(smtp_server)
    assert msg["To"].addresses[0].addr_spec == "congan@yetkieu.example" and "04/12/2026" in text(msg)  # the working day before Saturday 05/12
    # A unit that already reported is not reminded: the office is told why
    with session(engine) as s:
        record_submission(s, tmp_path, plan_id=YK, period=ANNUAL, unit_id=OTHER, values={}, now=now, source="cli")
        with pytest.raises(followup.FollowupRefused, match="đã nộp báo cáo"):
            followup.remind_now(config, s, plan, period, OTHER, by="vt-yetkieu", now=now)
        with pytest.raises(followup.FollowupRefused, match="đã nộp báo cáo"):
            followup.exempt(config, s, plan, period, OTHER, "lý do", by="vt-yetkieu", now=now)
        with pytest.raises(followup.FollowupRefused, match="ghi lý do"):
            followup.exempt(config, s, plan, period, UNIT, "  ", by="vt-yetkieu", now=now)
        with pytest.raises(followup.NotNamed):
            followup.exempt(config, s, plan, period, "stp-dt-tgpl", "lý do", by="vt-yetkieu", now=now)


def test_kehoach_exempt_and_its_undo_show_in_kehoach_status(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                              cwd=REPO_ROOT, env=env, timeout=120)

    where = ("--plan", YK, "--period", ANNUAL)
    out = run("exempt", *where, "--unit", UNIT, "--reason", "Sáp nhập", "--now", "2026-11-20T09:00")
    assert out.returncode == 0, out.stderr
    assert "Đã miễn báo cáo kỳ bc-nam-2026 cho Công an xã Yết Kiêu" in out.stdout
    status = json.loads(run("status", *where, "--format", "json").stdout)
    assert {"id": UNIT, "name": "Công an xã Yết Kiêu"} in status["exempt"]
    assert UNIT not in {u["id"] for u in status["missing"] + status["expected"]}
    again = run("exempt", *where, "--unit", UNIT, "--reason", "Sáp nhập")
    assert again.returncode != 0 and "đang được miễn" in again.stdout + again.stderr
    assert run("exempt", *where, "--unit", UNIT, "--undo").returncode == 0
    status = json.loads(run("status", *where, "--format", "json").stdout)
    assert status["exempt"] == [] and UNIT in {u["id"] for u in status["missing"]}
    assert run("exempt", *where, "--unit", UNIT, "--undo").returncode != 0


def test_completeness_by_week_counts_first_submissions_up_to_each_week_and_today() -> None:
    due = date(2026, 12, 5)
    first = {"a": at(date(2026, 11, 3)), "b": at(date(2026, 11, 30)), "c": at(date(2026, 12, 8)),
             "gone": at(date(2026, 11, 1))}  # not expected (exempt): never counted
    points = weekly_completeness(first, {"a", "b", "c", "d"}, due, today=date(2026, 12, 10), weeks=4)
    assert [(p.day, p.label, p.submitted, p.percent) for p in points] == [
        (date(2026, 11, 14), "còn 3 tuần", 1, 25.0), (date(2026, 11, 21), "còn 2 tuần", 1, 25.0),
        (date(2026, 11, 28), "còn 1 tuần", 1, 25.0), (date(2026, 12, 5), "hạn nộp", 2, 50.0),
        (date(2026, 12, 10), "đến nay", 3, 75.0)]
    # before the deadline, the weeks still to come have no figure yet
    ahead = weekly_completeness(first, {"a", "b", "c", "d"}, due, today=date(2026, 11, 25), weeks=4)
    assert [p.submitted for p in ahead] == [1, 1, None, None]
