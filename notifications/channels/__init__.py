"""The channels a notification can go out on, by the name stored on each outbox row.

    base.py         the Channel protocol and DeliveryError
    email.py        SMTP over pooled sessions (smtp_session.py: pipelined transactions)
    zalo.py         Zalo ZNS template messages, with zalo_tokens.py for OAuth token rotation
    maildir.py      local outbox when SMTP is not configured
"""

from __future__ import annotations

from notifications.channels.email import EmailChannel
from notifications.channels.maildir import MaildirChannel
from notifications.channels.zalo import ZaloChannel

CHANNELS: dict[str, type[EmailChannel] | type[ZaloChannel] | type[MaildirChannel]] = {
    "email": EmailChannel,
    "zalo": ZaloChannel,
    "maildir": MaildirChannel,
}
