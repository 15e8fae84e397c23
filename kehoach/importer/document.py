"""A document as lines: the one shape every rule reads, whether it came from .docx or .txt.

Plain text copied from Word keeps Markdown-like marks (``**bold**``, ``## ``, ``| pipe |``
tables) and breaks a paragraph where a page ended; both are undone here so the rules see what
Word showed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kehoach.importer import limits
from kehoach.importer.errors import DocumentError
from kehoach.importer.text import clean


@dataclass(frozen=True)
class Line:
    """One paragraph (or table cell) of the document, its list number written in front."""

    text: str
    bold: bool = False


_MARKS = re.compile(r"^\s*#+\s*|\*{1,3}|_{2,}")
_BULLET_OR_NUMBER = re.compile(r"^([-–•+*]|\d+[.)]|[IVXLC]+\.|[a-zđ]\))\s")


def read_document(path: Path) -> list[Line]:
    """The lines of a .docx or .txt plan; every other file is refused with the reason."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".doc":
        raise DocumentError(name, "tệp Word cũ (.doc) không đọc được; hãy mở trong Word và lưu lại dạng .docx")
    if suffix not in (".docx", ".txt"):
        raise DocumentError(name, f"chỉ nhập được tệp .docx hoặc .txt, không nhập được tệp '{suffix or name}'")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(name, f"không mở được tệp: {exc.strerror}") from None
    if size == 0:
        raise DocumentError(name, "tệp rỗng, không có nội dung")
    if size > limits.MAX_FILE_BYTES:
        raise DocumentError(name, f"tệp {size // (1024 * 1024)} MB vượt giới hạn "
                                  f"{limits.MAX_FILE_BYTES // (1024 * 1024)} MB")
    if suffix == ".docx":
        from kehoach.importer.docx_reader import read_docx

        lines = read_docx(path)
    else:
        lines = text_lines(_decode(path), name)
    if not any(line.text for line in lines):
        raise DocumentError(name, "tệp không có chữ nào")
    return lines


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(path.name, "tệp văn bản không phải mã UTF-8; hãy lưu lại với bảng mã UTF-8") from None


def text_lines(text: str, name: str) -> list[Line]:
    """Plain text → lines: marks stripped, bold remembered, broken paragraphs rejoined."""
    if "\x00" in text:
        raise DocumentError(name, "tệp không phải văn bản (có ký tự nhị phân)")
    raw = text.splitlines()
    if len(raw) > limits.MAX_LINES:
        raise DocumentError(name, f"tài liệu có {len(raw)} dòng, vượt giới hạn {limits.MAX_LINES} dòng")
    lines: list[Line] = []
    table: list[list[str]] = []
    for source in raw:
        if source.strip().startswith("|"):
            cells = [c.strip() for c in source.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                table.append([clean(_MARKS.sub("", c)) for c in cells])
            continue
        if table:
            lines.extend(_table(table))
            table = []
        bold = "**" in source or source.lstrip().startswith("#")
        content = clean(_MARKS.sub("", source))
        if not content:
            continue
        if lines and _continues(content, lines[-1].text):
            lines[-1] = Line(f"{lines[-1].text} {content}", lines[-1].bold)
            continue
        lines.append(Line(content, bold))
    return lines + _table(table)


def _table(rows: list[list[str]]) -> list[Line]:
    from kehoach.importer.tables import table_lines  # tables.py builds Lines: imported here, not at the top

    return table_lines(rows) if rows else []


def _continues(content: str, previous: str) -> bool:
    """A line that starts in lower case carries on the paragraph a page break cut."""
    first = content[0]
    return first.isalpha() and first.islower() and not _BULLET_OR_NUMBER.match(content) and not previous.endswith(":")
