"""One SMTP client session on asyncio streams, with the mail transaction pipelined (RFC 2920).

Why our own and not aiosmtplib's ``sendmail``: aiosmtplib writes each command and waits for its
reply (MAIL, each RCPT, DATA, the body: four round trips for one recipient), parses every
address again at each step and rescans each message for line endings; its protocol keeps one
reply at a time, so several replies arriving together cannot be read. On loopback against
Postfix's smtp-sink that made the dispatcher reach a third of a bare loop of pre-encoded bytes
(``benchmarks/dispatch.py``, measured). Here MAIL FROM, every RCPT TO and DATA go in one write
when the server advertises PIPELINING (real relays do), their replies are read in order, and
the body follows in a second write: two round trips a message, one at a time otherwise. The
body comes from ``notifications.mime`` with CRLF line endings already, so it is only
dot-stuffed, once, on bytes. Waits use ``asyncio.timeout``, which never drops a cancellation.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from functools import lru_cache

MAX_REPLY_LINES = 256  # an EHLO reply is a few dozen lines; more means the peer is not an SMTP server


@dataclass(frozen=True)
class Reply:
    code: int
    message: str


class ReplyError(Exception):
    """The server refused a command: ``stage`` says which (greeting, EHLO, STARTTLS, MAIL, DATA…)."""

    def __init__(self, stage: str, reply: Reply) -> None:
        super().__init__(f"{stage}: {reply.code} {reply.message}")
        self.stage, self.code, self.message = stage, reply.code, reply.message


class AuthenticationFailed(ReplyError):
    """The server refused the credentials."""


class RecipientsRefused(Exception):
    """Every recipient was refused; ``refused`` holds each address with the server's reply."""

    def __init__(self, refused: list[tuple[str, Reply]]) -> None:
        super().__init__("; ".join(f"{a}: {r.code} {r.message}" for a, r in refused))
        self.refused = refused


class ProtocolError(Exception):
    """The peer's answer is not SMTP, or it lacks what the settings ask for (STARTTLS, AUTH)."""


@lru_cache(maxsize=1)
def local_hostname() -> str:
    """The machine's fully qualified name, looked up once (a DNS query)."""
    return socket.getfqdn()


def ehlo_name(fqdn: str, local_address: str) -> str:
    """What EHLO names us: ``fqdn``, or our address literal when ``fqdn`` has no dot.

    A machine often knows itself only as ``localhost`` or a bare host name; strict relays
    (Postfix's ``reject_non_fqdn_helo_hostname``) then refuse every recipient of the session.
    RFC 5321 §4.1.4 says to send the address literal when no meaningful name is at hand
    (as ``smtplib`` does): ``[10.0.0.5]``, ``[IPv6:fe80::1]``.
    """
    if "." in fqdn.strip("."):
        return fqdn
    address = ipaddress.ip_address(local_address.partition("%")[0])
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


@dataclass
class Session:
    """A connected, greeted (and, as configured, encrypted and logged-in) SMTP session."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    timeout: float
    extensions: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def open(cls, host: str, port: int, *, timeout: float, use_tls: bool = False, starttls: bool = False,
                   tls_context: ssl.SSLContext | None = None, username: str | None = None,
                   password: str | None = None) -> Session:
        context = (tls_context or ssl.create_default_context()) if (use_tls or starttls) else None
        fqdn = await asyncio.to_thread(local_hostname)
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=context if use_tls else None, server_hostname=host if use_tls else None)
        hostname = ehlo_name(fqdn, writer.get_extra_info("sockname")[0])
        smtp = cls(reader, writer, timeout)
        try:
            await smtp._expect("greeting", 220)
            await smtp._ehlo(hostname)
            if starttls:
                if "STARTTLS" not in smtp.extensions:
                    raise ProtocolError("the server does not offer STARTTLS")
                await smtp._command("STARTTLS", b"STARTTLS\r\n", 220)
                async with asyncio.timeout(timeout):
                    await writer.start_tls(context, server_hostname=host)  # type: ignore[arg-type]
                await smtp._ehlo(hostname)
            if username is not None and password is not None:
                await smtp._login(username, password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    @property
    def is_connected(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()

    async def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict[str, Reply]:
        """One mail transaction; returns the recipients refused when others were accepted.

        ``data`` is a whole message with CRLF line endings. Raises ``RecipientsRefused`` when
        none was accepted and ``ReplyError`` for a refused MAIL FROM or DATA; the session is then
        in the middle of a transaction and must be closed, not reused.
        """
        size = f" SIZE={len(data)}" if "SIZE" in self.extensions else ""
        mail = f"MAIL FROM:<{sender}>{size}\r\n".encode()
        rcpts = [f"RCPT TO:<{r}>\r\n".encode() for r in recipients]
        if "PIPELINING" in self.extensions:
            self.writer.write(mail + b"".join(rcpts) + b"DATA\r\n")
            async with asyncio.timeout(self.timeout):
                mail_reply = await self._reply()
                try:
                    replies = [await self._reply() for _ in range(len(rcpts) + 1)]
                except (ConnectionError, ProtocolError):
                    if mail_reply.code != 250:  # a server may hang up after refusing the sender
                        raise ReplyError("MAIL FROM", mail_reply) from None
                    raise
            rcpt_replies, data_reply = replies[:-1], replies[-1]
        else:
            self.writer.write(mail)
            mail_reply, rcpt_replies, data_reply = await self._timed_reply(), [], None
            if mail_reply.code == 250:
                for line in rcpts:
                    self.writer.write(line)
                    rcpt_replies.append(await self._timed_reply())
        if mail_reply.code != 250:
            raise ReplyError("MAIL FROM", mail_reply)
        refused = {r: reply for r, reply in zip(recipients, rcpt_replies, strict=True) if reply.code not in (250, 251)}
        if len(refused) == len(recipients):
            if data_reply is not None and data_reply.code == 354:
                self.writer.write(b".\r\n")  # a server that opened DATA anyway gets an empty end
            raise RecipientsRefused(list(refused.items()))
        if data_reply is None:
            self.writer.write(b"DATA\r\n")
            data_reply = await self._timed_reply()
        if data_reply.code != 354:
            raise ReplyError("DATA", data_reply)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        body = data.replace(b"\r\n.", b"\r\n..")
        self.writer.write((b"." if body.startswith(b".") else b"") + body + b".\r\n")
        if (done := await self._timed_reply()).code != 250:
            raise ReplyError("DATA", done)
        return refused

    async def quit(self) -> None:
        """QUIT politely when the session still works; close it in any case."""
        try:
            if self.is_connected:
                self.writer.write(b"QUIT\r\n")
                await self._timed_reply()
        except (TimeoutError, OSError, ProtocolError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.writer.close()

    async def _ehlo(self, hostname: str) -> None:
        reply = await self._command("EHLO", f"EHLO {hostname}\r\n".encode(), 250)
        self.extensions = {}
        for line in reply.message.split("\n")[1:]:
            keyword, _, params = line.strip().partition(" ")
            self.extensions[keyword.upper()] = params

    async def _login(self, username: str, password: str) -> None:
        methods = self.extensions.get("AUTH", "").upper().split()
        if "PLAIN" in methods:
            token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
            reply = await self._ask(f"AUTH PLAIN {token}\r\n".encode())
        elif "LOGIN" in methods:
            reply = await self._ask(b"AUTH LOGIN\r\n")
            for secret in (username, password):
                if reply.code != 334:
                    break
                reply = await self._ask(base64.b64encode(secret.encode()) + b"\r\n")
        else:
            raise ProtocolError(f"the server offers no AUTH method we speak (PLAIN, LOGIN): {methods}")
        if reply.code != 235:
            raise AuthenticationFailed("AUTH", reply)

    async def _ask(self, line: bytes) -> Reply:
        self.writer.write(line)
        return await self._timed_reply()

    async def _command(self, stage: str, line: bytes, expected: int) -> Reply:
        self.writer.write(line)
        return await self._expect(stage, expected)

    async def _expect(self, stage: str, expected: int) -> Reply:
        if (reply := await self._timed_reply()).code != expected:
            raise ReplyError(stage, reply)
        return reply

    async def _timed_reply(self) -> Reply:
        async with asyncio.timeout(self.timeout):
            return await self._reply()

    async def _reply(self) -> Reply:
        """The next reply, its lines joined by newlines (``250-a`` ``250 b`` → ``a\\nb``).

        Not timed: the caller times the replies it awaits together (one timer, not one a reply).
        """
        lines = []
        await self.writer.drain()
        while len(lines) < MAX_REPLY_LINES:
            line = await self.reader.readline()
            if not line.endswith(b"\n"):
                raise ConnectionResetError("the SMTP server closed the connection")
            if len(line) < 4 or not line[:3].isdigit() or line[3:4] not in (b" ", b"-", b"\r", b"\n"):
                raise ProtocolError(f"not an SMTP reply: {line[:80]!r}")
            lines.append(line[4:].strip().decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return Reply(int(line[:3]), "\n".join(lines))
        raise ProtocolError(f"an SMTP reply of more than {MAX_REPLY_LINES} lines")
