"""The short forms of a roll-up: Markdown (Prefect artifact), HTML (email body), CSV data and its .xlsx."""

from __future__ import annotations

import csv
import html
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from kehoach.rollup.build import Rollup
from kehoach.rollup.report_docx import write_docx
from kehoach.rollup.sections import breach_sentence, fmt, subject_of


def _pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",") + "%"


def markdown(r: Rollup) -> str:
    s = r.status
    out = [
        f"# {subject_of(r)}",
        "",
        f"**{r.body_name}** — {r.plan.label} — kỳ `{r.period.id}` (hạn {s.deadline:%d/%m/%Y})",
        "",
        f"- Đầy đủ: {len(s.submitted)}/{len(s.expected)} đơn vị ({_pct(s.completeness)})",
        f"- Đúng hạn: {len(s.on_time)}/{len(s.expected)} đơn vị ({_pct(s.timeliness)})",
        f"- Gửi muộn: {', '.join(u.name for u in s.late) or 'không có'}",
        f"- Chưa gửi: {', '.join(u.name for u in s.missing) or 'không có'}",
        "",
        "| Chỉ tiêu | Đơn vị tính | Tổng số | Nam | Nữ |",
        "|---|---|---:|---:|---:|",
    ]
    for t in r.numeric_totals:
        label = t.indicator.label.replace("|", "/")
        out.append(f"| {label} | {t.indicator.unit_of_measure or ''} | {fmt(t.total)} | {fmt(t.nam)} | {fmt(t.nu)} |")
    if r.rates:
        out += ["", "**Chỉ tiêu tính được**", ""]
        out += [f"- {x.label}: {x.note}" if x.withheld else f"- {x.label}: {str(x.value).replace('.', ',')} {x.unit}".rstrip()
                for x in r.rates]
    if r.breaches:
        out += ["", "**Số liệu cần kiểm tra lại**", ""] + [breach_sentence(b) for b in r.breaches]
    return "\n".join(out) + "\n"


def html_summary(r: Rollup) -> str:
    """The email body: the same content as the Markdown, as a small HTML document."""
    s = r.status
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(t.indicator.label)}</td><td>{e(t.indicator.unit_of_measure or '')}</td>"
        f"<td align=right>{fmt(t.total)}</td><td align=right>{fmt(t.nam)}</td><td align=right>{fmt(t.nu)}</td></tr>"
        for t in r.numeric_totals
    )
    missing = e(", ".join(u.name for u in s.missing) or "không có")
    late = e(", ".join(u.name for u in s.late) or "không có")
    return (
        f"<!doctype html><html lang=vi><meta charset=utf-8><title>{e(subject_of(r))}</title><body>"
        f"<h1>{e(subject_of(r))}</h1><p><b>{e(r.body_name)}</b> — {e(r.plan.label)} — kỳ {e(r.period.id)}</p>"
        f"<ul><li>Đầy đủ: {len(s.submitted)}/{len(s.expected)} ({_pct(s.completeness)})</li>"
        f"<li>Đúng hạn: {len(s.on_time)}/{len(s.expected)} ({_pct(s.timeliness)})</li>"
        f"<li>Gửi muộn: {late}</li><li>Chưa gửi: {missing}</li></ul>"
        "<table border=1 cellpadding=4 cellspacing=0><tr><th>Chỉ tiêu</th><th>Đơn vị tính</th>"
        f"<th>Tổng số</th><th>Nam</th><th>Nữ</th></tr>{rows}</table></body></html>\n"
    )


CSV_HEADER = ("plan", "period", "indicator", "label", "unit_of_measure", "kind", "unit", "unit_name", "total", "nam", "nu")


def csv_text(r: Rollup) -> str:
    """One row per indicator and unit, then one ``TONG`` row per indicator: data others can re-sum."""
    names = {u.id: u.name for u in r.status.expected}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for t in r.totals:
        ind = t.indicator
        base = (r.plan.id, r.period.id, ind.id, ind.label, ind.unit_of_measure or "", ind.kind.value)
        for unit_id, n in t.by_unit.items():
            nam, nu = t.by_unit_sex.get(unit_id, ("", ""))
            w.writerow((*base, unit_id, names.get(unit_id, unit_id), n, nam, nu))
        total = t.yes if ind.kind.value == "flag" else t.total
        w.writerow((*base, "TONG", "Tổng số", total, "" if t.nam is None else t.nam, "" if t.nu is None else t.nu))
    return buf.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def figures_xlsx(table: str, path: Path) -> Path:
    """The CSV's rows as an Excel sheet, figures as numbers: what emails attach (offices open
    .xlsx directly, and a CSV attachment scores as spam at SpamAssassin).

    openpyxl writes the package around an empty sheet (workbook, styles, column widths); the rows
    go in as its write-only sheet writes them, at a tenth of its per-cell cost: a 500-unit period
    is 12,000 rows of 11 cells. Text is always text: a name starting with "=" is no formula.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Số liệu")
    for column, width in zip("ABCDEFGHIJK", (24, 16, 22, 48, 14, 8, 22, 30, 12, 10, 10), strict=True):
        ws.column_dimensions[column].width = width
    package = io.BytesIO()
    wb.save(package)
    rows = _sheet_rows(table)
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data.replace(b"<sheetData></sheetData>", rows) if item.filename == SHEET else data)
    return path


def _sheet_rows(table: str) -> bytes:
    """``<sheetData>`` of the CSV's rows: whole numbers as numbers, the rest as inline text."""
    out = ["<sheetData>"]
    for r, row in enumerate(csv.reader(io.StringIO(table)), 1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row, 1):
            ref = f"{get_column_letter(c)}{r}"
            if v.lstrip("-").isdecimal() and len(v) < 16:
                out.append(f'<c r="{ref}" t="n"><v>{int(v)}</v></c>')
            elif not v:
                out.append(f'<c r="{ref}" t="inlineStr"></c>')
            else:
                v = v[:32767]  # Excel's longest cell
                if ILLEGAL_CHARACTERS_RE.search(v):
                    raise IllegalCharacterError(f"{v} cannot be used in worksheets.")
                space = ' xml:space="preserve"' if v != v.strip() else ""
                out.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(v).replace(chr(13), "&#13;")}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData>")
    return "".join(out).encode("ascii", "xmlcharrefreplace")


def write_outputs(r: Rollup, out_dir: Path) -> dict[str, Path]:
    """Write the DOCX draft, Markdown, HTML, CSV and its .xlsx twin; the paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bao-cao-{r.plan.id}-{r.period.id}"
    paths = {
        "docx": write_docx(r, out_dir / f"{stem}.docx"),
        "md": out_dir / f"{stem}.md",
        "html": out_dir / f"{stem}.html",
        "csv": out_dir / f"{stem}.csv",
        "xlsx": out_dir / f"{stem}.xlsx",
    }
    paths["md"].write_text(markdown(r), encoding="utf-8")
    paths["html"].write_text(html_summary(r), encoding="utf-8")
    data = csv_text(r)
    paths["csv"].write_text(data, encoding="utf-8-sig")  # BOM: Excel opens Vietnamese correctly
    figures_xlsx(data, paths["xlsx"])
    return paths
