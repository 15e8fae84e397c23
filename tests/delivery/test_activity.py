"""What happened, read back from the attempt log: the simulation's month-by-month table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.delivery.activity import monthly
from kehoach.notification import Kind
from kehoach.store.db import session
from kehoach.store.outbox import upsert_by_key
from kehoach.store.tables import DeliveryAttempt
from tests.delivery_factories import PLAN, at, notification

LATE_JANUARY = datetime(2026, 1, 31, 23, 30, tzinfo=VN_TZ)
EARLY_FEBRUARY = datetime(2026, 2, 1, 6, 0, tzinfo=VN_TZ)  # still 31/01 in UTC


def test_outcomes_are_counted_per_month_of_vietnam_and_per_kind(engine: Engine) -> None:
    # Given six notifications and their attempts, two runs' worth on each side of the month's end in Vietnam
    rows = [notification(f"phong-{n}") for n in range(4)] + [
        notification("phong-1", kind=Kind.ESCALATION, step="+1"), notification("phong-2", channel="zalo")]
    attempts = [(rows[0], LATE_JANUARY, "sent"), (rows[1], LATE_JANUARY, "sent"),
                (rows[2], LATE_JANUARY, "pending"), (rows[2], EARLY_FEBRUARY, "sent"),
                (rows[4], EARLY_FEBRUARY, "failed"), (rows[5], EARLY_FEBRUARY, "skipped"),
                (rows[3], at(date(2026, 3, 2)), "sent")]
    with session(engine) as s:
        upsert_by_key(s, rows, at(date(2026, 1, 2)), 2026)
        s.add_all([DeliveryAttempt(outbox_key=n.key, plan=PLAN, channel=n.channel, at=when, outcome=outcome)
                   for n, when, outcome in attempts])
        s.commit()
        # When January and February are read back
        months = monthly(s, datetime(2026, 1, 1, tzinfo=VN_TZ), datetime(2026, 3, 1, tzinfo=VN_TZ))
    # Then each attempt counts in its month in Vietnam, by kind, and a retry left pending counts nowhere
    assert [(m.month, dict(m.by_kind), m.sent, m.skipped, m.failed) for m in months] == [
        ("2026-01", {Kind.REPORT_REMINDER.value: 2}, 2, 0, 0),
        ("2026-02", {Kind.REPORT_REMINDER.value: 1}, 1, 1, 1),
    ]
