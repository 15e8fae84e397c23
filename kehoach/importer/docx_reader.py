"""Reading a .docx: paragraphs in order with Word's list numbers, bold headings and tables.

python-docx gives paragraph text but not the numbers Word draws for a numbered list, and a
plan's "1.", "II.", "a)" are often such numbers; they are computed here from numbering.xml.
Tables go through ``tables.py``.
Files that are not .docx are recognised before parsing and refused with the reason.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import olefile
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from kehoach.importer import limits
from kehoach.importer.document import Line
from kehoach.importer.errors import DocumentError
from kehoach.importer.tables import table_lines
from kehoach.importer.text import clean

_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def read_docx(path: Path) -> list[Line]:
    """Every paragraph and table cell of the body, in reading order."""
    _check_container(path)
    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a broken part
        raise DocumentError(path.name, f"tệp .docx bị hỏng, không đọc được ({type(exc).__name__})") from None
    numbers = _Numbering(doc)
    lines: list[Line] = []
    for block in _blocks(doc):
        new = _table_lines(block) if isinstance(block, Table) else [_paragraph_line(block, numbers)]
        lines.extend(line for line in new if line.text)
        if len(lines) > limits.MAX_LINES:
            raise DocumentError(path.name, f"tài liệu có hơn {limits.MAX_LINES} đoạn văn, vượt giới hạn nhập")
    return lines


def _check_container(path: Path) -> None:
    """Refuse what is not a Word .docx, saying what it is."""
    name = path.name
    with path.open("rb") as f:
        head = f.read(8)
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        streams = {"/".join(s) for s in olefile.OleFileIO(str(path)).listdir()} if olefile.isOleFile(str(path)) else set()
        if {"EncryptionInfo", "EncryptedPackage"} & streams:
            raise DocumentError(name, "tệp được đặt mật khẩu; hãy gỡ mật khẩu trong Word rồi nhập lại")
        if "WordDocument" in streams:
            raise DocumentError(name, "tệp Word cũ (.doc) đổi đuôi .docx; hãy mở trong Word và lưu lại dạng .docx")
        raise DocumentError(name, "tệp không phải tài liệu Word .docx")
    if not zipfile.is_zipfile(path):
        raise DocumentError(name, "tệp không phải tài liệu Word .docx (hỏng hoặc sai định dạng)")
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.MAX_UNZIPPED_BYTES or any(
            i.file_size > 1024 * 1024 and i.file_size > limits.MAX_COMPRESSION_RATIO * max(i.compress_size, 1)
            for i in infos
        ):
            raise DocumentError(name, f"tệp nén bất thường: giải nén ra {total // (1024 * 1024)} MB "
                                      f"(giới hạn {limits.MAX_UNZIPPED_BYTES // (1024 * 1024)} MB); không nhập")
        names = set(z.namelist())
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise DocumentError(name, "đây là bảng tính Excel đổi đuôi .docx, không phải văn bản Word")
        if "ppt/presentation.xml" in names:
            raise DocumentError(name, "đây là bản trình chiếu PowerPoint đổi đuôi .docx, không phải văn bản Word")
        raise DocumentError(name, "tệp nén không chứa văn bản Word (thiếu word/document.xml)")


def _blocks(doc: Any) -> Iterator[Paragraph | Table]:
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, doc)
        elif child.tag == qn("w:tbl"):
            yield Table(child, doc)


def _paragraph_line(p: Paragraph, numbers: _Numbering) -> Line:
    text = clean(p.text)
    style = numbers.style_of(p)
    runs = [r for r in p.runs if r.text.strip()]
    style_bold = style is not None and style.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None
    bold = _style_id(p).startswith(("Heading", "Title")) or bool(runs) and all(r.bold or style_bold for r in runs)
    label = numbers.label(p)
    if label and text:
        text = f"{label} {text}"
    return Line(text, bool(bold))


def _style_id(p: Paragraph) -> str:
    """The paragraph style's id, read from the XML: python-docx's ``p.style`` scans every style each call."""
    ppr = p._p.pPr
    return ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else ""


def _table_lines(table: Table) -> list[Line]:
    return table_lines([_row_texts(r) for r in table.rows])


def _row_texts(row: Any) -> list[str]:
    seen: set[int] = set()
    out = []
    for cell in row.cells:
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        out.append("\n".join(p.text for p in cell.paragraphs))
    return out


class _Numbering:
    """Word's list counters, advanced paragraph by paragraph as Word draws them."""

    def __init__(self, doc: Any):
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self._abstract_of: dict[str, str] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._styles = {st.get(qn("w:styleId")): st for st in doc.styles.element.findall(qn("w:style"))}
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstracts: dict[str, dict[int, tuple[str, str, int]]] = {}
        for a in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in a.findall(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[int(lvl.get(qn("w:ilvl")))] = (
                    fmt.get(qn("w:val")) if fmt is not None else "decimal",
                    text.get(qn("w:val")) if text is not None else "",
                    int(start.get(qn("w:val"))) if start is not None else 1,
                )
            abstracts[a.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                aid = ref.get(qn("w:val"))
                self._abstract_of[num.get(qn("w:numId"))] = aid
                self._levels[aid] = abstracts.get(aid, {})

    def style_of(self, p: Paragraph) -> Any:
        return self._styles.get(_style_id(p))

    def label(self, p: Paragraph) -> str | None:
        num_pr = _num_pr(p, self.style_of(p))
        if num_pr is None:
            return None
        num_id, ilvl = num_pr
        aid = self._abstract_of.get(num_id)
        levels = self._levels.get(aid or "", {})
        if aid is None or ilvl not in levels:
            return None
        counters = self._counters.setdefault(aid, {})
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt == "bullet" or fmt == "none":
            return "-" if fmt == "bullet" else None
        label = text
        for k in range(ilvl + 1):
            kfmt = levels.get(k, ("decimal", "", 1))[0]
            label = label.replace(f"%{k + 1}", _format(counters.get(k, levels.get(k, ("", "", 1))[2]), kfmt))
        return label.strip() or None


def _num_pr(p: Paragraph, style: Any) -> tuple[str, int] | None:
    """(numId, level) from the paragraph, or from its style when the style is the list."""
    style_ppr = style.find(qn("w:pPr")) if style is not None else None
    for holder in (p._p.pPr, style_ppr):
        if holder is None:
            continue
        num_pr = holder.find(qn("w:numPr"))
        if num_pr is None:
            continue
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        if num_id is not None and num_id.get(qn("w:val")) != "0":
            return num_id.get(qn("w:val")), int(ilvl.get(qn("w:val"))) if ilvl is not None else 0
    return None


def _format(n: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman"):
        out = ""
        for value, letters in _ROMAN:
            while n >= value:
                out += letters
                n -= value
        return out if fmt == "upperRoman" else out.lower()
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter if fmt == "lowerLetter" else letter.upper()
    return str(n)
