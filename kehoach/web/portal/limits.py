"""Rate limits on submissions: per signed link and per client address.

A link is a credential that may leak (forwarded, pasted in a chat); without a limit, a
script posting 50 times queued 50 confirmation emails to the unit. Per link, the count
comes from the stored submissions, so it holds across restarts and processes; per address,
a sliding window in memory bounds what one machine can post across every link. Behind a
reverse proxy on the same machine, uvicorn takes the client address from X-Forwarded-For.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import select

from kehoach.store.db import session
from kehoach.store.submission_tables import Submission

WINDOW = timedelta(minutes=10)
MAX_ADDRESSES = 10_000  # the oldest address is forgotten first, so memory stays bounded


class LimitExceeded(Exception):
    """Too many submissions; ``retry_after`` in whole seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def check_link(engine: Engine, plan_id: str, period: str, unit_id: str, now: datetime, limit: int) -> None:
    """Refuse a further portal submission for this link once ``limit`` were stored in the window."""
    with session(engine) as s:
        recent = s.exec(select(func.count(), func.min(Submission.submitted_at)).where(
            Submission.plan == plan_id, Submission.period == period, Submission.unit == unit_id,
            Submission.source == "portal", Submission.submitted_at > now - WINDOW,
        )).one()
    count, oldest = recent
    if count >= limit:
        wait = (oldest + WINDOW - now).total_seconds()
        raise LimitExceeded(
            f"Đơn vị đã gửi {count} lần trong {int(WINDOW.total_seconds() // 60)} phút qua. "
            f"Bản gần nhất đã được ghi nhận; nếu cần sửa, vui lòng gửi lại sau khoảng {_minutes(wait)} phút.",
            math.ceil(wait),
        )


class AddressLimiter:
    """At most ``limit`` posts per client address in any window of ``WINDOW``."""

    def __init__(self, limit: int):
        self.limit = limit
        self._seen: dict[str, deque[datetime]] = {}

    def hit(self, address: str, now: datetime) -> None:
        """Count one post from ``address``, or raise LimitExceeded without counting it."""
        times = self._seen.pop(address, None) or deque()
        while times and times[0] <= now - WINDOW:
            times.popleft()
        self._seen[address] = times  # most recently seen last
        if len(times) >= self.limit:
            wait = (times[0] + WINDOW - now).total_seconds()
            raise LimitExceeded(
                f"Có quá nhiều lần gửi từ địa chỉ mạng này. Vui lòng thử lại sau khoảng {_minutes(wait)} phút.",
                math.ceil(wait),
            )
        times.append(now)
        while len(self._seen) > MAX_ADDRESSES:
            del self._seen[next(iter(self._seen))]
