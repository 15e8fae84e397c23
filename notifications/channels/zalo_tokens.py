"""Zalo OAuth tokens: the pair, and what a store of them must guarantee.

Zalo refresh tokens are single-use: each refresh returns a new pair and voids the old refresh
token. Two senders that refresh with the same token lock the account out until an admin
re-authorises the app. So a store lets one refresh at a time across every process of the
installation, re-reads inside its lock (someone may have refreshed already), and keeps the
new pair before anyone uses the new access token. The installation's store lives in its
database (``kehoach.store.zalo_tokens``), where every worker finds it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime  # aware

    def __repr__(self) -> str:  # tokens are secrets: never in a log line or a traceback
        return f"TokenPair(expires_at={self.expires_at.isoformat()})"


Refresh = Callable[[str], Awaitable[TokenPair]]


class TokenStore(Protocol):
    def load(self) -> TokenPair | None:
        """The current pair, or None before the first refresh."""
        ...

    async def rotate(self, stale_access_token: str | None, refresh: Refresh) -> TokenPair:
        """A working pair: someone else's fresh one, or ours from ``refresh(refresh_token)``.

        Raises LookupError when there is no refresh token at all.
        """
        ...
