"""Report periods: ``<report-id>-<year>`` ids, their data windows and their deadlines.

A period id names one occurrence of one report of a plan (``nam-2026`` is report ``nam`` for
2026). The data window (Nghị định 09/2019/NĐ-CP, Điều 12) and the due date are kept apart:
the seed plans ask for reports before the window closes, so figures are partly estimates.
Pure: no clock, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kehoach.plans.model import PeriodKind, Plan, Report

_PERIOD = re.compile(r"^(?P<report>[a-z0-9][a-z0-9-]*)-(?P<year>\d{4})$")

KIND_LABELS = {
    PeriodKind.SEMIANNUAL: "6 tháng đầu năm {year}",
    PeriodKind.ANNUAL: "năm {year}",
    PeriodKind.CAMPAIGN: "năm {year}",  # the report's own title names the campaign
}


class UnknownPeriod(LookupError):
    """A period id that is malformed or names a report the plan does not have."""


@dataclass(frozen=True)
class Period:
    """One occurrence of a plan's report: what, for which year, and its window."""

    plan_id: str
    report: Report
    year: int
    window_start: date
    window_end: date
    due: date  # the units' deadline as the plan writes it, before any extension

    @property
    def id(self) -> str:
        return format_period(self.report.id, self.year)

    @property
    def label(self) -> str:
        """How the office writes the period after the report title: "6 tháng đầu năm 2026"."""
        return KIND_LABELS[self.report.period].format(year=self.year)

    def deadline_for(self, extension: date | None = None) -> date:
        """A unit's deadline: the plan's due date unless the unit was granted a later one."""
        if extension is not None and extension > self.due:
            return extension
        return self.due


def format_period(report_id: str, year: int) -> str:
    return f"{report_id}-{year}"


def parse_period(period_id: str) -> tuple[str, int]:
    """``nam-2026`` → ("nam", 2026); report ids may themselves contain hyphens."""
    m = _PERIOD.match(period_id)
    if not m:
        raise UnknownPeriod(f"kỳ báo cáo '{period_id}' không đúng dạng <mã báo cáo>-<năm>")
    return m["report"], int(m["year"])


def data_window(plan: Plan, report: Report, year: int) -> tuple[date, date]:
    """The NĐ 09/2019 cut-off window, or the campaign's own dates for an Action Month report."""
    if report.period is PeriodKind.SEMIANNUAL:
        return date(year - 1, 12, 15), date(year, 6, 14)
    if report.period is PeriodKind.ANNUAL:
        return date(year - 1, 12, 15), date(year, 12, 14)
    if report.campaign is None:
        raise UnknownPeriod(f"báo cáo '{report.id}' theo đợt nhưng không gắn với đợt nào")
    campaign = plan.campaign(report.campaign)
    start, end = campaign.start.in_year(year), campaign.end.in_year(year)
    if end < start:  # a campaign that runs over the new year
        end = campaign.end.in_year(year + 1)
    return start, end


def resolve_period(plan: Plan, period_id: str) -> Period:
    """The period of ``plan`` named by ``period_id``; UnknownPeriod if there is none."""
    report_id, year = parse_period(period_id)
    try:
        report = plan.report(report_id)
    except KeyError:
        raise UnknownPeriod(f"kế hoạch '{plan.id}' không có báo cáo '{report_id}'") from None
    if abs(year - plan.year) > 5:
        raise UnknownPeriod(f"năm {year} nằm ngoài thời gian của kế hoạch '{plan.id}'")
    start, end = data_window(plan, report, year)
    return Period(plan.id, report, year, start, end, report.due.in_year(year))


def periods_of_year(plan: Plan, year: int | None = None) -> list[Period]:
    """Every report period of the plan in one year (the plan's own year by default)."""
    y = plan.year if year is None else year
    return [resolve_period(plan, format_period(r.id, y)) for r in plan.reports]
