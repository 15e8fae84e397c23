"""The end of a KẾ HOẠCH: the closing paragraph, "Nơi nhận:" and the signature block.

"Nơi nhận" lists one recipient a line ("- Sở Nội vụ (b/c);"), the last one the archive
("- Lưu: VT, VP."). The signature block is upper-case lines (TM./KT./TL. + authority, the
title, sometimes the signer's own position) and the signer's name last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kehoach.importer.document import Line
from kehoach.importer.text import clean, words

_NOTE = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_AUTHORITY = re.compile(r"^(TM|KT|TL|TUQ|Q)\s*\.?\s", re.IGNORECASE)


@dataclass(frozen=True)
class RecipientText:
    name: str
    note: str | None
    archive: bool


@dataclass(frozen=True)
class SignerText:
    authority: str
    title: str
    position: str | None
    name: str


def closing_paragraph(closing: list[Line]) -> str:
    """The text before "Nơi nhận" ("Trên đây là Kế hoạch …"), where reports are often asked."""
    out = []
    for line in closing:
        if words(line.text).startswith("noi nhan"):
            break
        out.append(line.text)
    return " ".join(out)


def recipients(closing: list[Line]) -> list[RecipientText]:
    out: list[RecipientText] = []
    inside = False
    for line in closing:
        text = line.text
        folded = words(text)
        if folded.startswith("noi nhan"):
            inside = True
            rest = clean(text.split(":", 1)[1]) if ":" in text else ""
            if rest:
                out.append(_recipient(rest))
            continue
        if not inside:
            continue
        if not re.match(r"^[-–•+]", text):
            if out:
                break
            continue
        out.append(_recipient(text))
    return out


def _recipient(text: str) -> RecipientText:
    body = clean(re.sub(r"^[-–•+]\s*", "", text)).rstrip(";,. ")
    if words(body).startswith("luu"):
        return RecipientText(body, None, True)
    if m := _NOTE.match(body):
        return RecipientText(m[1].strip(), m[2].strip(), False)
    return RecipientText(body, None, False)


def signer(closing: list[Line]) -> SignerText | None:
    """The signature block after the recipients, read from its upper-case lines and the name."""
    block: list[str] = []
    started = False
    for line in closing:
        text = clean(line.text)
        if not started:
            started = bool(_AUTHORITY.match(text)) or (text.isupper() and len(text) < 80
                                                       and not text.startswith(("-", "–")) and ":" not in text)
            if not started:
                continue
        if text.startswith(("-", "–", "(")) or ":" in text:
            continue  # a recipient, or "(Đã ký)", "(Ký, ghi rõ họ tên)"
        block.append(text)
    upper = [t for t in block if t.isupper()]
    names = [t for t in block if not t.isupper()]
    if not upper or not names:
        return None
    name = names[-1]
    if _AUTHORITY.match(upper[0]):
        authority, rest = upper[0], upper[1:]
    else:
        authority, rest = upper[0], upper[:1]
    title = rest[0] if rest else authority
    position = rest[1] if len(rest) > 1 else None
    return SignerText(authority, title, position, name)
