"""How dates read in Vietnamese: ``Thứ Sáu, 29/05/2026``."""

from __future__ import annotations

import unicodedata
from datetime import date

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def vi_date(value: date | str | None) -> str:
    """Weekday and dd/mm/yyyy; accepts a date or an ISO string from a stored context."""
    if value is None:
        return ""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{WEEKDAYS_VI[d.weekday()]}, {d:%d/%m/%Y}"


def ascii_fold(text: str) -> str:
    """``Báo cáo đợt 1`` → ``Bao cao dot 1``: for places that take ASCII only."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
