"""Signed, expiring submission links: a unit never logs in, the link is its credential.

A link names the plan, the period and the unit in its path and carries an expiry and an
HMAC-SHA256 signature (key ``KEHOACH_PORTAL_SECRET``) over all four. Changing any part of it,
using it after it expires or presenting it for another period makes ``verify`` raise LinkError.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from kehoach.errors import LinkError
from kehoach.settings import Settings

LINK_PREFIX = "/nop"
# The one spelling of an expiry: Unix seconds in ASCII digits, as make_link writes it. int()
# would also take "+1799999999", " 1799999999", "1_799_999_999" or Arabic-Indic digits, each
# a new URL for the same signature, and 30 digits would overflow datetime.
EXPIRY = re.compile(r"[1-9][0-9]{0,10}")


@dataclass(frozen=True)
class LinkClaims:
    """What a verified link grants: this unit may submit for this plan and period."""

    plan_id: str
    unit_id: str
    period: str
    expires_at: datetime


def _signature(settings: Settings, plan_id: str, unit_id: str, period: str, expires: int) -> str:
    message = f"submission|{plan_id}|{period}|{unit_id}|{expires}".encode()
    key = settings.signing_key()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_path(plan_id: str, period: str, unit_id: str) -> str:
    return f"{LINK_PREFIX}/{quote(plan_id)}/{quote(period)}/{quote(unit_id)}"


def link_query(settings: Settings, plan_id: str, unit_id: str, period: str, expires_at: datetime) -> str:
    """The ``?e=…&s=…`` part, which the portal carries from the form to the confirmation."""
    expires = int(expires_at.timestamp())
    return urlencode({"e": expires, "s": _signature(settings, plan_id, unit_id, period, expires)})


def make_link(settings: Settings, plan_id: str, unit_id: str, period: str, expires_at: datetime) -> str:
    """The absolute link that goes into a unit's reminders for one plan and period."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be an aware datetime")
    base = settings.portal_base_url.rstrip("/")
    query = link_query(settings, plan_id, unit_id, period, expires_at)
    return f"{base}{link_path(plan_id, period, unit_id)}?{query}"


def link_maker(settings: Settings, now: datetime) -> Callable[[str, str, str], str]:
    """``(plan, unit, period) → link`` valid ``portal_link_days`` from ``now``, for reminders."""
    expires = now + timedelta(days=settings.portal_link_days)
    return lambda plan_id, unit_id, period: make_link(settings, plan_id, unit_id, period, expires)


def verify(
    settings: Settings,
    plan_id: str,
    unit_id: str,
    period: str,
    expires: str | int | None,
    signature: str | None,
    now: datetime,
) -> LinkClaims:
    """The claims of a genuine, unexpired link; LinkError (with a Vietnamese reason) otherwise.

    ``period`` is the period the link is being used for: a link signed for another period
    fails the signature check, so it cannot be replayed against the next report.
    """
    if expires is None or not signature:
        raise LinkError("Đường dẫn thiếu chữ ký hoặc thời hạn.")
    if not EXPIRY.fullmatch(str(expires)):
        raise LinkError("Đường dẫn không hợp lệ hoặc đã bị sửa đổi.")
    expires_ts = int(expires)
    expected = _signature(settings, plan_id, unit_id, period, expires_ts)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise LinkError("Đường dẫn không hợp lệ hoặc đã bị sửa đổi.")
    expires_at = datetime.fromtimestamp(expires_ts, tz=UTC)
    if now >= expires_at:
        raise LinkError("Đường dẫn đã hết hạn. Vui lòng liên hệ cơ quan đầu mối để được cấp lại.")
    return LinkClaims(plan_id, unit_id, period, expires_at)
