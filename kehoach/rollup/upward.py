"""Roll-ups that compose level by level: a body's roll-up is its submission to the plan above.

When a plan's issuing body is itself a reporting unit of another plan in the system (the
commune under the city, a Sở under the province), the roll-up of a period is recorded as
that body's submission for the matching period of the parent plan: same period kind, same
year, only the indicators the parent's form asks of that body, and the DOCX attached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.rollup.build import Rollup
from kehoach.store.submission_tables import Submission
from kehoach.submissions.forms import form_indicators
from kehoach.submissions.periods import Period, format_period, resolve_period
from kehoach.submissions.record import Upload, record_submission


def parent_periods(plans: Iterable[Plan], directory: Directory, plan: Plan, period: Period) -> list[tuple[Plan, Period]]:
    """Periods of other plans for which ``plan``'s issuing body is an expected reporting unit."""
    found = []
    for other in plans:
        if other.id == plan.id:
            continue
        for report in other.reports:
            if report.period is not period.report.period:
                continue
            if plan.issuer in {u.id for u in directory.resolve(report.units)}:
                found.append((other, resolve_period(
                    other, format_period(report.id, period.year, report.period, period.index))))
    return found


def submit_upward(
    session: Session,
    data_dir: Path,
    rollup: Rollup,
    parent: Plan,
    parent_period: Period,
    directory: Directory,
    now: datetime,
    docx: Path | None = None,
    approved_values: dict[str, Any] | None = None,
) -> Submission:
    """Record the roll-up as the issuing body's submission to ``parent``; a new version each time.

    ``approved_values``: the figures frozen when the leader approved (else the roll-up's own).
    """
    asked = {i.id for i in form_indicators(parent, directory, parent_period.report, rollup.plan.issuer)}
    given = rollup.upward_values() if approved_values is None else approved_values
    values = {k: v for k, v in given.items() if k in asked}
    uploads = [Upload(docx.name, docx.read_bytes())] if docx else []
    return record_submission(
        session, data_dir, plan_id=parent.id, period=parent_period.id, unit_id=rollup.plan.issuer,
        values=values, now=now, source="rollup", uploads=uploads, estimate=rollup.estimate,
        from_plan=rollup.plan.id, max_upload_bytes=50 * 1024 * 1024,
    )
