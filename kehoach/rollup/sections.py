"""The words of the báo cáo, section by section, independent of the file format.

Sections follow REPORTING.md ("Sections of the consolidated báo cáo"): results task by task
with the plan's own task headings, the computed indicators, funds, the overall assessment,
next steps and recommendations. Narratives are placed by their data element: one with a
``rollup_section`` goes to that section, any other text under the task it gives evidence for.
Figures that break a validation rule are listed for the office to check, and the computed
indicators they feed are withheld rather than printed impossible.
"""

from __future__ import annotations

from kehoach.plans.model import IndicatorKind, Recipient, RollupSection
from kehoach.rollup.build import Rollup
from kehoach.rollup.totals import Breach, IndicatorTotal, Narrative
from kehoach.submissions.forms import narrated_in

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
PENDING = "(Chưa có nội dung từ các đơn vị; Văn phòng bổ sung.)"

Line = tuple[str, str]  # ("heading" | "subheading" | "text", words)


def fmt(n: int | None) -> str:
    return "" if n is None else f"{n:,}".replace(",", ".")


def subject_of(r: Rollup) -> str:
    """The trích yếu: "Kết quả … năm 2026"."""
    title = r.period.report.title.strip()
    for prefix in ("Báo cáo ", "báo cáo "):
        title = title.removeprefix(prefix)
    title = title[:1].upper() + title[1:]
    return title if str(r.period.year) in title else f"{title} {r.period.label}"


def reported_on(r: Rollup) -> str:
    """What the báo cáo reports on, after "kết quả thực hiện": the campaign and its year for a
    campaign's report ("Tháng hành động vì bình đẳng giới năm 2026"), else the period ("năm 2026")."""
    campaign_id = r.period.report.campaign
    if campaign_id is None:
        return r.period.label
    title = r.plan.campaign(campaign_id).title.strip()
    return title if str(r.period.year) in title else f"{title} năm {r.period.year}"


def total_sentence(t: IndicatorTotal, note: str = "") -> str:
    uom = f" {t.indicator.unit_of_measure}" if t.indicator.unit_of_measure else ""
    tail = f" ({note})." if note else "."
    if t.indicator.kind is IndicatorKind.FLAG:
        return f"- {t.indicator.label}: {t.yes}/{len(t.reported_by)} đơn vị trả lời có{tail}"
    parts = "; ".join(f"{o.label[:1].lower()}{o.label[1:]}: {fmt(t.parts.get(o.id, 0))}" for o in t.indicator.parts)
    return f"- {t.indicator.label}: {fmt(t.total)}{uom}{f' ({parts})' if parts else ''}{tail}"


def breach_sentence(b: Breach) -> str:
    """One line per breach, e.g. "- Công an xã: Số nạn nhân được hỗ trợ … (12 <= 9 không đúng)"."""
    who = b.unit_name or "Số liệu tổng hợp của các đơn vị"
    return f"- {who}: {b.rule.message} ({fmt_number(b.left)} {b.rule.operator.value} {fmt_number(b.right)} không đúng)."


def fmt_number(x: float) -> str:
    return fmt(int(x)) if float(x).is_integer() else f"{x:.1f}".replace(".", ",")


def _narrative_lines(items: list[Narrative]) -> list[Line]:
    return [("text", f"- {n.unit_name}: {n.text}") for n in items]


def _office_then_units(office: list[str], units: list[Narrative]) -> list[Line]:
    """The office's own paragraphs, then what the units wrote; the placeholder when both are empty."""
    return [("text", p) for p in office] + _narrative_lines(units) or [("text", PENDING)]


def recipients(r: Rollup) -> list[str]:
    """"Nơi nhận": the body reported to first, then the plan's own lines, each body once."""
    lines = []
    upward = r.period.report.upward
    if upward:
        lines.append(f"- {upward.to};")

    def same_as_upward(x: Recipient) -> bool:
        return upward is not None and (x.name.casefold() == upward.to.casefold()
                                       or (upward.unit is not None and upward.unit in x.units))

    lines += [f"- {x.name};" for x in r.plan.recipients if not x.name.startswith("Lưu") and not same_as_upward(x)]
    lines.append("- Lưu: VT.")
    return lines


def body_sections(r: Rollup) -> list[Line]:
    plan, period, status = r.plan, r.period, r.status
    lines: list[Line] = []
    cite = f"Thực hiện {plan.label}"
    if plan.parent_plan:
        pp = plan.parent_plan
        cite = f"Thực hiện Kế hoạch số {pp.number} ngày {pp.date:%d/%m/%Y} của {pp.issuer}; {plan.label}"
    lines.append(("text", f"{cite} về {plan.title[:1].lower()}{plan.title[1:]}; "
                          f"{r.body_name} báo cáo kết quả thực hiện {reported_on(r)} như sau:"))

    by_text = {key: [n for n in r.narratives if n.indicator.rollup_section is key] for key in RollupSection}
    numbers = [t for t in r.totals if t.reported_by and t.indicator.kind is not IndicatorKind.MONEY]
    n = 0

    def heading(text: str) -> None:
        nonlocal n
        lines.append(("heading", f"{ROMAN[n]}. {text}"))
        n += 1

    office = r.texts.section("dac_diem_tinh_hinh")
    if office:
        heading("ĐẶC ĐIỂM TÌNH HÌNH")
        lines += [("text", p) for p in office]

    def sentence(t: IndicatorTotal) -> Line:
        return ("text", total_sentence(t, r.texts.note(t.id)))

    campaign = plan.campaign(period.report.campaign) if period.report.campaign else None
    # a campaign's report follows the campaign's outline (REPORTING.md): direction, results, funds,
    # assessment, recommendations; no targets or next period unless a unit wrote to them
    direction = r.texts.section("chi_dao")
    if campaign is not None or direction:
        heading("CÔNG TÁC CHỈ ĐẠO")
        lines += [("text", p) for p in direction] or [("text", PENDING)]
    heading(f"KẾT QUẢ TRIỂN KHAI {campaign.title.strip().upper()}" if campaign else "KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ")
    # The plan's own task section (II. NHIỆM VỤ …) always appears; duties from other
    # sections (IV. TỔ CHỨC THỰC HIỆN) only when a unit reported something for them.
    main_section = plan.tasks[0].section.split(".")[0]
    i = 0
    for task in plan.tasks:
        task_numbers = [t for t in numbers if t.indicator.task == task.id]
        task_texts = [x for x in r.narratives if x.indicator.task == task.id and x.indicator.rollup_section is None]
        if not narrated_in(plan, task, r.period.report) and not task_numbers and not task_texts:
            continue  # not this report's: a campaign's report tells only the campaign's tasks
        if task.section.split(".")[0] != main_section and not task_numbers and not task_texts:
            continue
        i += 1
        lines.append(("subheading", f"{i}. {task.title}"))
        lines += [sentence(t) for t in task_numbers]
        lines += _narrative_lines(task_texts)
        if not task_numbers and not task_texts:
            lines.append(("text", PENDING))
    loose = [t for t in numbers if t.indicator.task not in {x.id for x in plan.tasks}]
    loose_texts = [x for x in r.narratives if x.indicator.task is None and x.indicator.rollup_section is None]
    if loose or loose_texts:
        lines.append(("subheading", f"{i + 1}. Các kết quả khác" if i else "Các kết quả"))
        lines += [sentence(t) for t in loose] + _narrative_lines(loose_texts)
    elif not i:
        lines.append(("text", PENDING))

    if campaign is None or r.rates or r.breaches:
        heading("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    if r.rates:
        for rate in r.rates:
            value = f"{str(rate.value).replace('.', ',')} {rate.unit}".strip()
            if rate.withheld:
                lines.append(("text", f"- {rate.label}: {rate.note}."))
                continue
            note = f" ({rate.note})" if rate.note else ""
            lines.append(("text", f"- {rate.label}: {value}{note}."))
    elif campaign is None:
        lines.append(("text", "(Chưa đủ số liệu để tính các chỉ tiêu.)"))
    if r.breaches:
        lines.append(("subheading", "Số liệu cần kiểm tra lại"))
        lines += [("text", breach_sentence(b)) for b in r.breaches]

    heading("KINH PHÍ THỰC HIỆN")
    money = [t for t in r.totals if t.reported_by and t.indicator.kind is IndicatorKind.MONEY]
    lines += [sentence(t) for t in money] or [("text", PENDING)]

    heading("ĐÁNH GIÁ CHUNG")
    lines += [("text", p) for p in r.texts.section("danh_gia_chung")]
    lines.append(("subheading", "1. Ưu điểm"))
    lines += _narrative_lines(by_text[RollupSection.STRENGTHS]) or [("text", PENDING)]
    lines.append(("subheading", "2. Tồn tại, hạn chế và nguyên nhân"))
    lines += _narrative_lines(by_text[RollupSection.WEAKNESSES]) or [("text", PENDING)]
    lines.append(("subheading", "3. Việc thực hiện chế độ báo cáo của các đơn vị"))
    lines.append(("text", f"Có {len(status.submitted)}/{len(status.expected)} đơn vị gửi báo cáo "
                          f"(tỷ lệ đầy đủ {str(status.completeness).replace('.', ',')}%), trong đó "
                          f"{len(status.on_time)} đơn vị gửi đúng hạn (tỷ lệ đúng hạn "
                          f"{str(status.timeliness).replace('.', ',')}%), {len(status.late)} đơn vị gửi muộn."))
    if status.late:
        lines.append(("text", "Đơn vị gửi muộn: " + ", ".join(u.name for u in status.late) + "."))
    if status.missing:
        lines.append(("text", "Đơn vị chưa gửi báo cáo: " + ", ".join(u.name for u in status.missing) + "."))

    if campaign is None or r.texts.section("phuong_huong") or by_text[RollupSection.NEXT]:
        heading(f"PHƯƠNG HƯỚNG, NHIỆM VỤ {'6 THÁNG CUỐI NĂM ' + str(period.year) if period.report.period.value == '6_thang' else 'KỲ TỚI'}")
        lines += _office_then_units(r.texts.section("phuong_huong"), by_text[RollupSection.NEXT])
    heading("KIẾN NGHỊ, ĐỀ XUẤT")
    lines += _office_then_units(r.texts.section("kien_nghi"), by_text[RollupSection.RECOMMENDATIONS])
    lines.append(("text", f"Trên đây là báo cáo kết quả thực hiện {reported_on(r)} của {r.body_name}./."))
    return lines
