"""Text at the door: what a person typed or pasted, made safe to store, show and print.

Word writes a manual line break as a vertical tab and a page break as a form feed; pasted
text can carry NUL, ESC and other control characters that a DOCX (XML) cannot hold, and
invisible bidi controls that make ``hợp-đồng‮xcod.exe`` read as another name. Every text
entering kehoach (the portal, the CLI, imports) passes through ``clean_text`` once, and
the roll-up passes stored text through it again, so a value stored before this rule existed
cannot stop a báo cáo.
"""

from __future__ import annotations

import re
import unicodedata

# Line and page breaks of every origin become a newline.
_BREAKS = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
# Bidi embeddings, overrides and isolates, and the marks; nothing Vietnamese needs them.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0 and C1 controls except tab and newline, DEL, the bidi controls, and lone surrogates.
_DROP = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}\ud800-\udfff]")


def clean_text(value: str) -> str:
    """NFC, breaks as ``\\n``, control and bidi characters removed; tabs and newlines kept."""
    return unicodedata.normalize("NFC", _DROP.sub("", _BREAKS.sub("\n", value)))


def clean_line(value: str) -> str:
    """``clean_text`` for a one-line value (a name, a file name): breaks and tabs become spaces."""
    return " ".join(clean_text(value).replace("\t", " ").split("\n")).strip()
