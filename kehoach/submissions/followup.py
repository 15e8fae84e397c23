"""The office's follow-up actions on one unit and period, one code path for console and CLI.

Grant an extension, exempt a unit (and undo it), send a reminder now, record a report on the
unit's behalf: each checks that the unit is one the report names, changes what is stored and
the unit's pending messages together, and logs who did it and when
(``submissions.followup_log``). ``kehoach extend|exempt|submit`` and the console's board call
these and nothing else, so both always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kehoach.delivery.withdrawal import Withdrawn, current_sequence, restore, withdraw
from kehoach.errors import SubmissionError
from kehoach.expansion.sync import move_unit_ladder, unit_ladder
from kehoach.notification import Notification
from kehoach.plans.config import Config
from kehoach.plans.directory import Unit
from kehoach.plans.model import Plan
from kehoach.store.outbox import ContentHash, UpsertCounts, enqueue
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Source, Status
from kehoach.submissions import notices
from kehoach.submissions.exemption import add_exemption, exemptions, remove_exemption
from kehoach.submissions.followup_log import Action, log_action
from kehoach.submissions.periods import Period
from kehoach.submissions.record import (
    Upload, first_submitted_at, grant_extension, next_version, record_submission,
)
from kehoach.submissions.text import clean_line
from kehoach.submissions.tracking import expected_units

MAX_REASON = 500


class FollowupRefused(SubmissionError):
    """An action that does not apply to this unit now; the message says why, in Vietnamese."""


class NotNamed(FollowupRefused):
    """The unit is not one the period's report names (the console answers 404)."""


def named_unit(config: Config, period: Period, unit_id: str) -> Unit:
    """The unit, if the period's report names it (groups expanded)."""
    for unit in expected_units(config.directory, period):
        if unit.id == unit_id:
            return unit
    raise NotNamed(f"Đơn vị “{unit_id}” không thuộc danh sách báo cáo kỳ {period.id}.")


def _refuse_exempt(session: Session, plan: Plan, period: Period, unit: Unit) -> None:
    if unit.id in exemptions(session, plan.id, period.id):
        raise FollowupRefused(f"{unit.name} đang được miễn báo cáo kỳ {period.label}; bỏ miễn trước.")


def required_reason(text: str, missing: str, label: str) -> str:
    """``text`` as one stored line, or FollowupRefused: ``missing`` when empty, too long beyond
    ``MAX_REASON`` (``label``: what the reason is for, as the message names it)."""
    why = clean_line(text)
    if not why:
        raise FollowupRefused(missing)
    if len(why) > MAX_REASON:
        raise FollowupRefused(f"{label} quá dài (tối đa {MAX_REASON} ký tự).")
    return why


def extend(config: Config, session: Session, plan: Plan, period: Period, unit_id: str, until: date, *,
           by: str, now: datetime) -> UpsertCounts:
    """A later deadline for the unit; its pending reminders move to it at once."""
    unit = named_unit(config, period, unit_id)
    _refuse_exempt(session, plan, period, unit)
    if until <= period.due:
        raise FollowupRefused(f"Ngày gia hạn phải sau hạn nộp của kỳ ({period.due:%d/%m/%Y}).")
    log_action(session, plan.id, period.id, unit.id, Action.EXTEND, by, now, f"đến {until:%d/%m/%Y}")
    grant_extension(session, plan.id, period.id, unit.id, until, now)  # commits the log with it
    return move_unit_ladder(config, session, plan.id, period, unit.id, now)


def exempt(config: Config, session: Session, plan: Plan, period: Period, unit_id: str, reason: str, *,
           by: str, now: datetime) -> Withdrawn:
    """Excuse the unit from the period: its chasing stops and its calendar event is cancelled."""
    unit = named_unit(config, period, unit_id)
    why = required_reason(reason, "Vui lòng ghi lý do miễn báo cáo.", "Lý do miễn")
    _refuse_exempt(session, plan, period, unit)
    if unit.id in first_submitted_at(session, plan.id, period.id):
        raise FollowupRefused(f"{unit.name} đã nộp báo cáo kỳ {period.label}; không thể miễn.")
    add_exemption(session, plan.id, period.id, unit.id, why, by, now)
    log_action(session, plan.id, period.id, unit.id, Action.EXEMPT, by, now, why)
    return withdraw(session, plan.id, period.report.id, period.id, unit.id, now)  # commits all three


def unexempt(config: Config, session: Session, plan: Plan, period: Period, unit_id: str, *,
             by: str, now: datetime) -> int:
    """Undo an exemption: the unit is expected again and its skipped reminders come back; how many."""
    unit = named_unit(config, period, unit_id)
    if remove_exemption(session, plan.id, period.id, unit.id) is None:
        raise FollowupRefused(f"{unit.name} không được miễn báo cáo kỳ {period.label}.")
    log_action(session, plan.id, period.id, unit.id, Action.UNEXEMPT, by, now)
    restored = restore(session, plan.id, period.report.id, period.id, unit.id, now)  # commits
    move_unit_ladder(config, session, plan.id, period, unit.id, now)
    return restored


def _step_now(ladder: list[Notification], now: datetime) -> list[Notification]:
    """Per channel, the ladder's step that fits today: the latest one due, else the first."""
    chosen: dict[str, Notification] = {}
    for n in ladder:  # in send order
        if n.channel not in chosen or n.send_at <= now:
            chosen[n.channel] = n
    return list(chosen.values())


def manual_row(n: Notification, by: str, now: datetime, sequence: int) -> dict[str, Any]:
    """The outbox row of ``n`` sent now by hand: its own key, marked with who asked."""
    context = {**n.context, "sent_by": by, "ics_sequence": max(sequence, 0)}
    return {
        "key": f"{n.key}/tay-{now:%Y%m%dT%H%M%S%f}", "plan": n.plan, "kind": n.kind.value, "unit": n.unit,
        "channel": n.channel, "period": n.period, "send_at": now, "deadline": n.deadline, "subject": n.subject,
        "context": context, "content_hash": ContentHash()(n), "source": Source.MANUAL.value,
        "status": Status.PENDING.value, "attempts": 0, "updated_at": now, "year": None,
    }


def remind_now(config: Config, session: Session, plan: Plan, period: Period, unit_id: str, *,
               by: str, now: datetime) -> int:
    """Queue the reminder that fits today for immediate dispatch on each of the unit's channels."""
    unit = named_unit(config, period, unit_id)
    _refuse_exempt(session, plan, period, unit)
    if unit.id in first_submitted_at(session, plan.id, period.id):
        raise FollowupRefused(f"{unit.name} đã nộp báo cáo kỳ {period.label}; không cần nhắc.")
    steps = _step_now(unit_ladder(config, session, plan.id, period, unit.id), now)
    if not steps:
        raise FollowupRefused(f"Kế hoạch không có lời nhắc nào cho {unit.name} trong kỳ {period.label}.")
    sequence = current_sequence(session, plan.id, period.report.id, period.id, unit.id)
    log_action(session, plan.id, period.id, unit.id, Action.REMIND, by, now,
               ", ".join(n.channel for n in steps))
    enqueue(session, [manual_row(n, by, now, sequence) for n in steps])  # commits
    return len(steps)


def record_on_behalf(config: Config, session: Session, data_dir: Path, plan: Plan, period: Period, unit_id: str,
                     values: dict[str, Any], *, by: str, now: datetime, source: str,
                     uploads: Sequence[Upload] = (), max_upload_bytes: int, estimate: bool = False,
                     submitter: str | None = None) -> Submission:
    """A report that came another way (paper, email), stored as the unit's next version; the unit
    gets its confirmation. ``values`` are already checked (``forms.validate``/``values_from_pairs``)."""
    unit = named_unit(config, period, unit_id)
    _refuse_exempt(session, plan, period, unit)
    version = next_version(session, plan.id, period.id, unit.id)
    log_action(session, plan.id, period.id, unit.id, Action.RECORD, by, now, f"phiên bản {version}")
    row = record_submission(session, data_dir, plan_id=plan.id, period=period.id, unit_id=unit.id, values=values,
                            now=now, source=source, uploads=uploads, max_upload_bytes=max_upload_bytes,
                            estimate=estimate, submitter=submitter)  # commits the log with it
    notices.enqueue(session, notices.confirmation(plan, config.directory, period, unit.id, row.version, now, None), now)
    return row
