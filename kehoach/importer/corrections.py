"""A clerk's corrections to a draft, as the console's review form shows and sends them.

The form holds every value of the draft a person may need to change: each unit a task names
(its role, chủ trì or phối hợp, and the directory unit it stands for, with the importer's
confidence and the closest candidates), every date and due rule, milestones, task cadences and
report period kinds. A value's form field is named by its YAML path, and only paths the
rebuilt draft has are read back, so the form can change what the draft holds, never add keys.
Whatever the clerk writes is then checked like any plan upload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kehoach.importer.draft import Draft, Path_
from kehoach.importer.units import Match
from kehoach.plans.model import Cadence, PeriodKind

LEAD, COORDINATING, DROP = "chu_tri", "phoi_hop", "bo"
ROLES = {LEAD: "chủ trì", COORDINATING: "phối hợp", DROP: "bỏ khỏi nhiệm vụ"}
NEW_ROW = "moi"  # the blank row under a task's units, to add one the importer missed
UNIT_KEYS = {"issuer", "office", "lead", "coordinating", "units", "to", "unit"}  # plan fields holding unit refs
CADENCES = {Cadence.CONTINUOUS.value: "Thường xuyên", Cadence.MONTHLY.value: "Hằng tháng",
            Cadence.QUARTERLY.value: "Hằng quý", Cadence.BY_DATE.value: "Theo thời hạn",
            Cadence.CAMPAIGN.value: "Theo đợt"}
PERIODS = {PeriodKind.MONTHLY.value: "Tháng", PeriodKind.QUARTERLY.value: "Quý",
           PeriodKind.SEMIANNUAL.value: "6 tháng", PeriodKind.ANNUAL.value: "Năm",
           PeriodKind.ONE_OFF.value: "Chuyên đề", PeriodKind.CAMPAIGN.value: "Tháng hành động",
           PeriodKind.ROUND.value: "Theo đợt"}
_WORDS = {"due": "hạn", "start": "bắt đầu", "end": "kết thúc", "date": "ngày", "from": "từ ngày", "to": "đến ngày",
          "quarter": "quý", "month": "tháng", "year": "năm", "title": "nội dung"}


@dataclass(frozen=True)
class Value:
    """One editable value: a text box, or a select when ``choices`` is set."""

    path: Path_
    label: str
    value: str
    choices: dict[str, str] | None = None
    note: str | None = None  # why the importer is unsure of it; None when it is sure

    @property
    def name(self) -> str:
        return "gt__" + ".".join(map(str, self.path))


@dataclass(frozen=True)
class UnitRow:
    """One unit a task names: its role, what it was read from and how surely."""

    task: int
    row: int
    ref: str
    role: str
    how: str
    low: bool
    candidates: list[Match]

    @property
    def names(self) -> tuple[str, str]:
        return f"dv__{self.task}__{self.row}", f"vt__{self.task}__{self.row}"


def values(draft: Draft) -> list[Value]:
    """Every date, due rule, cadence and period kind of the draft, in the plan's order."""
    d = draft.data
    reasons = list(dict.fromkeys(draft.reviews))
    out: list[Value] = []

    def add(path: Path_, label: str, value: Any, choices: dict[str, str] | None = None) -> None:
        notes = [r for p, r in reasons if path[:len(p)] == p]
        out.append(Value(path, label, "" if value is None else str(value), choices, "; ".join(notes) or None))

    add(("effective_from",), "Ngày hiệu lực", d.get("effective_from"))
    for i, t in enumerate(d["tasks"]):
        who = f"Nhiệm vụ {t['section']}"
        add(("tasks", i, "cadence"), f"{who}: tần suất", t["cadence"], CADENCES)
        add(("tasks", i, "due"), f"{who}: hạn", t.get("due"))
        for key, v in (t.get("window") or {}).items():
            add(("tasks", i, "window", key), f"{who}: thời hạn, {_WORDS[key]}", v)
        for k, m in enumerate(t.get("milestones", [])):
            add(("tasks", i, "milestones", k, "title"), f"{who}: mốc {k + 1}, nội dung", m["title"])
            add(("tasks", i, "milestones", k, "due"), f"{who}: mốc {k + 1}, hạn", m["due"])
    for i, r in enumerate(d["reports"]):
        who = f"Báo cáo “{r['title']}”"
        add(("reports", i, "period"), f"{who}: kỳ", r["period"], PERIODS)
        add(("reports", i, "due"), f"{who}: hạn đơn vị gửi", r["due"])
        if r.get("upward"):
            add(("reports", i, "upward", "due"), f"{who}: hạn gửi {r['upward']['to']}", r["upward"]["due"])
        for key, v in (r.get("window") or {}).items():
            add(("reports", i, "window", key), f"{who}: kỳ số liệu, {_WORDS[key]}", v)
    for i, c in enumerate(d["campaigns"]):
        for key in ("start", "end"):
            add(("campaigns", i, key), f"{c['title']}: {_WORDS[key]}", c[key])
    for i, o in enumerate(d["occasions"]):
        add(("occasions", i, "date"), f"{o['title']}: ngày", o["date"])
    return out


def unit_rows(draft: Draft, task: int) -> list[UnitRow]:
    """The units task ``task`` names, lead first, each with the importer's confidence and candidates."""
    t = draft.data["tasks"][task]
    rows: list[UnitRow] = []
    for role, key in ((LEAD, "lead"), (COORDINATING, "coordinating")):
        read = {m.ref: m for m in draft.matches.get(("tasks", task, key), [])}
        for ref in t.get(key, []):
            m = read.get(ref)
            how, low = _how(m) if m or not read else ("chọn khi rà soát", False)
            candidates = draft.matcher.candidates(m.phrase) if m and draft.matcher else []
            rows.append(UnitRow(task, len(rows), ref, role, how, low, candidates))
    return rows


def to_confirm(draft: Draft) -> list[tuple[Match, list[Match]]]:
    """Each name matched below the confidence threshold or proposed as new, once, with its candidates."""
    seen: dict[str, Match] = {}
    for found in draft.matches.values():
        for m in found:
            if (m.proposed or m.doubtful) and m.ref not in seen:
                seen[m.ref] = m
    for m in draft.proposed:
        seen.setdefault(m.ref, m)
    return [(m, draft.matcher.candidates(m.phrase) if draft.matcher else []) for m in seen.values()]


def apply(draft: Draft, form: Mapping[str, str]) -> Draft:
    """The draft with the form's values, each task's units and roles, then each name's chosen unit."""
    for v in values(draft):
        if v.name in form:
            _set(draft.data, v.path, form[v.name].strip())
    for i, task in enumerate(draft.data["tasks"]):
        rows = {str(r.row): (r.ref, r.role) for r in unit_rows(draft, i)}
        posted = sorted({m[1] for k in form if (m := re.fullmatch(rf"dv__{i}__(\d+)", k))} - set(rows), key=int)
        rows |= {row: ("", COORDINATING) for row in [*posted, NEW_ROW]}
        chosen = [(form.get(f"dv__{i}__{row}", ref), form.get(f"vt__{i}__{row}", role)) for row, (ref, role) in rows.items()]
        lead = list(dict.fromkeys(ref for ref, role in chosen if ref and role == LEAD))
        coordinating = [ref for ref in dict.fromkeys(ref for ref, role in chosen if ref and role == COORDINATING)
                        if ref not in lead]
        task["lead"] = lead
        task.pop("coordinating", None)
        if coordinating:
            task["coordinating"] = coordinating
    units = {m.ref: form[f"don_vi__{m.ref}"] for m, _ in to_confirm(draft) if form.get(f"don_vi__{m.ref}")}
    return _swapped(draft, units)


def _swapped(draft: Draft, units: dict[str, str]) -> Draft:
    """Each ref the clerk matched to a directory unit replaced by it, wherever the draft holds it."""
    def swap(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: swap(v, k) for k, v in value.items()}
        if isinstance(value, list):
            items = [swap(v, key) for v in value]
            return list(dict.fromkeys(items)) if key in UNIT_KEYS else items
        return units.get(value, value) if key in UNIT_KEYS and isinstance(value, str) else value

    draft.data = swap(draft.data)
    draft.proposed = [m for m in draft.proposed if units.get(m.ref, m.ref) == m.ref]
    return draft


def _set(data: dict[str, Any], path: Path_, text: str) -> None:
    """Write one value; a blank one removes an optional key, digits become a number where one was."""
    node: Any = data
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if not text:
        if isinstance(node, dict):
            node.pop(last, None)
        return
    node[last] = int(text) if text.isdigit() and isinstance(node.get(last), int) else text


def _how(m: Match | None) -> tuple[str, bool]:
    if m is None:
        return "mục không ghi; lấy theo phần Tổ chức thực hiện", True
    if m.proposed:
        return f"“{m.phrase}”: chưa có trong danh bạ, đề xuất thêm mới", True
    return f"“{m.phrase}”: khớp {m.score:.0f}%", m.doubtful
