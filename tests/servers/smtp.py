"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrived and injects faults.

Modelled on cole/aiosmtplib's tests/smtpd.py: faults are decided on the server side, so the
client under test meets them exactly as it would meet a real relay. Also the sink for
benchmarks/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "vanphong", "mật-khẩu-thử"


@dataclass
class Recorder:
    """The handler: what arrived, how many connections, and the faults still to inject."""

    messages: list[Envelope] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each accepted message
    connections: int = 0
    fail_data: list[str] = field(default_factory=list)  # replies for the next DATA commands
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → RCPT reply
    disconnect_data: int = 0  # drop the connection during the next N DATA commands
    mail_reply: str | None = None  # a reply to every MAIL FROM (e.g. "530 5.7.0 Authentication required")
    delay: float = 0.0  # seconds before answering each DATA: a slow relay
    pipelining: bool = True  # advertise PIPELINING (RFC 2920), as real relays do
    pipelined: int = 0  # transactions whose MAIL FROM, RCPT TO and DATA arrived in one packet
    helo_names: list[str] = field(default_factory=list)  # the name each EHLO gave
    # Refuse every recipient after an EHLO name without a dot, as Postfix's
    # reject_non_fqdn_helo_hostname does (it answers at RCPT TO; address literals pass).
    require_fqdn_helo: bool = False

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.helo_names.append(hostname)
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    def fail_next(self, reply: str, times: int = 1) -> None:
        self.fail_data.extend([reply] * times)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if self.require_fqdn_helo and not session.host_name.startswith("[") and "." not in session.host_name:
            return f"504 5.5.2 <{session.host_name}>: Helo command rejected: need fully-qualified hostname"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.disconnect_data:
            self.disconnect_data -= 1
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if self.fail_data:
            return self.fail_data.pop(0)
        self.messages.append(envelope)
        self.arrived.append(time.monotonic())
        return "250 Message accepted for delivery"


class CountingSMTP(SMTP):
    def connection_made(self, transport: Any) -> None:
        self.event_handler.connections += 1
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if b"MAIL FROM:" in data and b"RCPT TO:" in data and b"DATA\r\n" in data:
            self.event_handler.pipelined += 1
        super().data_received(data)


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


class SMTPServer(Controller):
    """``SMTPServer(tls=context)`` offers STARTTLS and requires AUTH (LOGIN/PLAIN) after it."""

    def __init__(self, tls: ssl.SSLContext | None = None, **smtp: Any) -> None:
        """``smtp``: aiosmtpd's SMTP options (``timeout=0.3`` drops a session idle that long)."""
        self.recorder = Recorder()
        extra: dict[str, Any] = dict(smtp)
        if tls is not None:
            extra.update(
                tls_context=tls, require_starttls=True, authenticator=authenticate, auth_required=True
            )
        super().__init__(self.recorder, hostname="127.0.0.1", port=free_port(), **extra)

    def start(self) -> None:
        super().start()
        self.recorder.connections = 0  # Controller's own readiness probe is not a client

    def factory(self) -> SMTP:
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for 127.0.0.1, made with cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
