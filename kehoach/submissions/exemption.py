"""Exemptions (miễn): the units an office excused from one report period, and why.

``tracking.status_of`` reads them so an exempt unit is neither expected nor missing, and
``tracking.submitted_units`` so the dispatcher chases it no more and escalations leave it out.
Granting and lifting one, with the outbox effects, is ``submissions.followup``'s job.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from kehoach.store.followup_tables import Exemption
from kehoach.submissions.text import clean_line


def exemptions(session: Session, plan_id: str, period: str) -> dict[str, Exemption]:
    """The period's exempt units, by unit id."""
    stmt = select(Exemption).where(Exemption.plan == plan_id, Exemption.period == period)
    return {row.unit: row for row in session.exec(stmt)}


def add_exemption(session: Session, plan_id: str, period: str, unit_id: str, reason: str, by: str,
                  now: datetime) -> Exemption:
    """Store the exemption (the caller commits, with the outbox changes that go with it)."""
    row = Exemption(plan=plan_id, period=period, unit=unit_id, reason=clean_line(reason), by=by, at=now)
    session.add(row)
    return row


def remove_exemption(session: Session, plan_id: str, period: str, unit_id: str) -> Exemption | None:
    """Delete the unit's exemption, if it has one (the caller commits); the row as it was."""
    row = exemptions(session, plan_id, period).get(unit_id)
    if row is not None:
        session.delete(row)
    return row
