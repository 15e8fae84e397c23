"""YAML → validated models, with every error located by file, YAML path and line.

Loading never stops at the first problem: syntax, schema and cross-reference errors are
all collected into one ``PlanError`` so an office fixes a file in one pass. Files are parsed
by libyaml (``fast_yaml``) and re-read with the round-trip parser, which keeps every node's
line, only when something in them is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from kehoach.errors import PlanError, PlanIssue
from kehoach.plans import fast_yaml, limits
from kehoach.plans.checks import schedule_issues
from kehoach.plans.directory import Directory
from kehoach.plans.form_checks import check_forms
from kehoach.plans.model import Plan, VnDate

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được hỗ trợ (gõ sai tên?)",
    "string_type": "cần một chuỗi ký tự",
    "int_type": "cần một số nguyên",
    "int_parsing": "cần một số nguyên",
    "bool_type": "cần true hoặc false",
    "bool_parsing": "cần true hoặc false",
    "list_type": "cần một danh sách",
    "dict_type": "cần một bảng khóa: giá trị",
    "model_type": "cần một bảng khóa: giá trị",
    "date_type": "cần một ngày dạng dd/mm/yyyy",
    "string_pattern_mismatch": "mã chỉ gồm chữ thường không dấu, chữ số và dấu '-'",
}


@dataclass(frozen=True)
class YamlDoc:
    """A parsed file and its source positions."""

    file: str
    data: Any
    text: str = ""  # the source, for checks of how values were written (quotes)

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """The 1-based line of the deepest node of ``loc`` that exists in the file."""
        node, line = self.data, getattr(getattr(self.data, "lc", None), "line", None)
        for step in loc:
            lc = getattr(node, "lc", None)
            try:
                if isinstance(node, dict) and step in node:
                    line = lc.key(step)[0] if lc else line
                elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                    line = lc.item(step)[0] if lc else line
                else:
                    continue
            except (KeyError, TypeError, IndexError):
                continue
            node = node[step]
        return None if line is None else line + 1

    def issue(self, loc: tuple[str | int, ...], message: str) -> PlanIssue:
        return PlanIssue(self.file, format_path(loc), self.line_of(loc), message)


def format_path(loc: Iterable[str | int]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def read_text(path: Path, max_bytes: int | None = None) -> str:
    """A file's text; an unreadable file, or one over ``max_bytes``, becomes a PlanError."""
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            raise PlanError([limits.size_issue(str(path), size)])
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([PlanIssue(str(path), "", None, f"không đọc được tệp: {exc}")]) from None


def read_yaml(path: Path, max_bytes: int | None = None) -> YamlDoc:
    """Parse one file keeping positions; a syntax error, or a file over ``max_bytes``, becomes a PlanError."""
    return parse_yaml(read_text(path, max_bytes), str(path))


def load_checked(path: Path, build: Callable[[YamlDoc], T], max_bytes: int | None = None) -> T:
    """``build`` over the file parsed by libyaml; when that fails in any way, over the file parsed
    again with positions, so every issue names its line (the fast parse has none)."""
    text = read_text(path, max_bytes)
    try:
        data = fast_yaml.load(text)
    except Exception:  # noqa: BLE001  (whatever libyaml cannot read, ruamel reads again and reports)
        data = None
    if isinstance(data, dict):
        try:
            return build(YamlDoc(str(path), data, text))
        except PlanError:
            pass
    return build(parse_yaml(text, str(path)))


def parse_yaml(text: str, name: str) -> YamlDoc:
    """Parse YAML text (a file's, or an upload's) named ``name`` in every issue."""
    try:
        data = YAML(typ="rt", pure=True).load(text)
    except RecursionError:  # thousands of nested brackets: the parser recurses once per level
        raise PlanError([limits.depth_issue(name)]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "lỗi cú pháp"
        raise PlanError([PlanIssue(name, "", line, f"lỗi cú pháp YAML: {problem}")]) from None
    if not isinstance(data, dict):
        raise PlanError([PlanIssue(name, "", 1, "tệp phải là một bảng khóa: giá trị")])
    return YamlDoc(name, data, text)


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "enum":
        return f"giá trị '{err['input']}' không hợp lệ; chọn một trong: {err['ctx']['expected']}"
    if kind in ("too_short", "too_long"):
        return f"cần ít nhất {err['ctx']['min_length']} phần tử" if kind == "too_short" else err["msg"]
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"giá trị {err['input']} nằm ngoài khoảng cho phép"
    return _MESSAGES.get(kind, str(err["msg"]))


def validate(doc: YamlDoc, model: type[M]) -> M:
    """Validate a parsed file against ``model``; every schema error becomes a located issue."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(s for s in err["loc"] if isinstance(s, int) or not str(s).startswith("function-"))
            issues.append(doc.issue(loc, _message(dict(err))))
        raise PlanError(issues) from None


def _duplicates(doc: YamlDoc, items: list[Any], where: tuple[str | int, ...], what: str) -> list[PlanIssue]:
    seen: set[str] = set()
    issues = []
    for i, item in enumerate(items):
        if item.id in seen:
            issues.append(doc.issue((*where, i, "id"), f"{what} '{item.id}' bị trùng"))
        seen.add(item.id)
    return issues


def load_directory(path: Path) -> Directory:
    """The unit directory file; duplicate ids and unknown parents or groups are errors."""
    return load_checked(path, directory_from_doc)


def directory_from_doc(doc: YamlDoc) -> Directory:
    """A validated directory from parsed data (a file, or the database's rows as a mapping)."""
    directory = validate(doc, Directory)
    issues = _duplicates(doc, directory.units, ("units",), "mã đơn vị")
    issues += _duplicates(doc, directory.groups, ("groups",), "mã nhóm")
    for i, unit in enumerate(directory.units):
        if unit.parent and not directory.has_unit(unit.parent):
            issues.append(doc.issue(("units", i, "parent"), f"đơn vị cấp trên '{unit.parent}' không có trong danh bạ"))
        for j, g in enumerate(unit.groups):
            if not directory.is_group(g):
                issues.append(doc.issue(("units", i, "groups", j), f"nhóm '{g}' chưa được khai báo trong groups"))
    if issues:
        raise PlanError(issues)
    return directory


def load_plan(path: Path, directory: Directory | None) -> Plan:
    """One plan file, checked against the unit directory when there is a valid one."""
    return load_checked(path, lambda doc: plan_from_doc(doc, directory), limits.MAX_PLAN_BYTES)


def plan_from_doc(doc: YamlDoc, directory: Directory | None) -> Plan:
    if too_big := limits.oversize(doc.data):
        raise PlanError([doc.issue(loc, message) for loc, message in too_big])
    plan = validate(doc, Plan)
    issues = check_references(doc, plan, directory) if directory is not None else []
    issues += schedule_issues(doc, plan)
    issues += check_forms(doc, plan, directory)
    if issues:
        raise PlanError(issues)
    return plan


def check_references(doc: YamlDoc, plan: Plan, directory: Directory) -> list[PlanIssue]:
    """Every unit, group, task, report and campaign a plan names must exist, once."""
    issues: list[PlanIssue] = []
    for name in ("tasks", "reports", "campaigns", "occasions", "indicators"):
        issues += _duplicates(doc, getattr(plan, name), (name,), f"mã trong {name}")

    def unit_ref(loc: tuple[str | int, ...], ref: str | None, groups: bool = True) -> None:
        if ref is None:
            return
        ok = directory.knows(ref) if groups else directory.has_unit(ref)
        if not ok:
            issues.append(doc.issue(loc, f"đơn vị '{ref}' không có trong danh bạ đơn vị"))

    def refs(loc: tuple[str | int, ...], values: list[str]) -> None:
        for i, ref in enumerate(values):
            unit_ref((*loc, i), ref)

    for field in ("issuer", "office"):
        unit_ref((field,), getattr(plan, field), groups=False)
    unit_ref(("reminder_policy", "escalate_to"), plan.reminder_policy.escalate_to, groups=False)
    refs(("units",), plan.units)
    for i, t in enumerate(plan.tasks):
        refs(("tasks", i, "lead"), t.lead)
        refs(("tasks", i, "coordinating"), t.coordinating)
    campaign_ids = {c.id for c in plan.campaigns}
    report_ids = {r.id for r in plan.reports}
    task_ids = {t.id for t in plan.tasks}
    for i, r in enumerate(plan.reports):
        refs(("reports", i, "units"), r.units)
        unit_ref(("reports", i, "to"), r.to, groups=False)
        if r.upward:
            unit_ref(("reports", i, "upward", "unit"), r.upward.unit, groups=False)
        if r.campaign is not None and r.campaign not in campaign_ids:
            issues.append(doc.issue(("reports", i, "campaign"), f"đợt '{r.campaign}' không có trong campaigns"))
    for i, c in enumerate(plan.campaigns):
        refs(("campaigns", i, "units"), c.units)
        if c.report is not None and c.report not in report_ids:
            issues.append(doc.issue(("campaigns", i, "report"), f"báo cáo '{c.report}' không có trong reports"))
    for i, o in enumerate(plan.occasions):
        refs(("occasions", i, "units"), o.units)
    for i, rc in enumerate(plan.recipients):
        refs(("recipients", i, "units"), rc.units)
    for i, ind in enumerate(plan.indicators):
        refs(("indicators", i, "submitted_by"), ind.submitted_by)
        for j, rid in enumerate(ind.reports):
            if rid not in report_ids:
                issues.append(doc.issue(("indicators", i, "reports", j), f"báo cáo '{rid}' không có trong reports"))
        if ind.task is not None and ind.task not in task_ids:
            issues.append(doc.issue(("indicators", i, "task"), f"nhiệm vụ '{ind.task}' không có trong tasks"))
    return issues


class _Override(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    date: VnDate
    reason: str


class CalendarOverrides(BaseModel):
    """``config/calendar.yaml``: extra days off and make-up working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days_off: list[_Override] = []
    working_days: list[_Override] = []

    def as_dicts(self) -> tuple[dict[date, str], dict[date, str]]:
        return ({o.date: o.reason for o in self.days_off}, {o.date: o.reason for o in self.working_days})


def load_calendar_overrides(path: Path) -> CalendarOverrides:
    if not path.exists():
        return CalendarOverrides()
    return load_checked(path, lambda doc: validate(doc, CalendarOverrides))
