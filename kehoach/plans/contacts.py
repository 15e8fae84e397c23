"""Contact values: email addresses and Zalo phone numbers, validated and normalised.

Shared by the unit directory (config) and the portal, so a bad address is refused the
same way everywhere.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

# Vietnamese mobile numbers: 0 or 84 then a 3/5/7/8/9 prefix and 8 digits (Zalo wants 84…).
_PHONE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


def normalise_phone(raw: str) -> str:
    """``0901 234 567`` → ``84901234567``; raises ValueError naming the value."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    m = _PHONE.match(digits)
    if not m:
        raise ValueError(f"số điện thoại '{raw}' không hợp lệ (cần số di động Việt Nam, ví dụ 0901234567)")
    return "84" + m[1]


def normalise_email(raw: str) -> str:
    """A syntactically valid address; reserved test domains (.example, .test) are allowed."""
    if "\r" in raw or "\n" in raw:
        raise ValueError(f"địa chỉ email {raw!r} chứa ký tự xuống dòng")
    try:
        return validate_email(raw, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"địa chỉ email '{raw}' không hợp lệ: {exc}") from None
