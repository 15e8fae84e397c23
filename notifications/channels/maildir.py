"""The local outbox used when SMTP is not configured: each message lands in a Maildir.

The files are the exact bytes the SMTP channel would send (both use ``mime.build_email``), so
a person can open them with any mail reader (``mutt -f DIR``, Thunderbird) and tests can read
them with ``mailbox.Maildir``. Like dramatiq's StubBroker, this is shipped code, not a mock.
"""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from notifications.channels.base import DeliveryError, build_or_refuse, system_now
from notifications.message import Delivery, OutgoingMessage


class MaildirChannel:
    name = "maildir"

    def __init__(
        self,
        directory: Path | str,
        *,
        mail_from: str = "kehoach <kehoach@localhost>",
        clock: Callable[[], datetime] = system_now,
    ) -> None:
        self.directory = Path(directory)
        self._mail_from = mail_from
        self._clock = clock

    def __repr__(self) -> str:
        return f"MaildirChannel({str(self.directory)!r})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        """Write the message; its Message-ID is the provider id, as for SMTP, so a later
        message of the same conversation can refer to it."""
        email = build_or_refuse(msg, self._mail_from, self._clock())
        try:
            await asyncio.to_thread(self._add, email.data)
        except OSError as exc:
            raise DeliveryError(f"cannot write to Maildir {self.directory}: {exc}") from exc
        return Delivery(provider_id=email.message_id, sent_at=self._clock())

    async def aclose(self) -> None:
        """Nothing stays open between messages."""

    def _add(self, data: bytes) -> str:
        # In server mode nothing else creates the data folder (the database is elsewhere).
        self.directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return mailbox.Maildir(self.directory, create=True).add(data)
