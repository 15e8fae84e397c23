"""The local outbox used when SMTP is not configured: each message lands in a Maildir.

The files are the exact bytes the SMTP channel would send (both use ``mime.build_email``), so
a person can open them with any mail reader (``mutt -f DIR``, Thunderbird) and tests can read
them with ``mailbox.Maildir``. Like dramatiq's StubBroker, this is shipped code, not a mock.

Each message is written to ``tmp/`` and moved into ``new/`` before ``send`` returns, as the
Maildir convention wants: a reader never sees half a message, and a process that stops after
the dispatcher recorded a message as sent has left its file in place. A durable outbox (the
office's, when SMTP is not configured) also forces each file to the disk (an fsync a message,
what ``mailbox.Maildir.add`` does, in a worker thread); a practice outbox (``durable=False``,
the simulation's, whose folder every simulation empties first) leaves that to the kernel, and
writes in the event loop: a few tens of microseconds a message instead of milliseconds.
"""

from __future__ import annotations

import asyncio
import itertools
import mailbox
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from notifications.channels.base import DeliveryError, build_or_refuse, system_now
from notifications.message import Delivery, OutgoingMessage


class MaildirChannel:
    name = "maildir"
    _count = itertools.count(1)  # the process's, as mailbox.Maildir's: with the pid, no two names alike

    def __init__(
        self,
        directory: Path | str,
        *,
        mail_from: str = "kehoach <kehoach@localhost>",
        clock: Callable[[], datetime] = system_now,
        durable: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self._mail_from = mail_from
        self._clock = clock
        self.durable = durable
        self._made = False
        self._host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")  # as mailbox.Maildir

    def __repr__(self) -> str:
        return f"MaildirChannel({str(self.directory)!r})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        """Write the message; its Message-ID is the provider id, as for SMTP, so a later
        message of the same conversation can refer to it."""
        email = build_or_refuse(msg, self._mail_from, self._clock())
        try:
            if self.durable:
                await asyncio.to_thread(self._add, email.data)
            else:
                self._write(email.data)
        except OSError as exc:
            raise DeliveryError(f"cannot write to Maildir {self.directory}: {exc}") from exc
        return Delivery(provider_id=email.message_id, sent_at=self._clock())

    async def aclose(self) -> None:
        """Nothing stays open between messages."""

    def _make(self) -> None:
        # In server mode nothing else creates the data folder (the database is elsewhere).
        if not self._made:
            self.directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            mailbox.Maildir(self.directory, create=True)
            self._made = True

    def _add(self, data: bytes) -> str:
        self._make()
        return mailbox.Maildir(self.directory, create=False).add(data)

    def _write(self, data: bytes) -> str:
        """``mailbox.Maildir.add`` without its fsync: the same file name scheme, ``tmp/`` then ``new/``."""
        self._make()
        now = time.time()
        uniq = f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{next(MaildirChannel._count)}.{self._host}"
        tmp = self.directory / "tmp" / uniq
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with open(fd, "wb", closefd=True) as f:
                f.write(data)
            os.rename(tmp, self.directory / "new" / uniq)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return uniq
