"""Folding Vietnamese text to one comparable form: no accents, lower case, single spaces.

Every rule of the importer compares folded text, so "Thường xuyên", "THƯỜNG XUYÊN" and
"thuong xuyen" are the same words, and a typed document without diacritics still imports.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """``Đơn vị chủ trì`` → ``Don vi chu tri``; the length of the text is kept."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base)
    return "".join(out)


def fold(text: str) -> str:
    """Accent-free, lower case, single-spaced; punctuation kept (dates and colons matter)."""
    return _SPACES.sub(" ", strip_accents(unicodedata.normalize("NFC", text)).lower()).strip()


def words(text: str) -> str:
    """``fold`` with every punctuation mark turned into a space: the form names are matched in."""
    return _SPACES.sub(" ", re.sub(r"[^0-9a-z]+", " ", fold(text).replace("&", " va "))).strip()


def clean(text: str) -> str:
    """A line as a person would retype it: NFC, single spaces, no surrounding spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def slug(text: str, max_length: int = 60) -> str:
    """An id fragment: ``Phòng Văn hóa - Xã hội`` → ``phong-van-hoa-xa-hoi``."""
    out = words(text).replace(" ", "-")
    return out[:max_length].rstrip("-") or "x"
