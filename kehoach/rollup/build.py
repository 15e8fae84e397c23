"""Assemble one period's roll-up from what is stored: the value every output is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.plans.model import IndicatorKind, Plan
from kehoach.rollup.narrative import OfficeTexts
from kehoach.rollup.totals import (
    Breach,
    IndicatorTotal,
    Narrative,
    Rate,
    computed_rates,
    gather_narratives,
    rule_breaches,
    sum_indicators,
)
from kehoach.submissions.forms import report_indicators
from kehoach.submissions.periods import Period
from kehoach.submissions.record import latest_submissions
from kehoach.submissions.tracking import PeriodStatus, status_of


@dataclass(frozen=True)
class Rollup:
    plan: Plan
    period: Period
    status: PeriodStatus
    totals: list[IndicatorTotal]
    narratives: list[Narrative]
    rates: list[Rate]
    body_name: str  # the issuing body, as printed in the header
    parent_body_name: str | None
    estimate: bool  # some unit flagged its figures as partly estimated
    made_on: date
    texts: OfficeTexts = field(default_factory=OfficeTexts)  # what the office wrote in the console
    breaches: list[Breach] = field(default_factory=list)  # figures that break the plan's rules
    unit_names: dict[str, str] = field(default_factory=dict)  # unit id -> name, for the appendix by unit

    @property
    def numeric_totals(self) -> list[IndicatorTotal]:
        return [t for t in self.totals if t.indicator.kind is not IndicatorKind.FLAG]

    def upward_values(self) -> dict[str, Any]:
        """The totals as submission values, for sending the roll-up to the plan above."""
        out: dict[str, Any] = {}
        for t in self.totals:
            if not t.reported_by:
                continue
            if t.indicator.kind is IndicatorKind.FLAG:
                out[t.id] = t.yes > 0
            elif t.indicator.parts:
                out[t.id] = dict(t.parts)
            else:
                out[t.id] = {"tong": t.total}
        for n in self.narratives:
            prev = out.get(n.indicator.id)
            line = f"{n.unit_name}: {n.text}"
            out[n.indicator.id] = f"{prev}\n{line}" if prev else line
        return out


def build_rollup(session: Session, plan: Plan, directory: Directory, period: Period, today: date,
                 cal: WorkingCalendar) -> Rollup:
    """Sum the latest version of every unit that submitted for the period; who was on time is
    judged on the office's calendar ``cal``, as the reminders counted the deadline."""
    status = status_of(session, plan, directory, period, cal)
    latest = latest_submissions(session, plan.id, period.id)
    expected_ids = [u.id for u in status.expected]
    # expected units first, in the plan's order; a unit that submitted without being expected still counts
    order = expected_ids + sorted(u for u in latest if u not in expected_ids)
    values = {u: latest[u].values for u in order if u in latest}
    names = {u.id: u.name for u in status.expected}
    for u in latest:
        if u not in names:
            names[u] = directory.unit(u).name if directory.has_unit(u) else u
    indicators = report_indicators(plan, period.report)
    totals = sum_indicators(indicators, values)
    breaches = rule_breaches(plan.validation_rules, values, totals, names)
    issuer = directory.unit(plan.issuer) if directory.has_unit(plan.issuer) else None
    parent = directory.unit(issuer.parent) if issuer and issuer.parent and directory.has_unit(issuer.parent) else None
    return Rollup(
        plan=plan, period=period, status=status, totals=totals,
        narratives=gather_narratives(indicators, values, names), rates=computed_rates(plan.computed, totals, breaches),
        body_name=plan.issuer_label or (issuer.name if issuer else plan.issuer),
        parent_body_name=parent.name if parent else None,
        estimate=any(s.estimate for s in latest.values()), made_on=today, breaches=breaches, unit_names=names,
    )
