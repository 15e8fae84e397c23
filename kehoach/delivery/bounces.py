"""Bounces: delivery reports (RFC 3464) that came back to the bounce address.

A relay that accepted a message may fail to deliver it later and send a report to the
envelope sender (``KEHOACH_BOUNCE_ADDRESS``). The report returns the original headers, where
``X-Kehoach-Key`` names the message. Reading the bounce mailbox marks the notifications that
message carried as failed, with the address and the server's diagnostic, so they show on the
office's board (``kehoach status``) and can be re-sent after a fix (``kehoach outbox requeue``).
"""

from __future__ import annotations

import email
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import HeaderParser

from sqlalchemy import select, update
from sqlmodel import Session, col

from kehoach.store.tables import DeliveryAttempt, Outbox, Status

KEY_HEADER = "X-Kehoach-Key"


@dataclass(frozen=True)
class Bounce:
    """One address a sent message could not reach, as the returning server said it."""

    key: str  # the X-Kehoach-Key of the message that bounced
    recipient: str
    status: str  # e.g. "5.1.1"
    diagnostic: str

    @property
    def reason(self) -> str:
        said = " ".join(x for x in (self.status, self.diagnostic) if x)
        return f"Thư bị trả lại từ {self.recipient}: {said or 'không rõ lý do'}"


def parse_bounce(raw: bytes) -> list[Bounce]:
    """The failed recipients of one delivery report; none for any other mail (an auto-reply)."""
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    if msg.get_content_type() != "multipart/report":
        return []
    key, failed = None, []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            failed += [b for b in part.get_payload()[1:] if str(b.get("Action", "")).strip().lower() == "failed"]
        elif kind == "message/rfc822" and key is None:
            key = _key(part.get_payload()[0])
        elif kind == "text/rfc822-headers" and key is None:
            key = _key(HeaderParser().parsestr(part.get_payload(decode=True).decode("utf-8", "replace")))
    if key is None:
        return []
    return [Bounce(key, _field(b, "Final-Recipient") or _field(b, "Original-Recipient"),
                   str(b.get("Status", "")).strip(), " ".join(_field(b, "Diagnostic-Code").split()))
            for b in failed]


def _key(headers: Message) -> str | None:
    value = headers.get(KEY_HEADER)
    return " ".join(str(value).split()) if value else None


def _field(block: Message, name: str) -> str:
    """A typed field's value without its type: "rfc822; a@b" → "a@b"."""
    return str(block.get(name, "")).split(";", 1)[-1].strip()


def record_bounces(session: Session, bounces: Iterable[Bounce], now: datetime) -> int:
    """Mark the sent email notifications each bounced message carried as failed; return how many.

    A report read twice changes nothing the second time.
    """
    changed = 0
    for b in bounces:
        rows = list(session.scalars(select(Outbox).where(
            Outbox.message_key == b.key, Outbox.channel == "email", Outbox.status == Status.SENT.value)))
        if not rows:
            continue
        session.execute(update(Outbox).where(col(Outbox.id).in_([r.id for r in rows]))
                        .values(status=Status.FAILED.value, last_error=b.reason, updated_at=now)
                        .execution_options(synchronize_session=False))
        session.add_all(DeliveryAttempt(outbox_key=r.key, plan=r.plan, channel=r.channel, at=now,
                                        outcome=Status.FAILED.value, error=b.reason, message_key=b.key)
                        for r in rows)
        changed += len(rows)
    session.commit()
    return changed
