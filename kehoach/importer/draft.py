"""Everything the rules read, assembled into one draft plan in the current plan schema.

The draft is plain data in the order of a hand-written plan file, plus review notes (the
YAML path of every value the importer is unsure of, and why) and the units it proposes to
add to the directory. ``render.py`` writes it; nothing here touches a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kehoach.importer import closing as closing_
from kehoach.importer.document import Line
from kehoach.importer.duties import Duty, default_lead, office, plan_units, read_duties
from kehoach.importer.errors import DocumentError
from kehoach.importer.events import find_campaigns, find_occasions
from kehoach.importer.header import read_header, year_hint
from kehoach.importer.items import Item, parse_items
from kehoach.importer.reports import REGIME_ONLY, complete, read_reports
from kehoach.importer.sections import Kind, split
from kehoach.importer.text import fold, slug, words
from kehoach.importer.timing import DayMonthYear, dated_steps, read_timing
from kehoach.importer.units import Match, UnitMatcher
from kehoach.importer.vocabulary import CAMPAIGNS, LEVELS
from kehoach.plans.directory import Directory
from kehoach.plans.model import Cadence, PeriodKind

_SPAN = re.compile(r"\bgiai doan\s+(\d{4})\s*(?:-|–|—|den)?\s*(\d{4})\b")
Path_ = tuple[str | int, ...]


@dataclass
class Draft:
    data: dict[str, Any]
    reviews: list[tuple[Path_, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # plan-wide remarks, written at the top
    proposed: list[Match] = field(default_factory=list)
    proposed_groups: set[str] = field(default_factory=set)
    matched: int = 0
    matches: dict[Path_, list[Match]] = field(default_factory=dict)  # how each unit field's names were read
    matcher: UnitMatcher | None = None  # for a clerk's candidates when correcting a match

    def review(self, path: Path_, reason: str) -> None:
        self.reviews.append((path, reason))

    @property
    def deadlines(self) -> int:
        d = self.data
        return (sum(1 for t in d["tasks"] if t.get("due")) + sum(len(t.get("milestones", [])) for t in d["tasks"])
                + sum(2 if r.get("upward") else 1 for r in d["reports"])
                + len(d["campaigns"]) + len(d["occasions"]))


def build_draft(lines: list[Line], name: str, directory: Directory, plan_id: str | None = None) -> Draft:
    layout = split(lines, name)
    header = read_header(layout.header, layout.closing)
    matcher = UnitMatcher(directory)
    place = header.place or ""
    locality = re.sub(rf"^(?:{'|'.join(LEVELS)})\s+", "", place, flags=re.IGNORECASE) if place else ""
    draft = Draft({}, matcher=matcher)
    phrases = [p for p in (header.issuer_phrase, *header.top[-1:], " ".join(header.top[-2:])) if p]
    found = [m for p in phrases if (m := matcher.best_issuer(p, locality)) is not None]
    issuer = max(found, key=lambda m: m.score) if found else None
    if issuer is None:
        issuer = matcher.propose(header.issuer_phrase or f"Cơ quan ban hành {locality}".strip())
    matcher.set_issuer(issuer.ref, locality, _level(header.issuer_phrase or "", place))

    by_section = [(s.number, read_duties(parse_items(s.lines)[1], matcher)) for s in layout.of(Kind.ORGANISATION)]
    duties = [d for _, found in by_section for d in found]
    closing_text = closing_.closing_paragraph(layout.closing)
    sentences = [s for d in duties for s in _sentences(d.text)] + _sentences(closing_text)
    reports, via = read_reports(sentences, matcher, issuer.ref)
    office_ = office(duties, via, matcher.is_group)
    lead_default = default_lead(duties)
    units = plan_units(duties)

    year = header.year or year_hint(header.title or "") or date.today().year
    d = draft.data
    span = _span_years(header.title or "")
    d["id"] = plan_id or f"{span[0] if span else year}-{issuer.ref}-{slug(header.title or 'ke-hoach', 30)}"
    d["title"] = header.title or ""
    if not header.title:
        draft.review(("title",), "không tìm thấy trích yếu sau dòng \"KẾ HOẠCH\"")
    d["symbol"] = header.symbol or "KH"
    if not header.symbol:
        draft.review(("symbol",), "không tìm thấy dòng \"Số: …/KH-…\"")
    d["number"] = header.number
    d["issuer"] = issuer.ref
    _unit_review(draft, ("issuer",), issuer)
    d["place"] = place
    d["issued"] = header.issued or f"năm {year}"
    d["year"] = year
    if span:
        d["year"], d["years"] = span[0], f"{span[0]}–{span[1]}"
    if header.day and header.month:
        d["effective_from"] = f"{header.day:02d}/{header.month:02d}/{year}"
    else:
        month = header.month or 12
        first = date(year + month // 12, month % 12 + 1, 1)
        d["effective_from"] = first.strftime("%d/%m/%Y")
        draft.review(("effective_from",), "văn bản chưa ghi ngày ban hành; tạm lấy ngày đầu tháng sau tháng ghi trên văn bản")
    if header.issued is None:
        draft.review(("issued",), "không tìm thấy dòng địa danh, ngày tháng năm")
    elif "issued" in header.reviews:
        draft.review(("issued",), header.reviews["issued"])
    if header.parent:
        p = header.parent
        d["parent_plan"] = {"number": p.number, "date": p.date, "issuer": p.issuer, "title": p.title}
    office_ref = office_.ref if office_ else (lead_default[0] if lead_default else issuer.ref)
    d["office"] = office_ref
    if office_ is None:
        draft.review(("office",), "không rõ đơn vị theo dõi, tổng hợp; tạm lấy đơn vị chủ trì")
    d["units"] = units or [office_ref]
    if not units:
        draft.review(("units",), "phần Tổ chức thực hiện không nêu đơn vị nào")

    campaigns = find_campaigns(_all_texts(layout))
    d["tasks"] = []
    for section in layout.of(Kind.CONTENT):
        preamble, items = parse_items(section.lines)
        if not items:  # a section of bullets only: each bullet is an item
            items = [Item(str(n), text[:200]) for n, text in enumerate(preamble, 1)]
        for item in items:
            for number, task_item in _task_items(item):
                _add_task(draft, matcher, f"{section.number}.{number}", task_item, lead_default, campaigns)
    for number, found in by_section:
        for duty in found:
            if duty.per_unit and duty.units:
                _add_duty_task(draft, f"{number}.{duty.number}", duty)
    if not d["tasks"]:
        raise DocumentError(name, "không tìm thấy nhiệm vụ nào có đánh số (1., 2., …) trong phần nội dung")

    d["reports"] = []
    for period, r in reports.items():
        complete(r, year)
        i = len(d["reports"])
        due = r.units_rule or (r.units_due.day_month if r.units_due else None)
        if due is None:
            continue
        if period == "?":
            period = PeriodKind.ANNUAL.value if r.units_due and r.units_due.month >= 9 else PeriodKind.SEMIANNUAL.value
            draft.review(("reports", i, "period"), "kế hoạch không nói báo cáo kỳ nào; đoán theo tháng của hạn")
        report: dict[str, Any] = {
            "id": {"6_thang": "bc-6-thang", "nam": "bc-nam"}.get(period, f"bc-{slug(period)}"),
            "title": f"Báo cáo {_PERIOD_WORDS.get(period, '')}kết quả {_lower_first(d['title'])}".strip(),
            "period": period,
            "units": [u for u in units if u != office_ref] or units or [office_ref],
            "to": office_ref,
            "due": due,
        }
        if period == PeriodKind.ONE_OFF.value and r.units_due:
            written = r.units_due.year is not None
            report["due"] = f"{r.units_due.day_month}/{r.units_due.year or year}"
            report["window"] = {"from": d["effective_from"], "to": report["due"]}
            draft.review(("reports", i, "window"), "kế hoạch không ghi kỳ số liệu của báo cáo chuyên đề; tạm lấy từ "
                                                   "ngày hiệu lực đến hạn báo cáo")
            if not written:
                draft.review(("reports", i, "due"), f"báo cáo chuyên đề hạn {r.units_due.day_month} không ghi năm; "
                                                    f"tạm lấy năm {year}")
        upward_due = r.upward_rule or (r.upward_due.day_month if r.upward_due else None)
        if r.upward_to and upward_due:
            report["upward"] = {"to": r.upward_to, "unit": r.upward_unit.ref if r.upward_unit else None,
                                "due": upward_due}
            if r.upward_unit is None:
                draft.review(("reports", i, "upward", "unit"), f"'{r.upward_to}' không có trong danh bạ")
        if period == PeriodKind.CAMPAIGN.value and campaigns:
            report["campaign"] = _campaign_id(campaigns, 0)
        for key, reason in r.reviews.items():
            draft.review(("reports", i, "upward", "due") if key == "upward" else ("reports", i, key), reason)
        d["reports"].append(report)
    if not d["reports"] and REGIME_ONLY.search(fold(" ".join(sentences))):
        draft.notes.append("kế hoạch chỉ ghi \"chế độ thông tin, báo cáo theo quy định\", không ghi hạn: thêm báo cáo "
                           "6 tháng / năm theo Nghị định 09/2019/NĐ-CP với hạn do cơ quan cấp trên quy định")

    d["campaigns"] = []
    for i, c in enumerate(campaigns):
        task = next((t for t in d["tasks"] if t["cadence"] == Cadence.CAMPAIGN.value), None)
        cu = (task["lead"] + task.get("coordinating", [])) if task and not task.get("_lead_inferred") else units
        d["campaigns"].append({"id": _campaign_id(campaigns, i), "title": c.title, "start": c.start.day_month,
                               "end": c.end.day_month, "units": list(dict.fromkeys(cu or [office_ref])),
                               "activities": task["content"][:5] if task else []})
        for key, reason in c.reviews.items():
            draft.review(("campaigns", i, key), reason)

    texts = _task_texts(d["tasks"])
    d["occasions"] = []
    for o in find_occasions([t for t, _ in texts]):
        lead = texts[o.context][1]
        d["occasions"].append({"id": slug(o.title, 40), "title": f"{o.title} ({o.day:02d}/{o.month})",
                               "date": f"{o.day:02d}/{o.month:02d}", "units": list(dict.fromkeys([*lead, office_ref]))})

    d["recipients"] = []
    for i, rc in enumerate(closing_.recipients(layout.closing)):
        entry: dict[str, Any] = {"name": rc.name}
        if not rc.archive and words(rc.name).startswith("nhu "):
            entry["units"] = list(units)
            draft.review(("recipients", i, "units"), f"\"{rc.name}\": lấy các đơn vị của phần Tổ chức thực hiện")
        elif not rc.archive:
            found = matcher.match_list(rc.name)
            entry["units"] = [m.ref for m in found]
            for m in found:
                _unit_review(draft, ("recipients", i, "units"), m)
        if rc.note:
            entry["note"] = rc.note
        d["recipients"].append(entry)
    if not d["recipients"]:
        d["recipients"] = [{"name": "Lưu: VT"}]
        draft.review(("recipients",), "không tìm thấy phần \"Nơi nhận\"")

    s = closing_.signer(layout.closing)
    if s is None:
        d["signer"] = {"authority": "", "title": "", "name": ""}
        draft.review(("signer",), "không tìm thấy khối chữ ký")
    else:
        d["signer"] = {"authority": s.authority, "title": s.title, "name": s.name}
        if s.position:
            d["signer"]["position"] = s.position
    for t in d["tasks"]:
        t.pop("_lead_inferred", None)
    for ref, m in matcher.proposed.items():
        draft.proposed.append(m)
        if matcher.is_group(ref):
            draft.proposed_groups.add(ref)
    return draft


def _level(issuer_phrase: str, place: str) -> str | None:
    """The issuer's administrative level ("xa", "phuong", "tinh" …), as its name or place says."""
    for text in (issuer_phrase, place):
        folded = f" {words(text)} "
        for level in LEVELS:
            if f" {level} " in folded and level != "tp":
                return level
    return None


def _span_years(title: str) -> tuple[int, int] | None:
    """"Giai đoạn 2026–2030" in the title: the plan's obligations repeat in each of those years."""
    m = _SPAN.search(words(title))
    return (int(m[1]), int(m[2])) if m and int(m[1]) < int(m[2]) else None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+|\n", text) if s.strip()]


def _all_texts(layout: Any) -> list[str]:
    return [line.text for s in layout.sections for line in s.lines] + [s.title for s in layout.sections]


def _task_items(item: Item) -> list[tuple[str, Item]]:
    """The item itself, or its sub-items when they carry their own lead or timing."""
    if item.children and any(c.attrs for c in item.children):
        return [(f"{item.number}.{c.number}" if not c.number.startswith(item.number + ".") else c.number, c)
                for c in item.children]
    return [(item.number, item)]


def _add_task(draft: Draft, matcher: UnitMatcher, section: str, item: Item, lead_default: list[str],
              campaigns: list[Any]) -> None:
    tasks = draft.data["tasks"]
    i = len(tasks)
    content = item.body + [c.title for c in item.children] + [b for c in item.children for b in c.body]
    title = item.title or (content[0] if content else section)
    task: dict[str, Any] = {"id": _task_id(tasks, section, title), "section": section, "title": title,
                            "content": content or [title]}
    leads = [m for v in item.attrs.get("lead", []) for m in matcher.match_list(v)]
    if leads:
        task["lead"] = [m.ref for m in leads]
        for m in leads:
            _unit_review(draft, ("tasks", i, "lead"), m)
    else:
        task["lead"] = lead_default or [draft.data["office"]]
        task["_lead_inferred"] = True
        draft.review(("tasks", i, "lead"), "mục này không ghi đơn vị chủ trì; lấy theo phần Tổ chức thực hiện")
    coordinating = [m for v in item.attrs.get("coordinating", []) for m in matcher.match_list(v)]
    if coordinating:
        task["coordinating"] = [m.ref for m in coordinating if m.ref not in task["lead"]]
        for m in coordinating:
            _unit_review(draft, ("tasks", i, "coordinating"), m)
    timing_text = " ".join(item.attrs.get("timing", []))
    timing = read_timing(timing_text or title)
    campaign_words = tuple(CAMPAIGNS)
    steps = dated_steps(item.attrs.get("timing") or [c for c in content if "bao cao" not in fold(c)])
    if len(steps) > 1:
        task["cadence"] = Cadence.BY_DATE.value
        task["milestones"] = [_milestone(draft, (i, k), title or f"Mốc {k + 1}", due, timing.yearly)
                              for k, (title, due) in enumerate(steps)]
    elif timing.window is not None:
        task["cadence"] = Cadence.BY_DATE.value
        task["window"] = timing.window
    elif timing.dated and (timing_text or not any(k in words(title) for k in campaign_words)):
        due = timing.due or timing.end
        task["cadence"] = Cadence.BY_DATE.value
        task["due"] = due.day_month  # type: ignore[union-attr]
        if due.year is not None and "years" in draft.data:  # type: ignore[union-attr]
            task["due"] += f"/{due.year}"  # type: ignore[union-attr]  # once, not every year of the span
        if due.year is None and not timing.yearly:  # type: ignore[union-attr]
            draft.review(("tasks", i, "due"), f"ngày {due.day_month} không ghi năm")  # type: ignore[union-attr]
    elif timing.cadence is not None:
        task["cadence"] = timing.cadence.value
        if timing.day_in_period:
            draft.review(("tasks", i, "cadence"), f"hạn \"ngày {timing.day_in_period}\" của mỗi kỳ chưa có trường "
                                                  "riêng trong lược đồ; ghi nhận ở đây")
    elif campaigns and any(words(title).find(k) >= 0 for k in campaign_words):
        task["cadence"] = Cadence.CAMPAIGN.value
    else:
        task["cadence"] = Cadence.CONTINUOUS.value
        draft.review(("tasks", i, "cadence"), "mục này không ghi thời gian thực hiện; tạm coi là thường xuyên")
    tasks.append(task)


def _milestone(draft: Draft, at: tuple[int, int], title: str, due: DayMonthYear, yearly: bool) -> dict[str, str]:
    """One dated step of task ``at[0]``: once (dd/mm/yyyy) when the text writes the year, else every year."""
    if due.year is None and not yearly:
        draft.review(("tasks", at[0], "milestones", at[1], "due"), f"ngày {due.day_month} không ghi năm")
    return {"title": title, "due": f"{due.day_month}/{due.year}" if due.year else due.day_month}


def _add_duty_task(draft: Draft, section: str, duty: Duty) -> None:
    tasks = draft.data["tasks"]
    i = len(tasks)
    timing = read_timing(" ".join(duty.lines))
    tasks.append({"id": _task_id(tasks, section, duty.heading), "section": section, "title": duty.heading,
                  "content": duty.lines, "lead": [m.ref for m in duty.units],
                  "cadence": (timing.cadence or Cadence.CONTINUOUS).value})
    for m in duty.units:
        _unit_review(draft, ("tasks", i, "lead"), m)


def _task_id(tasks: list[dict[str, Any]], section: str, title: str) -> str:
    base = f"{slug(section.replace('.', '-'))}-{slug(' '.join(words(title).split()[:4]), 40)}"
    taken = {t["id"] for t in tasks}
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    return out


def _unit_review(draft: Draft, path: Path_, m: Match) -> None:
    draft.matches.setdefault(path, []).append(m)
    if m.proposed:
        draft.review(path, f"'{m.phrase}' chưa có trong danh bạ: đề xuất thêm đơn vị mới '{m.ref}'")
    elif m.doubtful:
        draft.review(path, f"'{m.phrase}' khớp '{m.name}' với độ tin cậy thấp ({m.score:.0f}%)")
    else:
        draft.matched += 1


def _campaign_id(campaigns: list[Any], i: int) -> str:
    return "thang-hanh-dong" if len(campaigns) == 1 and campaigns[0].key.startswith("thang hanh dong") else slug(
        campaigns[i].title, 40)


def _task_texts(tasks: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(" ".join([t["title"], *t["content"]]), t["lead"]) for t in tasks]


_PERIOD_WORDS = {PeriodKind.MONTHLY.value: "tháng ", PeriodKind.QUARTERLY.value: "quý ",
                 PeriodKind.ONE_OFF.value: "chuyên đề "}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
