"""What one unit needs to act on one notification, read from the plan and the directory.

Every message answers, in this order: what the unit must do (its role, chủ trì or phối hợp,
and the plan's own content lines for it, shortened), by when (the date and the plan's own
wording, such as "Thường xuyên"), how to report (its link and what the form asks) and whom
to ask (the office's name, phone and email). It is computed when the message is prepared,
from the plan by reference, so an edited contact or plan shows in the next message.
Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kehoach.calendar import WorkingCalendar
from kehoach.notification import Kind
from kehoach.plans.directory import Directory
from kehoach.plans.model import Cadence, Every, IndicatorKind, Plan, Report, Task
from kehoach.submissions.forms import form_indicators
from kehoach.submissions.periods import Period, periods_of_year

MAX_DUTIES = 3  # content lines quoted; the rest is summed up as "và N nội dung khác"
MAX_LINE = 220  # characters of one quoted line
MAX_FIELDS = 4  # form fields named in the summary
LEAD, COORDINATING, PARTICIPANT = "chủ trì", "phối hợp", "tham gia thực hiện"
CADENCE_WORDS = {
    Cadence.CONTINUOUS: "Thường xuyên", Cadence.MONTHLY: "Hằng tháng", Cadence.QUARTERLY: "Hằng quý",
    Cadence.CAMPAIGN: "Theo đợt cao điểm",
}
EVERY_WORDS = {Every.MONTH: "nhắc vào đầu mỗi tháng", Every.QUARTER: "nhắc vào đầu mỗi quý"}
# Kinds sent to the office itself or the body above: their "what to do" is the office's.
OFFICE_KINDS = frozenset({"escalation", "office_compile", "rollup_ready"})


def shorten(line: str, limit: int = MAX_LINE) -> str:
    """Cut at a word boundary with an ellipsis, so a long plan line stays readable."""
    line = " ".join(line.split())
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def duties(lines: list[str]) -> list[str]:
    quoted = [shorten(x) for x in lines[:MAX_DUTIES]]
    if len(lines) > MAX_DUTIES:
        quoted.append(f"và {len(lines) - MAX_DUTIES} nội dung khác theo kế hoạch")
    return quoted


def contact(plan: Plan, directory: Directory) -> dict[str, str]:
    """The office that follows the plan up: whom a unit asks."""
    office = directory.unit(plan.office)
    return {"name": office.name, "phone": office.phone or "", "email": office.emails[0] if office.emails else ""}


def sender(plan: Plan, directory: Directory, kind: str) -> tuple[str, tuple[str, ...]]:
    """(From display name, Reply-To): the office, or the issuing body for the upward report."""
    office = directory.unit(plan.office)
    name = office.name
    if kind == "report_upward":
        name = plan.issuer_label or directory.unit(plan.issuer).name
    return name, tuple(office.emails)


def role(directory: Directory, task: Task, unit_id: str) -> str | None:
    if directory.includes(task.lead, unit_id):
        return LEAD
    if directory.includes(task.coordinating, unit_id):
        return COORDINATING
    return None


def form_summary(plan: Plan, directory: Directory, report: Report, unit_id: str) -> str:
    """What the form asks of this unit, in one sentence."""
    asked = form_indicators(plan, directory, report, unit_id)
    figures = [i.label for i in asked if i.task is None and i.kind is not IndicatorKind.TEXT]
    texts = [i.label for i in asked if i.task is None and i.kind is IndicatorKind.TEXT]
    narratives = [i for i in asked if i.task is not None]
    parts = []
    for found, noun in ((figures, "số liệu"), (texts, "nội dung viết")):
        if found:
            named = ", ".join(shorten(f, 60) for f in found[:MAX_FIELDS])
            more = f" và {len(found) - MAX_FIELDS} mục khác" if len(found) > MAX_FIELDS else ""
            parts.append(f"{len(found)} {noun} ({named}{more})")
    if narratives:
        parts.append(f"kết quả thực hiện {len(narratives)} nhiệm vụ (viết ngắn gọn)")
    if not parts:
        return "Biểu mẫu trực tuyến; có thể đính kèm tệp báo cáo (.docx, .pdf, .xlsx)."
    return "Biểu mẫu hỏi: " + "; ".join(parts) + "; có thể đính kèm tệp (.docx, .pdf, .xlsx)."


def next_period(plan: Plan, directory: Directory, unit_id: str, today: date,
                task: Task | None = None, cal: WorkingCalendar | None = None) -> Period | None:
    """The unit's next report period due on or after ``today``: where a task's results go."""
    found = []
    for year in (today.year, today.year + 1):
        for p in periods_of_year(plan, year, cal):
            if p.due < today or not directory.includes(p.report.units, unit_id):
                continue
            if task is not None and not any(i.task == task.id for i in form_indicators(plan, directory, p.report, unit_id)):
                continue
            found.append(p)
    return min(found, key=lambda p: p.due, default=None)


def _find(items: list[Any], item_id: str) -> Any:
    return next((x for x in items if x.id == item_id), None)


def brief(plan: Plan, directory: Directory, kind: str, context: Mapping[str, Any], unit_id: str,
          today: date, cal: WorkingCalendar | None = None) -> dict[str, Any]:
    """The four parts for ``unit_id``, as context keys the templates read.

    ``role``, ``duties`` (what), ``timing`` (the plan's wording of when), ``form`` (what the
    form asks), ``link_period`` (the period whose link a task reminder carries), ``contact``.
    """
    item_id = str((context.get("item") or {}).get("id", ""))
    out: dict[str, Any] = {"contact": contact(plan, directory)}
    if kind == Kind.CALENDAR_CANCEL:  # nothing left to do: only whom to ask
        return out
    task = _find(plan.tasks, item_id)
    report = _find(plan.reports, item_id)
    campaign = _find(plan.campaigns, item_id)
    occasion = _find(plan.occasions, item_id)
    if task is not None:
        out["role"] = role(directory, task, unit_id)
        out["duties"] = duties(list(task.content))
        if task.cadence is Cadence.BY_DATE:
            out["timing"] = f"Theo thời hạn của kế hoạch ({task.when})"
        else:
            every = {Cadence.MONTHLY: Every.MONTH, Cadence.QUARTERLY: Every.QUARTER}.get(
                task.cadence, plan.reminder_policy.continuous_every)
            out["timing"] = f"{CADENCE_WORDS[task.cadence]} ({EVERY_WORDS[every]})"
        period = next_period(plan, directory, unit_id, today, task, cal)
        if period is not None:
            out["link_period"] = period.id
            out["form"] = (f"Kết quả thực hiện báo cáo trong {period.report.title} {period.label} "
                           f"(hạn {period.due:%d/%m/%Y}). " + form_summary(plan, directory, period.report, unit_id))
    elif report is not None:
        led = [t.title for t in plan.tasks if role(directory, t, unit_id)]
        out["duties"] = [f"Gửi {report.title} về {directory.label(report.to)}"] + (
            [f"Nêu kết quả các nhiệm vụ đơn vị chủ trì, phối hợp: {shorten('; '.join(led), 160)}"] if led else [])
        out["timing"] = f"Kế hoạch ghi: {report.due.phrase}"
        if kind in OFFICE_KINDS and report.upward is not None:
            out["timing"] += f"; gửi {report.upward.to} {report.upward.due.phrase}"
        if kind not in OFFICE_KINDS and kind != "report_upward":
            out["form"] = form_summary(plan, directory, report, unit_id)
    elif campaign is not None:
        out["role"] = PARTICIPANT
        tasks = [t for t in plan.tasks if t.cadence is Cadence.CAMPAIGN and role(directory, t, unit_id)]
        out["duties"] = duties([line for t in tasks for line in t.content] or list(campaign.activities))
        out["timing"] = f"Từ ngày {campaign.start} đến ngày {campaign.end}"
        if campaign.report:
            out["form"] = form_summary(plan, directory, plan.report(campaign.report), unit_id)
    elif occasion is not None:
        out["role"] = PARTICIPANT
        out["duties"] = duties(list(occasion.activities))
        out["timing"] = f"Ngày {occasion.date} hằng năm"
    return out
