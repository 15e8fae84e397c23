"""Checks of a plan's dates against each other and its span, and of how its YAML was written.

Schema validation sees one field at a time; these see the plan: a fixed date for a monthly
report, a task dated outside the plan's span, an upward deadline before the units' own, a
campaign report due before the campaign opens (errors), and a period due before its data
window starts or a flow-style list an unquoted comma split in two (warnings). Each is located
by file, YAML path and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kehoach.errors import PlanIssue
from kehoach.plans.dates import DayMonth
from kehoach.plans.model import PeriodKind, Plan
from kehoach.submissions.periods import UnknownPeriod, campaign_period, campaign_report, default_calendar, report_periods

Loc = tuple[str | int, ...]


def _span(plan: Plan) -> str:
    first, last = plan.span_years[0], plan.span_years[-1]
    return f"{plan.span_start:%d/%m/%Y}–{plan.span_end:%d/%m/%Y}" if plan.span else (
        f"năm {first}" if first == last else f"giai đoạn {first}–{last}")


def _dated(plan: Plan) -> Iterator[tuple[Loc, DayMonth]]:
    """Every date of the plan written with its year."""
    for i, t in enumerate(plan.tasks):
        if t.due is not None and t.due.year:
            yield ("tasks", i, "due"), t.due
        for j, m in enumerate(t.milestones):
            if m.due.year:
                yield ("tasks", i, "milestones", j, "due"), m.due
    for i, c in enumerate(plan.campaigns):
        for field in ("start", "end"):
            if getattr(c, field).year:
                yield ("campaigns", i, field), getattr(c, field)
    for i, o in enumerate(plan.occasions):
        if o.date.year:
            yield ("occasions", i, "date"), o.date
    for i, r in enumerate(plan.reports):
        if r.due.on is not None and r.due.on.year:
            yield ("reports", i, "due"), r.due.on


def schedule_issues(doc: Any, plan: Plan) -> list[PlanIssue]:
    """Errors: dates that cannot work together. ``doc`` is the plan's ``YamlDoc``."""
    issues: list[PlanIssue] = []
    span = _span(plan)
    for loc, day in _dated(plan):
        when = day.in_year(day.year or plan.year)
        if not plan.covers(when):
            issues.append(doc.issue(loc, f"ngày {when:%d/%m/%Y} nằm ngoài thời gian của kế hoạch ({span})"))
    for i, t in enumerate(plan.tasks):
        w = t.window
        if w is not None and w.year is not None and w.year not in plan.span_years:
            issues.append(doc.issue(("tasks", i, "window", "year"), f"năm {w.year} nằm ngoài thời gian của kế hoạch ({span})"))
        if w is not None and w.start is not None and w.end is not None and not (plan.covers(w.start) and plan.covers(w.end)):
            issues.append(doc.issue(("tasks", i, "window"), f"thời hạn {w} nằm ngoài thời gian của kế hoạch ({span})"))
        if t.report is not None and t.report not in {r.id for r in plan.reports}:
            issues.append(doc.issue(("tasks", i, "report"), f"báo cáo '{t.report}' không có trong reports"))
    for i, r in enumerate(plan.reports):
        if r.due.fixed and r.period in (PeriodKind.MONTHLY, PeriodKind.QUARTERLY):
            issues.append(doc.issue(("reports", i, "due"), (
                f"kỳ '{r.period.value}' lặp lại trong năm nên cần quy tắc hạn theo kỳ (ví dụ 'ngày 10 của tháng "
                f"cuối kỳ', 'ngày 20 của tháng sau'), không phải ngày cố định {r.due}")))
            continue
        if r.upward is not None and (late := _upward_before_units(plan, i)):
            issues.append(doc.issue(("reports", i, "upward", "due"), late))
    for i, c in enumerate(plan.campaigns):
        report = campaign_report(plan, c)
        if report is None:
            continue
        for year in plan.span_years:
            if c.start.occurs_in(year) and _safe_period(plan, c, year) is None:
                where = ("campaigns", i, "report") if c.report else ("reports", plan.reports.index(report), "due")
                issues.append(doc.issue(where, (
                    f"báo cáo kết quả '{report.id}' có hạn trước ngày đợt '{c.id}' bắt đầu "
                    f"({c.start.in_year(year):%d/%m/%Y})")))
                break
    return issues


def _safe_period(plan: Plan, campaign: Any, year: int) -> Any:
    try:
        return campaign_period(plan, campaign, year, default_calendar(year))
    except (UnknownPeriod, KeyError):
        return True  # a dangling reference is reported by check_references


def _upward_before_units(plan: Plan, index: int) -> str | None:
    report = plan.reports[index]
    for year in plan.span_years:
        for p in _periods(plan, report, year):
            if p.upward_due is not None and p.upward_due < p.due:
                return (f"hạn gửi {report.upward.to if report.upward else 'cấp trên'} {p.upward_due:%d/%m/%Y} "
                        f"sớm hơn hạn các đơn vị gửi báo cáo ({p.due:%d/%m/%Y}, kỳ {p.id})")
    return None


def _periods(plan: Plan, report: Any, year: int) -> list[Any]:
    try:
        return report_periods(plan, report, year, default_calendar(year))
    except (UnknownPeriod, KeyError):
        return []  # a report tied to an unknown campaign: check_references says so


def schedule_warnings(doc: Any, plan: Plan) -> list[PlanIssue]:
    """Warnings: what may be meant but rarely is."""
    found: list[PlanIssue] = []
    for i, r in enumerate(plan.reports):
        for year in plan.span_years:
            early = [p for p in _periods(plan, r, year) if p.due < p.window_start]
            if early:
                p = early[0]
                found.append(doc.issue(("reports", i, "due"), (
                    f"cảnh báo: hạn {p.due:%d/%m/%Y} của kỳ {p.id} trước khi kỳ lấy số liệu bắt đầu "
                    f"({p.window_start:%d/%m/%Y}); Nghị định 09/2019 cần ít nhất một ngày làm việc giữa ngày "
                    "chốt số liệu và hạn gửi")))
                break
    return found + flow_comma_warnings(doc)


_LOWER_START = re.compile(r"^[a-zà-ỹđ]")


def flow_comma_warnings(doc: Any) -> list[PlanIssue]:
    """An unquoted comma inside ``[…]`` or ``{…}`` makes two items of one sentence: say where."""
    lines = doc.text.splitlines()
    found: list[PlanIssue] = []

    def walk(node: Any, loc: Loc) -> None:
        flow = getattr(getattr(node, "fa", None), "flow_style", lambda: False)()
        if isinstance(node, list):
            for i, item in enumerate(node):
                if flow and i > 0 and _split_sentence(item, node, i, lines):
                    found.append(_warn(doc, (*loc, i), item))
                walk(item, (*loc, i))
        elif isinstance(node, dict):
            for key, value in node.items():
                if flow and value is None and isinstance(key, str) and " " in key.strip():
                    found.append(_warn(doc, (*loc, key), key))
                walk(value, (*loc, key))

    walk(doc.data, ())
    return found


def _split_sentence(item: Any, seq: Any, index: int, lines: list[str]) -> bool:
    """A plain (unquoted) item of several words that starts in lower case continues the one before."""
    if not isinstance(item, str) or " " not in item.strip() or not _LOWER_START.match(item.strip()):
        return False
    try:
        line, col = seq.lc.item(index)
        return lines[line][col] not in "'\""
    except (AttributeError, IndexError, KeyError, TypeError):
        return False


def _warn(doc: Any, loc: Loc, item: str) -> PlanIssue:
    return doc.issue(loc, (f"cảnh báo: '{item.strip()}' có vẻ là phần sau của câu trước, bị dấu phẩy không đặt "
                           "trong ngoặc kép tách ra; hãy đặt cả câu trong dấu ngoặc kép"))
