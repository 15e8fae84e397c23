"""OutgoingMessage → RFC 5322 message, shared by the SMTP channel and the Maildir outbox.

Names and subjects arrive from contact files and plans, so nothing here trusts them: display
names go through ``headerregistry.Address`` (encoded words, quoting), whitespace including
CR/LF collapses to one space, and the Message-ID is derived from the key alone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from notifications.message import OutgoingMessage

# A display name longer than this is a data error; cut it so the To: header stays readable.
MAX_DISPLAY_NAME = 120


def one_line(value: str) -> str:
    """Collapse every run of whitespace (CR, LF, tabs, U+2028, …) into one space."""
    return " ".join(value.split())


def parse_address(value: str) -> Address:
    """``"Name <addr>"`` or a bare address → Address; raises ValueError naming the value."""
    name, addr = parseaddr(one_line(value))
    if "@" not in addr:
        raise ValueError(f"not an email address: {value!r}")
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not an email address: {value!r} ({exc})") from exc


def message_id(key: str, mail_from: Address) -> str:
    """The same key always gives the same Message-ID, so a re-send after a crash shows as one."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{mail_from.domain or 'kehoach'}>"


def build_email(msg: OutgoingMessage, mail_from: str, *, date: datetime | None = None) -> EmailMessage:
    """text (+ html as multipart/alternative) (+ attachments → multipart/mixed), UTF-8.

    ``date`` defaults to now; pass it for byte-stable output in tests.
    """
    sender = parse_address(mail_from)
    email = EmailMessage()
    email["From"] = sender
    name = one_line(msg.to_name)[:MAX_DISPLAY_NAME]
    email["To"] = [Address(display_name=name, addr_spec=parse_address(a).addr_spec) for a in msg.to]
    email["Subject"] = one_line(msg.subject)
    email["Date"] = format_datetime(date or datetime.now().astimezone())
    email["Message-ID"] = message_id(msg.key, sender)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: autoresponders must not answer
    email.set_content(msg.text, charset="utf-8")
    if msg.html is not None:
        email.add_alternative(msg.html, subtype="html", charset="utf-8")
    for attachment in msg.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return email
