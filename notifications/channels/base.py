"""The contract every channel keeps: ``async send(msg) -> Delivery`` or raise DeliveryError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from notifications.message import Delivery, OutgoingMessage
from notifications.mime import Email, build_email


def system_now() -> datetime:
    """The channels' default clock (aware, local); the dispatcher passes its own ``now``."""
    return datetime.now().astimezone()


class DeliveryError(Exception):
    """A message that did not go out.

    ``permanent``: retrying will not help (a 5xx for the recipient, an invalid phone);
    ``retry_when``: given the moment of the attempt (the dispatcher's clock, simulated or
    not), when to try again (a quota reset); otherwise retry on the next dispatch.
    ``channel_down``: the server refused the session or the sender, not this message (a 530 at
    MAIL FROM, a failed login, a dead Zalo refresh token): no message can pass until the
    settings are fixed. ``fallback_email``: the channel suggests reaching the unit by email.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_when: Callable[[datetime], datetime] | None = None,
        channel_down: bool = False,
        fallback_email: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_when = retry_when
        self.channel_down = channel_down
        self.fallback_email = fallback_email


def build_or_refuse(msg: OutgoingMessage, mail_from: str, date: datetime, bounce_to: str | None = None) -> Email:
    """The message's bytes; an address that cannot be written is a permanent failure, not a retry."""
    try:
        return build_email(msg, mail_from, date=date, bounce_to=bounce_to)
    except ValueError as exc:
        raise DeliveryError(f"cannot build the email: {exc}", permanent=True) from exc


class Channel(Protocol):
    name: str

    async def send(self, msg: OutgoingMessage) -> Delivery: ...

    async def aclose(self) -> None: ...
