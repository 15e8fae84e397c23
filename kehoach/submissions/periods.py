"""Report periods: readable ids, their data windows and their due dates, for every kind.

A period id names one occurrence of one report of a plan: ``bc-nam-2026`` (annual, 6-month,
one-off and campaign reports: ``<report>-<year>``), ``bc-quy-3-2026`` (``<report>-quy-<n>-<year>``)
and ``bc-thang-05-2026`` (``<report>-thang-<mm>-<year>``). The data window (Nghị định
09/2019/NĐ-CP, Điều 12) and the due date are kept apart: the seed plans ask for reports before
the window closes, so figures are partly estimates. Only years inside the plan's span have
periods. Pure: no clock, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kehoach.calendar import WorkingCalendar, build_calendar
from kehoach.plans.model import Campaign, PeriodKind, Plan, Report

_PERIOD = re.compile(r"^(?P<report>[a-z0-9][a-z0-9-]*)-(?P<year>\d{4})$")
_ROMAN = ("I", "II", "III", "IV")

KIND_LABELS = {
    PeriodKind.MONTHLY: "tháng {index:02d}/{year}",
    PeriodKind.QUARTERLY: "quý {roman} năm {year}",
    PeriodKind.SEMIANNUAL: "6 tháng đầu năm {year}",
    PeriodKind.ANNUAL: "năm {year}",
    PeriodKind.ONE_OFF: "năm {year}",  # the report's own title names its subject
    PeriodKind.CAMPAIGN: "năm {year}",  # the report's own title names the campaign
    PeriodKind.ROUND: "năm {year}",
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
    index: int | None = None  # the quarter (1–4) or month (1–12) of a quarterly or monthly report
    upward_due: date | None = None  # the office's own deadline to the body above, as written

    @property
    def id(self) -> str:
        return format_period(self.report.id, self.year, self.report.period, self.index)

    @property
    def label(self) -> str:
        """How the office writes the period after the report title: "6 tháng đầu năm 2026"."""
        roman = _ROMAN[self.index - 1] if self.report.period is PeriodKind.QUARTERLY and self.index else ""
        return KIND_LABELS[self.report.period].format(year=self.year, index=self.index or 0, roman=roman)


def format_period(report_id: str, year: int, kind: PeriodKind | None = None, index: int | None = None) -> str:
    """``bc-nam-2026``, ``bc-quy-3-2026``, ``bc-thang-05-2026``."""
    if kind is PeriodKind.QUARTERLY and index:
        return f"{report_id}-quy-{index}-{year}"
    if kind is PeriodKind.MONTHLY and index:
        return f"{report_id}-thang-{index:02d}-{year}"
    return f"{report_id}-{year}"


def parse_period(period_id: str) -> tuple[str, int]:
    """``nam-2026`` → ("nam", 2026); report ids may themselves contain hyphens."""
    m = _PERIOD.match(period_id)
    if not m:
        raise UnknownPeriod(f"kỳ báo cáo '{period_id}' không đúng dạng <mã báo cáo>-<năm>")
    return m["report"], int(m["year"])


@lru_cache(maxsize=8)
def default_calendar(year: int) -> WorkingCalendar:
    """The public holidays alone, for callers without the configured calendar at hand."""
    return build_calendar([year - 1, year, year + 1])


def _cut_off(year: int, month: int) -> tuple[date, date]:
    """Điều 12: the 15th of the month before ``month`` to the 14th of ``month``."""
    start = date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)
    return start, date(year, month, 14)


def windows(plan: Plan, report: Report, year: int) -> list[tuple[int | None, date, date]]:
    """(index, first day, last day) of each data window of ``report`` that belongs to ``year``."""
    kind = report.period
    if kind is PeriodKind.MONTHLY:
        return [(m, *_cut_off(year, m)) for m in range(1, 13)]
    if kind is PeriodKind.QUARTERLY:
        return [(q, _cut_off(year, 3 * q - 2)[0], date(year, 3 * q, 14)) for q in range(1, 5)]
    if kind is PeriodKind.SEMIANNUAL:
        return [(None, date(year - 1, 12, 15), date(year, 6, 14))]
    if kind is PeriodKind.ANNUAL:
        return [(None, date(year - 1, 12, 15), date(year, 12, 14))]
    if kind is PeriodKind.ONE_OFF:
        assert report.window is not None  # guaranteed by Report's validator
        return [(None, report.window.start, report.window.end)] if report.window.end.year == year else []
    if report.campaign is None:
        raise UnknownPeriod(f"báo cáo '{report.id}' theo đợt nhưng không gắn với đợt nào")
    campaign = plan.campaign(report.campaign)
    if not campaign.start.occurs_in(year):
        return []
    start, end = campaign.start.in_year(year), campaign.end.in_year(year)
    if end < start:  # a campaign that runs over the new year
        end = campaign.end.in_year(year + 1)
    return [(None, start, end)]


def report_periods(plan: Plan, report: Report, year: int, cal: WorkingCalendar | None = None) -> list[Period]:
    """The periods of one report whose window belongs to ``year``, inside the plan's span.

    Give the office's calendar (``Config.calendar``, with calendar.yaml's days) wherever there is
    one: a due date counted in working days must be the one the reminders announced; the public
    holidays alone serve a plan file checked on its own.
    """
    if year not in plan.span_years or not report.due.occurs_in(year):
        return []
    cal = cal or default_calendar(year)
    up = report.upward
    return [Period(plan.id, report, year, start, end, report.due.date_for(year, end, cal), index,
                   up.due.date_for(year, end, cal) if up else None)
            for index, start, end in windows(plan, report, year)
            if plan.span_start <= end <= plan.span_end]


def resolve_period(plan: Plan, period_id: str, cal: WorkingCalendar | None = None) -> Period:
    """The period of ``plan`` named by ``period_id``; UnknownPeriod if there is none."""
    _, year = parse_period(period_id)
    if year not in plan.span_years:
        raise UnknownPeriod(f"năm {year} nằm ngoài thời gian của kế hoạch '{plan.id}'")
    for period in periods_of_year(plan, year, cal):
        if period.id == period_id:
            return period
    raise UnknownPeriod(f"kế hoạch '{plan.id}' không có kỳ báo cáo '{period_id}'")


def periods_of_year(plan: Plan, year: int | None = None, cal: WorkingCalendar | None = None) -> list[Period]:
    """Every report period of the plan in one year (the plan's own year by default)."""
    y = plan.year if year is None else year
    return [p for r in plan.reports for p in report_periods(plan, r, y, cal)]


def campaign_report(plan: Plan, campaign: Campaign) -> Report | None:
    """The report that asks for the campaign's results: named by the campaign, or tied to it."""
    if campaign.report:
        return plan.report(campaign.report)
    return next((r for r in plan.reports if r.campaign == campaign.id), None)


def campaign_period(plan: Plan, campaign: Campaign, year: int, cal: WorkingCalendar) -> Period | None:
    """The period of the campaign's report that its ``year`` round reports in: the first due after it opens."""
    report = campaign_report(plan, campaign)
    if report is None:
        return None
    start = campaign.start.in_year(year)
    found = [p for y in (year, year + 1) for p in report_periods(plan, report, y, cal) if p.due >= start]
    return min(found, key=lambda p: p.due, default=None)
