"""The report form of one unit for one period, and validation of what it sends.

The plan's ``indicators`` say which figures each report asks for and who submits them; this
module turns that into the fields a unit must fill and checks raw form text, returning
per-field Vietnamese messages so the portal can show each one next to its field and store
nothing. Whole numbers only: rates are computed at roll-up, never submitted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kehoach.plans.directory import Directory
from kehoach.plans import formulas
from kehoach.plans.model import (CAMPAIGN_KINDS, Cadence, Indicator, IndicatorKind, PeriodKind, Plan, Report, Task,
                                 ValidationRule)
from kehoach.submissions import rules as rules_module
from kehoach.submissions.periods import campaign_report
from kehoach.submissions.text import clean_text

NUMERIC_KINDS = frozenset({IndicatorKind.FLOW, IndicatorKind.STOCK, IndicatorKind.MONEY})
MAX_VALUE = 10**13  # a commune budget in đồng fits; a typo with extra digits does not
MAX_TEXT = 20_000
_PLAIN = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}([.\s]\d{3})+$")  # "1.500.000" as Vietnamese write it

Value = dict[str, int] | bool | str


@dataclass(frozen=True)
class FormField:
    """One input of the form: its HTML name, its label and the indicator it feeds."""

    name: str
    label: str
    indicator: Indicator
    part: str | None = None  # "nam" / "nu", or a declared disaggregation's option


@dataclass
class Validated:
    values: dict[str, Value] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def task_narratives(plan: Plan, report: Report) -> list[Indicator]:
    """A narrative field per task the report covers, for the units that lead or coordinate it.

    The báo cáo is written task by task, so each unit tells what it did for each of its tasks;
    a campaign's report covers only the campaign's tasks, and a campaign's tasks are told in
    that report (or, when the campaign has none, in the annual report), never in a 6-month
    report due before the campaign opens.
    """
    return [
        Indicator(id="ket_qua_" + task.id.replace("-", "_"), kind=IndicatorKind.TEXT, task=task.id,
                  label=f"Kết quả thực hiện nhiệm vụ {task.section}: {task.title}", reports=[report.id],
                  submitted_by=[*task.lead, *task.coordinating])
        for task in plan.tasks if narrated_in(plan, task, report)
    ]


def narrated_in(plan: Plan, task: Task, report: Report) -> bool:
    """Whether ``report`` asks for a narrative of ``task``."""
    if task.cadence is not Cadence.CAMPAIGN:
        return report.period not in CAMPAIGN_KINDS
    tied = {r.id for c in plan.campaigns if (r := campaign_report(plan, c)) is not None}
    return report.id in tied if tied else report.period is PeriodKind.ANNUAL


def report_indicators(plan: Plan, report: Report) -> list[Indicator]:
    """Everything the report asks for: the plan's indicators and a narrative per task."""
    return [i for i in plan.indicators if report.id in i.reports] + task_narratives(plan, report)


def form_indicators(plan: Plan, directory: Directory, report: Report, unit_id: str) -> list[Indicator]:
    """The indicators ``unit_id`` reports in ``report``: those of the report it is named for."""
    chosen = []
    for ind in report_indicators(plan, report):
        if report.id not in ind.reports:
            continue
        if ind.submitted_by and not directory.includes(ind.submitted_by, unit_id):
            continue
        chosen.append(ind)
    return chosen


def numeric_indicators(plan: Plan, report: Report) -> list[Indicator]:
    return [i for i in plan.indicators if report.id in i.reports and i.kind in NUMERIC_KINDS]


def fields_of(indicators: list[Indicator]) -> list[FormField]:
    out: list[FormField] = []
    for ind in indicators:
        if ind.kind in NUMERIC_KINDS and ind.parts:
            out += [FormField(f"{ind.id}__{o.id}", o.label, ind, o.id) for o in ind.parts]
        else:
            out.append(FormField(ind.id, ind.label, ind))
    return out


def parse_whole_number(raw: str) -> int:
    """A non-negative whole number, accepting "1.500.000"; ValueError carries the message."""
    text = raw.strip()
    if not text:
        raise ValueError("Vui lòng nhập số liệu (nhập 0 nếu không có).")
    if text.startswith("-") and _PLAIN.match(text[1:].replace(".", "")):
        raise ValueError("Số liệu không được âm.")
    if _PLAIN.match(text):
        number = int(text)
    elif _GROUPED.match(text):
        number = int(re.sub(r"[.\s]", "", text))
    elif re.fullmatch(r"\d+[,.]\d+", text):
        raise ValueError("Vui lòng nhập số nguyên (không có phần thập phân).")
    else:
        raise ValueError("Vui lòng nhập một số nguyên không âm, ví dụ 12.")
    if number > MAX_VALUE:
        raise ValueError("Số liệu quá lớn, vui lòng kiểm tra lại.")
    return number


def validate(indicators: list[Indicator], raw: Mapping[str, str], rules: list[ValidationRule] | None = None) -> Validated:
    """Check every field, then the plan's rules; values are stored only if ``errors`` is empty."""
    result = Validated()
    for ind in indicators:
        if ind.kind in NUMERIC_KINDS:
            parts = [o.id for o in ind.parts] or ["tong"]
            numbers: dict[str, int] = {}
            for part in parts:
                name = f"{ind.id}__{part}" if ind.parts else ind.id
                try:
                    numbers[part] = parse_whole_number(str(raw.get(name, "")))
                except ValueError as exc:
                    result.errors[name] = str(exc)
            if len(numbers) == len(parts):
                result.values[ind.id] = numbers
        elif ind.kind is IndicatorKind.FLAG:
            answer = str(raw.get(ind.id, "")).strip()
            if answer not in ("co", "khong"):
                result.errors[ind.id] = "Vui lòng chọn Có hoặc Không."
            else:
                result.values[ind.id] = answer == "co"
        else:
            text = clean_text(str(raw.get(ind.id, ""))).strip()
            if len(text) > MAX_TEXT:
                result.errors[ind.id] = f"Nội dung quá dài (tối đa {MAX_TEXT:,} ký tự).".replace(",", ".")
            elif text:
                result.values[ind.id] = text
    if result.ok:
        first_field = {f.indicator.id: f.name for f in reversed(fields_of(indicators))}
        for rule, _, _ in rules_module.broken(rules or [], rules_module.unit_value(result.values)):
            named = formulas.refs(formulas.parse(rule.left)) + formulas.refs(formulas.parse(rule.right))
            where = next(r.element for r in named if r.element in first_field)
            result.errors.setdefault(first_field[where], rule.message)
    return result


def values_from_pairs(indicators: list[Indicator], pairs: list[str], rules: list[ValidationRule] | None = None) -> Validated:
    """``name=N`` pairs from the command line (``x__nam=3``, ``x=5``, ``flag=co``), validated."""
    raw: dict[str, str] = {}
    bad: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            bad[pair] = "Cần dạng tên=giá trị."
        raw[name.strip()] = value
    known = {f.name for f in fields_of(indicators)}
    for name in raw:
        if name not in known:
            bad[name] = "Không có chỉ tiêu này trong mẫu báo cáo của đơn vị."
    result = validate([i for i in indicators if _mentioned(i, raw)], raw, rules)
    result.errors.update(bad)
    return result


def _mentioned(ind: Indicator, raw: Mapping[str, Any]) -> bool:
    return ind.id in raw or any(f"{ind.id}__{o.id}" in raw for o in ind.parts)
