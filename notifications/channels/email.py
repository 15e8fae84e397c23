"""SMTP delivery with aiosmtplib over a small pool of reused connections.

aiosmtplib's errors are translated here, at the seam (as httpx's ``map_httpcore_exceptions``
does): a 4xx reply, a dropped connection or a timeout is a retry; a 5xx reply to RCPT TO or
DATA is permanent for that message and carries the server's words; a 5xx that concerns the
session or the sender (greeting, EHLO, STARTTLS, AUTH, MAIL FROM) and a failed login say the
channel is down: no message can pass until the settings are fixed. A refused recipient among
several accepted ones still counts as sent: the unit got the message at its other addresses.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import aiosmtplib

from notifications.channels.base import DeliveryError, build_or_refuse, system_now
from notifications.message import Delivery, OutgoingMessage


class EmailChannel:
    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        mail_from: str,
        bounce_to: str | None = None,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        use_tls: bool = False,
        timeout: float = 30.0,
        concurrency: int = 10,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] = system_now,
    ) -> None:
        """``password`` is the unwrapped secret: it goes to the server and nowhere else.

        ``starttls`` upgrades a plain connection (port 587); ``use_tls`` is implicit TLS
        (port 465). At most ``concurrency`` connections are open at once. ``bounce_to`` is
        the envelope sender: where servers return undeliverable mail (default: ``mail_from``).
        """
        self._options = dict(
            hostname=host,
            port=port,
            username=username,
            password=password,
            use_tls=use_tls,
            start_tls=starttls and not use_tls,
            timeout=timeout,
            tls_context=tls_context,
        )
        self._mail_from = mail_from
        self._bounce_to = bounce_to
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._idle: list[aiosmtplib.SMTP] = []

    def __repr__(self) -> str:
        return f"EmailChannel({self._options['hostname']}:{self._options['port']})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        email = build_or_refuse(msg, self._mail_from, self._clock(), self._bounce_to)
        async with self._slots, self._mapped_errors(msg):
            async with self._connection() as (smtp, reused):
                try:
                    await smtp.sendmail(email.sender, email.recipients, email.data)
                except aiosmtplib.SMTPServerDisconnected:
                    if not reused:
                        raise
                    # The server closed an idle pooled connection: one fresh try.
                    await smtp.connect()
                    await smtp.sendmail(email.sender, email.recipients, email.data)
        return Delivery(provider_id=email.message_id, sent_at=self._clock())

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for smtp in idle:
            await _close(smtp)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[tuple[aiosmtplib.SMTP, bool]]:
        """A connected client; back to the pool on success, closed on any error."""
        smtp = None
        while self._idle and smtp is None:
            candidate = self._idle.pop()
            smtp = candidate if candidate.is_connected else None
        reused = smtp is not None
        if smtp is None:
            smtp = aiosmtplib.SMTP(**self._options)  # type: ignore[arg-type]
            await smtp.connect()
        try:
            yield smtp, reused
        except BaseException:
            await _close(smtp)
            raise
        self._idle.append(smtp)

    @asynccontextmanager
    async def _mapped_errors(self, msg: OutgoingMessage) -> AsyncIterator[None]:
        where = f"SMTP {self._options['hostname']}:{self._options['port']}"
        try:
            yield
        except aiosmtplib.SMTPRecipientsRefused as exc:
            replies = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            permanent = all(r.code >= 500 for r in exc.recipients)
            raise DeliveryError(f"{where}: recipients refused: {replies}", permanent=permanent) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are a settings problem, not this message's: retry once fixed.
            raise DeliveryError(f"{where}: authentication failed: {exc.code} {exc.message}",
                                channel_down=True) from exc
        except aiosmtplib.SMTPDataError as exc:
            raise DeliveryError(f"{where}: {exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except aiosmtplib.SMTPResponseException as exc:  # the session or the sender was refused
            raise DeliveryError(f"{where}: {exc.code} {exc.message}", channel_down=exc.code >= 500) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from exc


async def _close(smtp: aiosmtplib.SMTP) -> None:
    """QUIT politely when the connection still works; drop it otherwise."""
    try:
        if smtp.is_connected:
            await smtp.quit()
    except (TimeoutError, aiosmtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()  # nothing left to do after a QUIT that worked; a failed or cancelled one drops it
