"""SMTP delivery over a small pool of reused sessions (``smtp_session``: pipelined transactions).

The session's errors are translated here, at the seam (as httpx's ``map_httpcore_exceptions``
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

from notifications.channels.base import DeliveryError, build_or_refuse, system_now
from notifications.channels.smtp_session import (
    AuthenticationFailed,
    ProtocolError,
    RecipientsRefused,
    ReplyError,
    Session,
)
from notifications.message import Delivery, OutgoingMessage

CLOSING = 421  # "service not available, closing transmission channel": what a relay says to an idle session

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
        self._host, self._port = host, port
        self._options = dict(
            username=username,
            password=password,
            use_tls=use_tls,
            starttls=starttls and not use_tls,
            timeout=timeout,
            tls_context=tls_context,
        )
        self._mail_from = mail_from
        self._bounce_to = bounce_to
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._idle: list[Session] = []

    def __repr__(self) -> str:
        return f"EmailChannel({self._host}:{self._port})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        email = build_or_refuse(msg, self._mail_from, self._clock(), self._bounce_to)
        async with self._slots, self._mapped_errors(msg):
            smtp = self._pooled()
            reused = smtp is not None
            try:
                if smtp is None:
                    smtp = await self._open()
                try:
                    await smtp.send(email.sender, email.recipients, email.data)
                except (ConnectionError, ReplyError) as exc:
                    if not reused or (isinstance(exc, ReplyError) and exc.code != CLOSING):
                        raise
                    # The server closed an idle pooled session (silently, or saying 421): one fresh try.
                    smtp.close()
                    smtp = await self._open()
                    await smtp.send(email.sender, email.recipients, email.data)
            except BaseException:
                if smtp is not None:
                    smtp.close()  # an error mid-transaction leaves the session unusable
                raise
            self._idle.append(smtp)
        return Delivery(provider_id=email.message_id, sent_at=self._clock())

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for smtp in idle:
            await smtp.quit()

    async def _open(self) -> Session:
        return await Session.open(self._host, self._port, **self._options)  # type: ignore[arg-type]

    def _pooled(self) -> Session | None:
        """An idle session still connected, if any (the others are dropped)."""
        while self._idle:
            if (smtp := self._idle.pop()).is_connected:
                return smtp
            smtp.close()
        return None

    @asynccontextmanager
    async def _mapped_errors(self, msg: OutgoingMessage) -> AsyncIterator[None]:
        where = f"SMTP {self._host}:{self._port}"
        try:
            yield
        except RecipientsRefused as exc:
            replies = "; ".join(f"{a}: {r.code} {r.message}" for a, r in exc.refused)
            permanent = all(r.code >= 500 for _, r in exc.refused)
            raise DeliveryError(f"{where}: recipients refused: {replies}", permanent=permanent) from exc
        except AuthenticationFailed as exc:
            # Wrong credentials are a settings problem, not this message's: retry once fixed.
            raise DeliveryError(f"{where}: authentication failed: {exc.code} {exc.message}",
                                channel_down=True) from exc
        except ReplyError as exc:
            if exc.stage == "DATA":
                raise DeliveryError(f"{where}: {exc.code} {exc.message}", permanent=exc.code >= 500) from exc
            # the session or the sender was refused
            raise DeliveryError(f"{where}: {exc.code} {exc.message}", channel_down=exc.code >= 500) from exc
        except (TimeoutError, ProtocolError, OSError) as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from exc

