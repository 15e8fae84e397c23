"""What happened, read back from the outbox and its attempt log, for artifacts and summaries.

The dispatcher records every attempt with the run's ``now`` (``DeliveryAttempt.at``), so
"what did the 08:00 dispatch do" and "what went out in March" are queries, not bookkeeping
kept on the side. Counts are grouped: a run of 10,000 messages yields a table of a few rows.
A notification that could not be delivered (refused address, Zalo error, no contact) shows
on the office's board per unit with the reason (``failed_deliveries``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from kehoach.calendar import VN_TZ
from kehoach.notification import KIND_LABELS, Kind
from kehoach.store.tables import DeliveryAttempt, Outbox, Status

OUTCOME_LABELS = {
    Status.SENT.value: "đã gửi", Status.SKIPPED.value: "bỏ qua", Status.FAILED.value: "lỗi",
    Status.PENDING.value: "chờ gửi lại", Status.SENDING.value: "đang gửi",
}


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS[Kind(kind)]
    except ValueError:
        return kind


def attempts_at(session: Session, at: datetime) -> list[dict[str, Any]]:
    """One row per (plan, kind, channel, outcome, reason) of the dispatch run at ``at``."""
    q = (
        select(DeliveryAttempt.plan, Outbox.kind, DeliveryAttempt.channel, DeliveryAttempt.outcome,
               DeliveryAttempt.error)
        .join(Outbox, Outbox.key == DeliveryAttempt.outbox_key)  # type: ignore[arg-type]
        .where(DeliveryAttempt.at == at)
    )
    counts: Counter[tuple[str, str, str, str, str]] = Counter(
        (p, k, c, o, e or "") for p, k, c, o, e in session.exec(q)  # type: ignore[call-overload]
    )
    return [
        {"Kế hoạch": p, "Loại": kind_label(k), "Kênh": c, "Kết quả": OUTCOME_LABELS.get(o, o),
         "Lý do": e, "Số lượng": n}
        for (p, k, c, o, e), n in sorted(counts.items())
    ]


def kind_status(session: Session, plan_id: str, kinds: Iterable[Kind], year: int | None = None,
                ) -> list[dict[str, Any]]:
    """Per event (kind, day) of a plan: how many sent, skipped, failed, still pending."""
    wanted = [k.value for k in kinds]
    q = select(Outbox).where(Outbox.plan == plan_id, Outbox.kind.in_(wanted))  # type: ignore[attr-defined]
    by_event: dict[tuple[date, str, str], Counter[str]] = {}
    for row in session.exec(q):
        day = row.send_at.astimezone(VN_TZ).date()
        if year is not None and day.year != year:
            continue
        ref = row.key.split("/")[2] if row.key.count("/") >= 2 else ""
        by_event.setdefault((day, row.kind, ref), Counter())[row.status] += 1
    return [
        {"Ngày": f"{day:%d/%m/%Y}", "Loại": kind_label(kind), "Nội dung": ref,
         **{OUTCOME_LABELS[s]: c.get(s, 0) for s in ("sent", "skipped", "failed", "pending")}}
        for (day, kind, ref), c in sorted(by_event.items())
    ]


@dataclass
class MonthCounts:
    month: str  # "2026-03"
    by_kind: Counter[str]  # sent notifications per kind
    skipped: int = 0
    failed: int = 0

    @property
    def sent(self) -> int:
        return sum(self.by_kind.values())


def monthly(session: Session, start: datetime, end: datetime, plan_id: str | None = None) -> list[MonthCounts]:
    """Final outcomes recorded between ``start`` and ``end``, month by month (Asia/Ho_Chi_Minh).

    The database counts them per run (the attempts of one run share its ``now``), so a
    simulated year's 2.6 million attempts come back as a few thousand rows, not one each.
    """
    q = (
        select(DeliveryAttempt.at, DeliveryAttempt.outcome, Outbox.kind, func.count())
        .join(Outbox, Outbox.key == DeliveryAttempt.outbox_key)  # type: ignore[arg-type]
        .where(DeliveryAttempt.at >= start, DeliveryAttempt.at < end)
        .group_by(DeliveryAttempt.at, DeliveryAttempt.outcome, Outbox.kind)
    )
    if plan_id:
        q = q.where(DeliveryAttempt.plan == plan_id)
    months: dict[str, MonthCounts] = {}
    for at, outcome, kind, n in session.exec(q):  # type: ignore[call-overload]
        key = at.astimezone(VN_TZ).strftime("%Y-%m")
        m = months.setdefault(key, MonthCounts(key, Counter()))
        if outcome == Status.SENT.value:
            m.by_kind[kind] += n
        elif outcome == Status.SKIPPED.value:
            m.skipped += n
        elif outcome == Status.FAILED.value:
            m.failed += n
    return [months[k] for k in sorted(months)]


def sent_between(session: Session, start: datetime, end: datetime, plan_id: str | None = None,
                 ) -> list[tuple[datetime, Outbox]]:
    """(when, row) of every notification sent in the window: who received what and when."""
    q = (
        select(DeliveryAttempt.at, Outbox)
        .join(Outbox, Outbox.key == DeliveryAttempt.outbox_key)  # type: ignore[arg-type]
        .where(DeliveryAttempt.at >= start, DeliveryAttempt.at < end,
               DeliveryAttempt.outcome == Status.SENT.value)
        .order_by(DeliveryAttempt.at, Outbox.key)  # type: ignore[arg-type]
    )
    if plan_id:
        q = q.where(DeliveryAttempt.plan == plan_id)
    return [(at, row) for at, row in session.exec(q)]  # type: ignore[call-overload]


@dataclass(frozen=True)
class DeliveryFailure:
    """One notification of a plan that could not reach its unit, and why."""

    unit: str
    channel: str
    kind: str
    period: str | None
    at: datetime  # when it was given up on
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "channel": self.channel, "kind": self.kind, "kind_label": kind_label(self.kind),
                "period": self.period, "at": self.at.isoformat(), "reason": self.reason}


def failed_deliveries(session: Session, plan_id: str) -> dict[str, list[DeliveryFailure]]:
    """Per unit, the plan's notifications that failed for good, oldest first."""
    q = (select(Outbox).where(Outbox.plan == plan_id, Outbox.status == Status.FAILED.value)
         .order_by(Outbox.unit, Outbox.updated_at, Outbox.key))  # type: ignore[arg-type]
    found: dict[str, list[DeliveryFailure]] = {}
    for row in session.exec(q):
        found.setdefault(row.unit, []).append(DeliveryFailure(
            row.unit, row.channel, row.kind, row.period, row.updated_at or row.send_at, row.last_error or "không rõ lý do"))
    return found
