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
    carries it in ``X-Kehoach-Key``, Zalo sends it as ``tracking_id``, so a duplicate after a
    crash is visible at the receiving end; the Message-ID is new for every message.

    ``from_name`` is shown before the configured sender address (the issuing office),
    ``reply_to`` is where replies go (the office's own addresses), ``references`` are the
    Message-IDs of earlier messages of the same conversation, oldest first, and ``list_id``
    labels the mailing (one per plan) so units can filter it.
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
    from_name: str | None = None
    reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    list_id: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A message the provider accepted."""

    provider_id: str | None
    sent_at: datetime
