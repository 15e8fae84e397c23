"""The draft báo cáo as a Word file, in the layout of Nghị định 30/2020/NĐ-CP, Phụ lục I.

The office reviews and signs it, so numbers and signature are left blank where the
Văn thư fills them in (số, ký hiệu; the signature). Times New Roman throughout: 12–13 pt in
the header, 14 pt in the body, A4 with 20/20/30/15 mm margins, page numbers from page 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from datetime import date
from functools import cache
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from kehoach.plans.model import DisaggregationOption
from kehoach.rollup.build import Rollup
from kehoach.rollup.sections import body_sections, recipients, reported_on, subject_of
from kehoach.rollup.totals import IndicatorTotal

FONT = "Times New Roman"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def vn_dated(place: str, d: date) -> str:
    """"Xã Yết Kiêu, ngày 05 tháng 12 năm 2026": leading zero below 10 and for months 1–2."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


@cache
def _run_properties(size: float, bold: bool, italic: bool) -> BaseOxmlElement:
    """A run's ``w:rPr`` for this font, as python-docx writes it, built once: its setters look
    for their place among the run's children at every call (a third of a 500-unit roll-up)."""
    run = Run(OxmlElement("w:r"), None)  # type: ignore[arg-type]
    run.font.name, run.font.size, run.bold, run.italic = FONT, Pt(size), bold, italic
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return rpr


@cache
def _paragraph_properties(align: WD_ALIGN_PARAGRAPH | None, after: float, indent: bool) -> BaseOxmlElement:
    """A paragraph's ``w:pPr`` for this layout, as python-docx writes it, built once."""
    p = Paragraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    p.alignment = align
    p.paragraph_format.space_after = Pt(after)
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.27)
    return p._p.pPr


def _run(p: Paragraph, text: str, size: float = 14, bold: bool = False, italic: bool = False) -> None:
    r = p._p.add_r()
    r.append(deepcopy(_run_properties(size, bold, italic)))
    r.text = text


def _add_paragraph(container: DocumentObject | _Cell) -> Paragraph:
    """A new last paragraph. python-docx's ``Document.add_paragraph`` looks for the section
    properties from the body's first child at every call, which made a 3,000-unit roll-up
    quadratic (11 s of 25); they are the body's last child, reached directly."""
    if not isinstance(container, DocumentObject):
        return container.add_paragraph()
    body, p = container.element.body, OxmlElement("w:p")
    last = next(body.iterchildren(reversed=True), None)
    if last is not None and last.tag == qn("w:sectPr"):
        last.addprevious(p)
    else:
        body.append(p)
    return Paragraph(p, container._body)


def _para(container: DocumentObject | _Cell, text: str = "", size: float = 14, bold: bool = False,
          italic: bool = False, align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.CENTER,
          indent: bool = False, after: float = 0) -> Paragraph:
    p = _add_paragraph(container)
    p._p.insert(0, deepcopy(_paragraph_properties(align, after, indent)))
    if text:
        _run(p, text, size, bold, italic)
    return p


def _first_para(cell: _Cell, text: str, size: float, bold: bool = False, italic: bool = False) -> Paragraph:
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, size, bold, italic)
    return p


def _page_numbers(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.name, run.font.size = FONT, Pt(13)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)


def _setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    _page_numbers(doc)


def _header(doc: DocumentObject, r: Rollup) -> None:
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    if r.parent_body_name:
        _first_para(left, r.parent_body_name.upper(), 12.5)
        _para(left, r.body_name.upper(), 12.5, bold=True)
    else:
        _first_para(left, r.body_name.upper(), 12.5, bold=True)
    _para(left, "────────", 12)
    _first_para(right, NATIONAL_NAME, 12.5, bold=True)
    _para(right, MOTTO, 13.5, bold=True)
    _para(right, "──────────────────────", 12)
    symbol = r.plan.symbol.replace("KH-", "BC-", 1) if r.plan.symbol.startswith("KH-") else f"BC-{r.plan.symbol}"
    _first_para(table.rows[1].cells[0], f"Số:        /{symbol}", 13)
    _first_para(table.rows[1].cells[1], vn_dated(r.plan.place, r.made_on), 13.5, italic=True)


def _signature(doc: DocumentObject, r: Rollup) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _run(p, "Nơi nhận:", 12, bold=True, italic=True)
    for line in recipients(r):
        _para(left, line, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    signer = r.plan.signer
    _first_para(right, signer.authority.upper(), 13.5, bold=True)
    if signer.authority.upper() != signer.title.upper():
        _para(right, signer.title.upper(), 13.5, bold=True)
    for _ in range(4):
        _para(right, "", 13.5)  # room for the signature and seal
    _para(right, "", 13.5, bold=True)  # the signer's name, filled in when the office signs


# STT, Chỉ tiêu, Đơn vị tính, Tổng số, Nam, Nữ: the 165 mm between A4's 30 and 15 mm margins.
APPENDIX_WIDTHS_MM = (12, 79, 24, 20, 15, 15)


def _appendix(doc: DocumentObject, r: Rollup) -> None:
    doc.add_page_break()
    _para(doc, "PHỤ LỤC", 14, bold=True)
    _para(doc, f"Biểu số liệu {reported_on(r)}", 14, bold=True, after=6)
    rows = r.numeric_totals
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    table.autofit = False
    _row(table, ("STT", "Chỉ tiêu", "Đơn vị tính", "Tổng số", "Nam", "Nữ"), bold=True, first=True)
    for n, t in enumerate(rows, 1):
        sex = (fmt_int(t.nam), fmt_int(t.nu)) if t.indicator.by_sex else ("", "")
        _row(table, (str(n), t.indicator.label, t.indicator.unit_of_measure or "", fmt_int(t.total), *sex))
        for o in _declared_parts(t):  # a declared split: one line per category under its figure
            _row(table, ("", f"- {o.label}", t.indicator.unit_of_measure or "", fmt_int(t.parts.get(o.id, 0)), "", ""))
    _widths(table, APPENDIX_WIDTHS_MM)
    if r.estimate:
        _para(doc, "Ghi chú: một số đơn vị báo cáo số liệu ước thực hiện đến hết kỳ.", 12, italic=True,
              align=WD_ALIGN_PARAGRAPH.LEFT)
    for t in (t for t in rows if _declared_parts(t) and t.reported_by):
        _by_unit(doc, r, t)


def _declared_parts(t: IndicatorTotal) -> tuple[DisaggregationOption, ...]:
    """The categories of a split the plan declares (age groups, nam/nữ/không xác định…); () for nam/nữ."""
    return () if t.indicator.by_sex else t.indicator.parts


def _by_unit(doc: DocumentObject, r: Rollup, t: IndicatorTotal) -> None:
    """One table for a figure split as the plan declares: a row per unit, a column per category."""
    parts = _declared_parts(t)
    uom = f" ({t.indicator.unit_of_measure})" if t.indicator.unit_of_measure else ""
    _para(doc, f"{t.indicator.label}{uom}, theo đơn vị", 13, bold=True, after=6)
    table = doc.add_table(rows=1, cols=len(parts) + 3)
    table.style = "Table Grid"
    table.autofit = False
    _row(table, ("STT", "Đơn vị", *(o.label for o in parts), "Tổng số"), bold=True, first=True)
    for n, unit_id in enumerate(t.reported_by, 1):
        split = t.by_unit_parts.get(unit_id, {})
        _row(table, (str(n), r.unit_names.get(unit_id, unit_id), *(fmt_int(split.get(o.id, 0)) for o in parts),
                     fmt_int(t.by_unit.get(unit_id, 0))))
    _row(table, ("", "Tổng cộng", *(fmt_int(t.parts.get(o.id, 0)) for o in parts), fmt_int(t.total)), bold=True)
    figure = min(22.0, (165 - 12 - 50) / (len(parts) + 1))
    _widths(table, (12, 165 - 12 - figure * (len(parts) + 1), *([figure] * (len(parts) + 1))))


def _row(table: Table, texts: Sequence[str], bold: bool = False, first: bool = False) -> None:
    cells = table.rows[0].cells if first else table.add_row().cells
    for cell, text in zip(cells, texts, strict=True):
        _first_para(cell, text, 12, bold=bold)


def _widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Word follows each cell's width, not the column's: set both, so the label column gets the room."""
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def fmt_int(n: int | None) -> str:
    """Thousands separated by dots, as Vietnamese write them."""
    return "" if n is None else f"{n:,}".replace(",", ".")


def write_docx(r: Rollup, path: Path) -> Path:
    doc = Document()
    _setup(doc)
    _header(doc, r)
    _para(doc, "", 14)
    _para(doc, "BÁO CÁO", 14, bold=True)
    _para(doc, subject_of(r), 14, bold=True)
    _para(doc, "────────", 12, after=6)
    if r.plan.reports and r.period.report.upward:
        _para(doc, f"Kính gửi: {r.period.report.upward.to}", 14, after=6)
    for kind, text in body_sections(r):
        if kind == "heading":
            _para(doc, text, 14, bold=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
        elif kind == "subheading":
            _para(doc, text, 14, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
        else:
            _para(doc, text, 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
    _signature(doc, r)
    _appendix(doc, r)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
