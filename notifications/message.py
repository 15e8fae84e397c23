"""What a channel receives (OutgoingMessage) and what it returns on success (Delivery)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar"
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient on one channel, already rendered.

    ``key`` is the outbox key (or, for a digest, the key of its first notification): email
    derives the Message-ID from it, Zalo sends it as ``tracking_id``, so a duplicate after a
    crash is visible at the receiving end.
    """

    key: str
    channel: str
    to: tuple[str, ...]  # email addresses, or one phone in 84… form for Zalo
    to_name: str  # the unit's name, for the display name
    subject: str
    text: str
    html: str | None = None
    zalo_template_id: str | None = None
    zalo_template_data: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """A message the provider accepted."""

    provider_id: str | None
    sent_at: datetime
