"""Cross-checks of a plan's report forms: what the schema alone cannot see.

A formula or rule must name data elements the plan declares, with parts they have, and
compute only with numbers (never divide by, or compare with, a text answer); a data element
may be split only by a declared disaggregation; a "trong đó" figure (``part_of``) is a number
part of another number, on the same reports from the same units; a unit named in ``submitted_by`` must report
the report, or it would silently never be asked. Every issue carries file, line and YAML path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kehoach.errors import PlanIssue
from kehoach.plans import formulas
from kehoach.plans.directory import Directory
from kehoach.plans.model import Comparison, IndicatorKind, Plan

if TYPE_CHECKING:
    from kehoach.plans.loader import YamlDoc

Loc = tuple[str | int, ...]
NOT_A_NUMBER = {IndicatorKind.TEXT: "văn bản", IndicatorKind.FLAG: "có/không"}


def check_forms(doc: YamlDoc, plan: Plan, directory: Directory | None) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    elements = {i.id: i for i in plan.indicators}
    declared = {d.id for d in plan.disaggregations}
    for name in ("disaggregations", "computed"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(plan, name)):
            if item.id in seen:
                issues.append(doc.issue((name, i, "id"), f"mã '{item.id}' trong {name} bị trùng"))
            seen.add(item.id)
    for i, ind in enumerate(plan.indicators):
        if ind.disaggregation and ind.disaggregation not in declared:
            issues.append(doc.issue(("indicators", i, "disaggregation"),
                                    f"cách phân tổ '{ind.disaggregation}' chưa được khai báo trong disaggregations"))
        if ind.part_of is None:
            continue
        parent = elements.get(ind.part_of)
        if parent is None or parent.id == ind.id:
            why = "không có trong indicators" if parent is None else "không thể là phần 'trong đó' của chính nó"
            issues.append(doc.issue(("indicators", i, "part_of"), f"chỉ tiêu '{ind.part_of}' {why}"))
        elif ind.kind in NOT_A_NUMBER or parent.kind in NOT_A_NUMBER:
            issues.append(doc.issue(("indicators", i, "part_of"),
                                    f"'trong đó' chỉ dùng giữa hai số liệu: '{ind.id}' và '{ind.part_of}'"))
        elif not set(ind.reports) <= set(parent.reports) or set(ind.submitted_by) != set(parent.submitted_by):
            issues.append(doc.issue(("indicators", i, "part_of"),
                                    f"chỉ tiêu '{ind.id}' là phần 'trong đó' của '{ind.part_of}' nên phải thuộc các báo cáo "
                                    f"của '{ind.part_of}' và do cùng đơn vị nộp (reports, submitted_by)"))

    def formula(loc: Loc, text: str | None, what: str) -> None:
        if text is None:
            return
        tree = formulas.parse(text)  # the schema already refused text that does not parse
        for literal in formulas.text_constants(tree):
            issues.append(doc.issue(loc, f"{what} dùng văn bản '{literal}' thay cho một số"))
        divisors = {str(r) for node in formulas.divisors(tree) for r in formulas.refs(node)}
        for ref in formulas.refs(tree):
            ind = elements.get(ref.element)
            if ind is None:
                issues.append(doc.issue(loc, f"{what} nhắc đến chỉ tiêu '{ref.element}' không có trong indicators"))
            elif ind.kind in NOT_A_NUMBER:
                kind = NOT_A_NUMBER[ind.kind]
                if what == "quy tắc":
                    message = f"quy tắc so sánh số với chỉ tiêu {kind} '{ref.element}'"
                elif loc[-1] == "denominator" or str(ref) in divisors:
                    message = f"công thức chia cho chỉ tiêu {kind} '{ref.element}'"
                else:
                    message = f"công thức dùng chỉ tiêu {kind} '{ref.element}' như một số"
                issues.append(doc.issue(loc, message))
            elif ref.part is not None and ref.part not in [o.id for o in ind.parts]:
                have = ", ".join([o.id for o in ind.parts]) or "không chia nhóm"
                issues.append(doc.issue(loc, f"chỉ tiêu '{ref.element}' không có phần '{ref.part}' ({have})"))

    def comparison(loc: Loc, c: Comparison, what: str) -> None:
        formula((*loc, "left"), c.left, what)
        formula((*loc, "right"), c.right, what)

    for i, ci in enumerate(plan.computed):
        formula(("computed", i, "numerator"), ci.numerator, "công thức")
        formula(("computed", i, "denominator"), ci.denominator, "công thức")
        if ci.caution:
            comparison(("computed", i, "caution"), ci.caution, "công thức")
    for i, rule in enumerate(plan.rules):
        comparison(("rules", i), rule, "quy tắc")
    if directory is not None:
        issues += _unasked_units(doc, plan, directory)
    return issues


def _unasked_units(doc: YamlDoc, plan: Plan, directory: Directory) -> list[PlanIssue]:
    """A ``submitted_by`` unit that reports none of the indicator's reports is never asked for it."""
    issues = []
    reporting = {r.id: {u.id for u in directory.resolve(r.units)} for r in plan.reports}
    for i, ind in enumerate(plan.indicators):
        for j, ref in enumerate(ind.submitted_by):
            if not directory.knows(ref):
                continue  # check_references names it
            units = {u.id for u in directory.resolve([ref])}
            for rid in ind.reports:
                if rid in reporting and not units & reporting[rid]:
                    issues.append(doc.issue(("indicators", i, "submitted_by", j),
                                            f"đơn vị '{ref}' không phải báo cáo '{rid}', nên sẽ không bao giờ "
                                            f"được hỏi chỉ tiêu '{ind.id}'"))
    return issues
