"""Report obligations: which period, who sends to whom, by which date, and what goes upward.

Read from every sentence of section IV and of the closing paragraph that asks for a report:
"định kỳ báo cáo 06 tháng trước ngày 30/5 và báo cáo năm trước ngày 30/11 hằng năm gửi Sở Nội
vụ" (the office's own deadlines upward), "gửi báo cáo về Ủy ban nhân dân xã (qua Phòng Văn hóa
- Xã hội xã) trước ngày 05/12/2026 để tổng hợp, báo cáo Sở Nội vụ" (the units' deadline, and
the upward recipient without a date). A date the plan does not write is proposed and marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from kehoach.importer.text import fold
from kehoach.importer.timing import YEARLY, DayMonthYear, all_dates_before
from kehoach.importer.units import Match, UnitMatcher
from kehoach.plans.model import PeriodKind

MARGIN_DAYS = 10  # between the units' deadline and the office's own, when the plan gives one only
_PERIODS = (
    (PeriodKind.ONE_OFF.value, re.compile(r"\bchuyen de\b")),
    (PeriodKind.CAMPAIGN.value, re.compile(r"thang hanh dong")),
    (PeriodKind.SEMIANNUAL.value, re.compile(r"\b(?:0?6|sau) thang\b")),
    (PeriodKind.QUARTERLY.value, re.compile(r"\bquy\b")),
    (PeriodKind.MONTHLY.value, re.compile(r"\b(?:hang|moi)\s+thang\b|\bbao cao thang\b")),
    (PeriodKind.ANNUAL.value, re.compile(r"\bnam\b")),
)
_SEND_TO = re.compile(r"gui\s+(?:bao cao\s+)?(?:(?:chuyen de|hang quy|hang thang|quy|thang)\s+)?(?:ve\s+)?(.+?)(?=\s+(?:de|tong hop|truoc|trong|cham nhat|theo|dinh ky|hang nam)\b|[;,.(]|$)")
_ABOUT_TO = re.compile(r"\bve\s+((?:uy ban|ubnd|van phong|phong|so|ban)\b.+?)(?=\s+(?:de|tong hop|truoc|theo|dinh ky)\b|[;,.(]|$)")
_VIA = re.compile(r"(?:\(|,)\s*(?:thong\s+)?qua\s+(.+?)(?=\)|[;,.]|\s+truoc\b|$)")
_UPWARD_AFTER = re.compile(r"tong hop,?\s*(?:va\s+)?bao cao\s+(?:ve\s+)?(.+?)(?=\s+theo\b|[;,.]|$)")
# Deadlines relative to each period, written as ``kehoach.plans.due_rules`` reads them.
_RELATIVE = re.compile(r"(?:truoc|cham nhat|han)\s+ngay\s+(\d{1,2})\s+(?:cua\s+)?(?:(hang|moi)\s+thang"
                       r"|thang\s+(cuoi|sau|tiep theo|ke tiep|lien sau)(?:\s+(quy|ky|nam))?)")
_WORKING = re.compile(r"(?:trong|truoc|cham nhat)?\s*(\d{1,2})\s+ngay\s+lam\s+viec\s+(?:sau|ke tu)")
REGIME_ONLY = re.compile(r"che do (?:thong tin, )?bao cao theo quy dinh")


@dataclass
class ReportText:
    period: str
    units_due: DayMonthYear | None = None
    upward_due: DayMonthYear | None = None
    units_rule: str | None = None  # a due rule relative to the period ("ngày 10 của tháng cuối kỳ")
    upward_rule: str | None = None
    upward_to: str | None = None
    upward_unit: Match | None = None
    to: Match | None = None
    reviews: dict[str, str] = field(default_factory=dict)


def _slice(text: str, folded_match: re.Match[str], group: int = 1) -> str:
    """The original words behind a match in the folded text (folding keeps every position)."""
    return text[folded_match.start(group):folded_match.end(group)].strip(" ,.;()")


def read_reports(sentences: list[str], matcher: UnitMatcher, issuer: str) -> tuple[dict[str, ReportText], Match | None]:
    """Reports by period, and the body reports go through ("qua …") when one is named."""
    found: dict[str, ReportText] = {}
    via: Match | None = None
    for sentence in sentences:
        text = " ".join(sentence.split())
        folded = _fold_keep(text)
        if "bao cao" not in folded and "gui ket qua" not in folded:
            continue
        if m := _VIA.search(folded):
            via = via or matcher.match(_slice(text, m))
        send = _SEND_TO.search(folded) or _ABOUT_TO.search(folded)
        recipient = matcher.match(_slice(text, send)) if send else None
        internal = recipient is not None and not recipient.proposed and _inside(recipient.ref, matcher, issuer)
        upward_name = None if internal or recipient is None else _slice(text, send)
        if (after := _UPWARD_AFTER.search(folded)) and upward_name is None:
            upward_name = _slice(text, after)
        if recipient is None and upward_name is None:
            internal = True  # a date with no recipient named is the units' own deadline
        dates = all_dates_before(text)
        for pos, when in dates:
            period = _period(folded[:pos])
            r = found.setdefault(period, ReportText(period))
            if when.year is None and not YEARLY.search(folded):
                r.reviews["due"] = f"ngày {when.day_month} không ghi năm và không ghi \"hằng năm\""
            if internal:
                r.units_due = when
            else:
                r.upward_due = when
            if upward_name:
                r.upward_to = upward_name
        rules = relative_rules(folded)
        for pos, rule, hinted in rules:
            period = _period(folded[:pos])
            r = found.setdefault(hinted if period == "?" else period, ReportText(hinted if period == "?" else period))
            if internal:
                r.units_rule = rule
            else:
                r.upward_rule = rule
            if upward_name:
                r.upward_to = upward_name
        if not dates and not rules and upward_name and found:
            for r in found.values():
                r.upward_to = r.upward_to or upward_name
    for r in found.values():
        if r.upward_to:
            m = matcher.match(r.upward_to)
            r.upward_unit = m if not m.proposed else None
    return found, via


def relative_rules(folded: str) -> list[tuple[int, str, str]]:
    """Every period-relative deadline of a sentence: (position, due rule text, period it implies)."""
    out = []
    for m in _RELATIVE.finditer(folded):
        if m[2]:  # "ngày 25 hằng tháng": the month the monthly window closes in
            out.append((m.start(), f"ngày {int(m[1])} của tháng cuối kỳ", PeriodKind.MONTHLY.value))
        elif m[3] == "cuoi":
            implied = PeriodKind.ANNUAL.value if m[4] == "nam" else PeriodKind.QUARTERLY.value if m[4] == "quy" else "?"
            out.append((m.start(), f"ngày {int(m[1])} của tháng cuối kỳ", implied))
        else:
            out.append((m.start(), f"ngày {int(m[1])} của tháng sau", PeriodKind.MONTHLY.value))
    for m in _WORKING.finditer(folded):
        out.append((m.start(), f"{int(m[1])} ngày làm việc sau ngày chốt số liệu", "?"))
    return out


def complete(r: ReportText, year: int) -> None:
    """Fill the date the plan leaves out from the one it gives, and say so."""
    if r.units_rule or r.upward_rule:
        if r.units_rule is None and r.units_due is None:
            r.units_rule = r.upward_rule
            r.reviews["due"] = "kế hoạch không ghi hạn các đơn vị gửi báo cáo; tạm lấy hạn báo cáo lên trên"
        if r.upward_to and r.upward_rule is None and r.upward_due is None:
            r.reviews["upward"] = f"kế hoạch không ghi hạn báo cáo {r.upward_to}; tạm lấy hạn của các đơn vị"
            r.upward_rule = r.units_rule
        return
    if r.units_due is None and r.upward_due is not None:
        r.units_due = _shift(r.upward_due, -MARGIN_DAYS, year)
        r.reviews["due"] = (f"kế hoạch không ghi hạn các đơn vị gửi báo cáo; đề xuất {MARGIN_DAYS} ngày trước "
                            f"hạn báo cáo lên trên ({r.upward_due.day_month})")
    if r.upward_to and r.upward_due is None and r.units_due is not None:
        r.upward_due = _shift(r.units_due, MARGIN_DAYS, year)
        r.reviews["upward"] = (f"kế hoạch không ghi hạn báo cáo {r.upward_to}; đề xuất {MARGIN_DAYS} ngày sau "
                               f"hạn các đơn vị ({r.units_due.day_month})")


def _shift(d: DayMonthYear, days: int, year: int) -> DayMonthYear:
    moved = date(d.year or year, d.month, d.day) + timedelta(days=days)
    return DayMonthYear(moved.day, moved.month, moved.year)


def _period(before: str) -> str:
    """The period word right after the last "báo cáo" before a date."""
    at = before.rfind("bao cao")
    window = before[at:] if at >= 0 else before[-40:]
    found = [(m.end(), -i, period) for i, (period, pattern) in enumerate(_PERIODS) for m in pattern.finditer(window)]
    return max(found)[2] if found else "?"


def _inside(ref: str, matcher: UnitMatcher, issuer: str) -> bool:
    """The issuer itself, a unit under it, or a group of such units: a report sent there stays inside."""
    directory = matcher.directory
    if directory.is_group(ref):
        return any(_inside(u.id, matcher, issuer) for u in directory.members(ref))
    parents = {u.id: u.parent for u in directory.units}
    seen: set[str] = set()
    current: str | None = ref
    while current is not None and current not in seen:
        if current == issuer:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _fold_keep(text: str) -> str:
    """Folded text of the same length as ``text``, so match positions slice the original."""
    out = fold(text)
    return out if len(out) == len(text) else text.lower()
