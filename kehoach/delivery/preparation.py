"""Before sending: decide each claimed row's fate and render what goes out.

A row is skipped (too late, unit already submitted, channel not configured), failed (no
such unit, no address) or bundled with the unit's other rows of the day into a message.
Each kept row's context gains what the unit needs to act (``briefing``: role, duties,
timing, form, the office's contact), when the calendar alarm rings, and for a reminder of
a deadline the Message-IDs of the thread it continues (``threads``). Everything here is
decided from values and ``now``; the only I/O is the submissions seam and the thread lookup.
A row of a plan's expansion stores a reference: its context is rendered from the plan
(``delivery.contexts``); one whose plan or event the config no longer has is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.delivery.briefing import LEAD, brief, sender
from kehoach.delivery.contexts import EventContexts
from kehoach.delivery.digest import Bundle, bundle
from kehoach.delivery.threads import earlier_messages, thread_of
from kehoach.errors import CalendarError
from kehoach.plans.directory import Directory, Unit
from kehoach.plans.model import Plan
from kehoach.delivery.lateness import too_late
from kehoach.notification import REPORT_CHASING_KINDS, Kind
from kehoach.store.documents import local_files
from kehoach.submissions.task_done import PREFIX as COMPLETION
from kehoach.store.outbox import Claimed, Outcome
from kehoach.store.tables import Status
from notifications.channels.base import Channel
from notifications.ics import ALARM_AT, previous_weekday_morning
from notifications.message import OutgoingMessage
from notifications.render import render_digest, render_message

ZALO_NOT_CONFIGURED = "Zalo chưa được cấu hình"
ALREADY_SUBMITTED = "đã nộp báo cáo"
PLAN_GONE = "Kế hoạch không còn trong cấu hình"
EVENT_GONE = "Không còn trong kế hoạch"
NONE_MISSING = "tất cả đơn vị đã nộp báo cáo"
# Kinds that ask a unit for its report: they carry the unit's signed submission link.
LINKED_KINDS = REPORT_CHASING_KINDS | {Kind.CAMPAIGN_CLOSING}


@dataclass
class Prepared:
    outcomes: list[Outcome] = field(default_factory=list)  # decided without sending
    # What to send: each bundle with the per-recipient context of its rows, rendered by the
    # sender just before sending so that rendering overlaps the other senders' network waits.
    bundles: list[tuple[Bundle[Claimed], dict[str, dict[str, Any]]]] = field(default_factory=list)


def not_configured(channel: str) -> str:
    return ZALO_NOT_CONFIGURED if channel == "zalo" else f"Kênh {channel} chưa được cấu hình"


def addresses(unit: Unit, channel: str) -> tuple[str, ...]:
    if channel == "zalo":
        return (unit.zalo,) if unit.zalo else ()
    return tuple(unit.emails)


def missing_units(context: Mapping[str, Any], submitted: set[str], directory: Directory) -> list[str] | None:
    """Names of the expected units that have not submitted; None when the context lists none."""
    ids = context.get("expected_unit_ids")
    if ids is None:
        return None
    return [directory.label(i) if directory.knows(i) else i for i in ids if i not in submitted]


def alarm_at(deadline: date, calendar: WorkingCalendar | None) -> datetime:
    """08:00 on the working day before the deadline (a Monday deadline rings on Friday)."""
    try:
        if calendar is None:
            raise CalendarError("no calendar")
        return datetime.combine(calendar.add_working_days(deadline, -1), ALARM_AT, tzinfo=VN_TZ)
    except CalendarError:
        return previous_weekday_morning(deadline).replace(tzinfo=VN_TZ)


def prepare(
    rows: list[Claimed], s: Session, now: datetime, *, directory: Directory,
    calendar: WorkingCalendar | None, channels: Mapping[str, Channel | None],
    submitted: Callable[[Session, str, str], set[str]], late_window: int,
    digest_channels: frozenset[str], links: Callable[[str, str, str], str] | None = None,
    plans: Mapping[str, Plan] | None = None, contexts: EventContexts,
) -> Prepared:
    """``contexts`` gives each row's context (rendered from its plan when stored by reference)."""
    out = Prepared()
    today = now.astimezone(VN_TZ).date()
    briefs: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def briefing(row: Claimed, stored: Mapping[str, Any], unit_id: str) -> dict[str, Any]:
        """Per (plan, kind, item, unit): a batch repeats these often, the plan lookups cost."""
        plan = (plans or {}).get(row.plan)
        if plan is None:
            return {}
        item = str((stored.get("item") or {}).get("id", ""))
        k = (row.plan, row.kind, item, unit_id)
        if k not in briefs:
            name, reply_to = sender(plan, directory, row.kind)
            briefs[k] = {**brief(plan, directory, row.kind, stored, unit_id, today, calendar),
                         "sender": {"name": name, "reply_to": list(reply_to)}}
        return briefs[k]

    cache: dict[tuple[str, str], set[str]] = {}

    def units_done(plan: str, period: str) -> set[str]:
        if (plan, period) not in cache:
            cache[plan, period] = submitted(s, plan, period)
        return cache[plan, period]

    ready: dict[int, dict[str, Any]] = {}
    keep: list[Claimed] = []
    for row in rows:
        def decide(status: Status, reason: str, row: Claimed = row) -> None:
            out.outcomes.append(Outcome(row, status, reason, attempted=False))

        if reason := too_late(row.kind, row.send_at, row.deadline, now, window=late_window, calendar=calendar):
            decide(Status.SKIPPED, reason)
            continue
        if channels.get(row.channel) is None:
            decide(Status.SKIPPED, not_configured(row.channel))
            continue
        if not directory.has_unit(row.unit):
            decide(Status.FAILED, f"Không có đơn vị '{row.unit}' trong danh bạ")
            continue
        unit = directory.unit(row.unit)
        if not addresses(unit, row.channel):
            what = "số Zalo" if row.channel == "zalo" else "địa chỉ email"
            decide(Status.FAILED, f"Đơn vị '{unit.id}' ({unit.name}) chưa có {what}")
            continue
        stored = contexts.context(row.plan, unit.id, row.period, row.context)
        if stored is None:
            decide(Status.SKIPPED, EVENT_GONE if plans and row.plan in plans else PLAN_GONE)
            continue
        context = {**stored, **briefing(row, stored, unit.id), "unit": {"id": unit.id, "name": unit.name},
                   "stamp": now.isoformat()}
        if deadline := context.get("deadline"):
            context["alarm"] = alarm_at(date.fromisoformat(deadline), calendar).isoformat()
        if stored.get("files"):
            try:
                context["files"] = local_files(s, stored["files"])
            except FileNotFoundError as exc:
                decide(Status.FAILED, str(exc))
                continue
        lead_only = row.period and row.period.startswith(COMPLETION) and context.get("role") != LEAD
        if links is not None and row.period and not lead_only and (row.kind in LINKED_KINDS or row.kind == Kind.TASK_REMINDER):
            context["link"] = links(row.plan, unit.id, row.period)
        elif links is not None and context.get("link_period"):
            context["link"] = links(row.plan, unit.id, context["link_period"])
        chasing = row.kind in REPORT_CHASING_KINDS or row.kind == Kind.TASK_REMINDER  # a task's own report
        if row.period and chasing and unit.id in units_done(row.plan, row.period):
            decide(Status.SKIPPED, ALREADY_SUBMITTED)
            continue
        if row.period and row.kind == Kind.ESCALATION:
            missing = missing_units(stored, units_done(row.plan, row.period), directory)
            if missing is not None:
                if not missing:
                    decide(Status.SKIPPED, NONE_MISSING)
                    continue
                context["missing_units"] = missing
        ready[id(row)] = context
        keep.append(row)

    threads = earlier_messages(s, keep)
    for row in keep:
        if (t := thread_of(row)) in threads:
            ready[id(row)]["references"] = list(threads[t])  # type: ignore[index]

    out.bundles = [(b, {r.key: ready[id(r)] for r in b.items})
                   for b in bundle(keep, digest_channels=digest_channels)]
    return out


def render_bundle(b: Bundle[Claimed], contexts: Mapping[str, Mapping[str, Any]], directory: Directory) -> OutgoingMessage:
    """The message for one bundle: a single notification's template, or the digest.

    It comes from the plan's office (Reply-To its addresses; the issuing body for the upward
    report), is labelled with the plan's List-Id, and a single reminder of a deadline
    continues that deadline's thread.
    """
    unit = directory.unit(b.unit)
    to = addresses(unit, b.channel)
    first = contexts[b.items[0].key]
    if b.is_digest:
        items = [(r.kind, contexts[r.key]) for r in b.items]
        msg = render_digest(items, day=b.day, key=b.key, channel=b.channel, to=to, to_name=unit.name)
    else:
        r = b.items[0]
        msg = render_message(r.kind, first, key=r.key, channel=b.channel, to=to, to_name=unit.name)
        msg = replace(msg, references=tuple(first.get("references", ())))
    who = first.get("sender") or {}
    return replace(msg, from_name=who.get("name"), reply_to=tuple(who.get("reply_to", ())),
                   list_id=str(first["plan"]["id"]) if first.get("plan") else None)
