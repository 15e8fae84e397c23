"""Extension requests on SQLite and PostgreSQL: asked, refused with a note, asked again and granted
through ``followup.extend``; dates and times come back as stored, one request waits at a time."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config
from kehoach.store.db import session
from kehoach.store.submission_tables import Extension
from kehoach.store.tables import Outbox
from kehoach.submissions import extension_requests as asks
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.timeliness import unit_deadline
from tests import reporting_world as world

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ)
UNIT = "yk-cong-an"


def test_asked_refused_asked_again_and_granted(engine: Engine) -> None:
    plan = world.plan()
    config = Config(world.directory(), {plan.id: plan})
    period = resolve_period(plan, "nam-2026")  # due 05/12/2026
    cal = config.calendar([2026])
    deadline = unit_deadline(period.due, None, cal, plan.reminder_policy.due_on_day_off)
    with session(engine) as s:
        first = asks.request(s, plan.id, period.id, UNIT, "15/12/2026", "Chờ số liệu", deadline=deadline, now=NOW)
        with pytest.raises(asks.RequestNotOffered, match="Đã có một đề nghị gia hạn đang chờ xử lý"):
            asks.request(s, plan.id, period.id, UNIT, "16/12/2026", "Lần nữa", deadline=deadline, now=NOW)
        assert [r.id for r in asks.pending(s, [plan.id], period.id)] == [first.id]
        asks.refuse(config, s, plan, period, UNIT, "Hạn đã đủ dài", by="vt", now=NOW, link=None)
    with session(engine) as s:
        refused = asks.latest(s, plan.id, period.id, UNIT)
        assert refused is not None and (refused.state, refused.note, refused.requested) == (
            "refused", "Hạn đã đủ dài", date(2026, 12, 15))
        assert refused.decided_at == NOW and asks.pending(s, [plan.id]) == []
        second = asks.request(s, plan.id, period.id, UNIT, "2026-12-18", "Cán bộ nghỉ ốm", deadline=deadline,
                              now=NOW.replace(hour=10))
        asks.grant(config, s, plan, period, UNIT, date(2026, 12, 20), by="vt", now=NOW.replace(hour=11), link=None)
    with session(engine) as s:
        granted = asks.latest(s, plan.id, period.id, UNIT)
        assert granted is not None and granted.id == second.id
        assert (granted.state, granted.granted, granted.decided_by) == ("granted", date(2026, 12, 20), "vt")
        assert [e.until for e in s.exec(select(Extension))] == [date(2026, 12, 20)]
        mails = s.exec(select(Outbox).where(Outbox.kind == "extension_decision").order_by(Outbox.id)).all()
        assert [(m.context["decision"], m.context["deadline"]) for m in mails] == [
            ("refused", "2026-12-05"), ("granted", "2026-12-20")]
