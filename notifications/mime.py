"""OutgoingMessage → the RFC 5322 bytes of one email, shared by the SMTP channel and the Maildir.

Names and subjects arrive from contact files and plans, so nothing here trusts them: every
run of whitespace (CR/LF included) collapses to one space, display names and the subject
become RFC 2047 encoded words, and an attachment name outside plain ASCII is sent as RFC 2231
parameters. Every message gets a new Message-ID; the notification key travels in
``X-Kehoach-Key`` (a crash's duplicate shows there), and the headers Outlook/Exchange and
mailing filters honour say the mail is automated (``Precedence: bulk``,
``X-Auto-Response-Suppress: All``, ``Auto-Submitted``) and which plan it belongs to (``List-Id``).

The MIME tree is always the same shape (text, html, attachments, all base64), so it is
written directly: the stdlib generator re-folds every header through its policy machinery
at milliseconds a message, which alone would cap the dispatcher far below what the SMTP
connection carries. The boundary contains ``=_``, which base64 bodies can never contain.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from notifications.message import Attachment, OutgoingMessage
from notifications.vietnamese import ascii_fold

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the Date: header reads as the offices' local time

# A display name longer than this is a data error; cut it so the To: header stays readable.
MAX_DISPLAY_NAME = 120
CRLF = "\r\n"
_ATOM = re.compile(r"^[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~]*$")
_FILENAME = re.compile(r"^[A-Za-z0-9._-]+$")
_BARE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")
_MSG_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_LABEL = re.compile(r"[^a-z0-9-]+")
AUTOMATED = ("Auto-Submitted: auto-generated",  # RFC 3834: autoresponders must not answer
             "Precedence: bulk", "X-Auto-Response-Suppress: All")


def one_line(value: str) -> str:
    """Collapse every run of whitespace (CR, LF, tabs, U+2028, …) into one space."""
    return " ".join(value.split())


@lru_cache(maxsize=4096)  # the sender, and a subject shared by every recipient of an event
def encoded_words(text: str) -> str:
    """RFC 2047 ``=?utf-8?b?…?=`` words of at most 45 bytes each (75 characters encoded),
    split between characters and folded one per line."""
    words, chunk, size = [], [], 0
    for char in text:
        n = len(char.encode())
        if size + n > 45:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += n
    words.append("".join(chunk))
    return (CRLF + " ").join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words)


def encode_header(name: str, value: str) -> str:
    """``Name: value`` with non-ASCII text as folded RFC 2047 encoded words."""
    value = one_line(value)
    if value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}"
    return f"{name}: {encoded_words(value)}"


@dataclass(frozen=True)
class Address:
    display_name: str
    addr_spec: str

    @property
    def domain(self) -> str:
        return self.addr_spec.rpartition("@")[2]

    def header(self) -> str:
        """``=?utf-8?b?…?= <addr>``; a quoted or bare name when it is plain ASCII."""
        name = one_line(self.display_name)[:MAX_DISPLAY_NAME]
        if not name:
            return self.addr_spec
        if name.isascii():
            shown = name if _ATOM.match(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            shown = encoded_words(name)
        return f"{shown} <{self.addr_spec}>"


@lru_cache(maxsize=4096)
def parse_address(value: str) -> Address:
    """``"Name <addr>"`` or a bare address; raises ValueError naming the value."""
    if _BARE.match(value):
        return Address("", value)
    name, addr = parseaddr(one_line(value))
    local, _, domain = addr.rpartition("@")
    if not local or not domain or any(c in addr for c in " <>,;\"\\") or not addr.isascii():
        raise ValueError(f"not an email address: {value!r}")
    return Address(name, addr)


@lru_cache(maxsize=16384)  # a province's units: each unit's addresses are parsed and encoded once a run
def addressed(to: tuple[str, ...], to_name: str) -> tuple[tuple[str, ...], str]:
    """The envelope recipients and the ``To:`` header of a unit's addresses under its name."""
    recipients = tuple(parse_address(a).addr_spec for a in to)
    return recipients, "To: " + ("," + CRLF + " ").join(Address(to_name, a).header() for a in recipients)


def new_message_id(domain: str) -> str:
    """Unique for every message ever built, across installations and simulations."""
    return f"<{uuid.uuid4().hex}@{domain or 'kehoach'}>"


def list_id(label: str, domain: str) -> str:
    """``<plan-id.domain>``: a stable RFC 2919 list identifier per plan."""
    return f"<{_LABEL.sub('-', label.lower()).strip('-') or 'kehoach'}.{domain or 'kehoach'}>"


@dataclass(frozen=True)
class Email:
    """What goes on the wire: the envelope and the message bytes."""

    sender: str
    recipients: tuple[str, ...]
    message_id: str
    data: bytes


def _part(content_type: str, data: bytes, disposition: str | None = None) -> bytes:
    head = f"Content-Type: {content_type}{CRLF}Content-Transfer-Encoding: base64{CRLF}"
    if disposition:
        head += f"Content-Disposition: {disposition}{CRLF}"
    return (head + CRLF).encode() + base64.encodebytes(data).replace(b"\n", b"\r\n")


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    sep = f"--{boundary}{CRLF}".encode()
    body = b"".join(sep + p for p in parts) + f"--{boundary}--{CRLF}".encode()
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}'.encode() + body


def _attachment(a: Attachment) -> bytes:
    """A plain ASCII name as it is; any other as RFC 2231 ``filename*`` (the ASCII-folded name
    stays in ``Content-Type: name=`` for old readers; a second plain ``filename`` would win over
    ``filename*`` in some parsers)."""
    name = one_line(a.filename).replace("/", "_").replace("\\", "_")
    if not name:
        raise ValueError(f"attachment without a name: {a.filename!r}")
    charset = "; charset=utf-8" if a.content_type.startswith("text/") else ""
    if _FILENAME.match(name):
        return _part(f'{a.content_type}{charset}; name="{name}"', a.data, f'attachment; filename="{name}"')
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_fold(name)).strip("-") or "tep-dinh-kem"
    encoded = quote(name, safe="")
    pieces = [encoded[i:i + 60] for i in range(0, len(encoded), 60)]
    for i in range(len(pieces) - 1):  # never cut a %XX escape in two
        cut = pieces[i].rfind("%", len(pieces[i]) - 2)
        if cut != -1:
            pieces[i], pieces[i + 1] = pieces[i][:cut], pieces[i][cut:] + pieces[i + 1]
    params = "".join(f";{CRLF} filename*{i}*={'utf-8' + chr(39) * 2 if i == 0 else ''}{p}"
                     for i, p in enumerate(pieces))
    return _part(f'{a.content_type}{charset}; name="{fallback}"', a.data, f"attachment{params}")


def build_email(msg: OutgoingMessage, mail_from: str, *, date: datetime | None = None,
                bounce_to: str | None = None) -> Email:
    """text (+ html as multipart/alternative) (+ attachments → multipart/mixed), UTF-8.

    ``mail_from`` is the configured sender; the message's ``from_name`` (the issuing office)
    replaces its display name. ``bounce_to`` is the envelope sender, where delivery failures
    go (default: the From address). ``date`` defaults to now.
    """
    sender = parse_address(mail_from)
    shown = Address(msg.from_name or sender.display_name, sender.addr_spec)
    envelope = parse_address(bounce_to).addr_spec if bounce_to else sender.addr_spec
    reply_to = [parse_address(a) for a in msg.reply_to]
    references = [r for r in msg.references if _MSG_ID.match(r)]
    recipients, to_header = addressed(tuple(msg.to), msg.to_name)
    tag = hashlib.sha256(msg.key.encode()).hexdigest()[:20]
    body = _part("text/plain; charset=utf-8", msg.text.encode())
    if msg.html is not None:
        body = _multipart("alternative", f"=_alt_{tag}", [body, _part("text/html; charset=utf-8", msg.html.encode())])
    if msg.attachments:
        body = _multipart("mixed", f"=_mix_{tag}", [body, *(_attachment(a) for a in msg.attachments)])
    mid = new_message_id(sender.domain)
    headers = ["From: " + shown.header()]
    if reply_to:
        headers.append("Reply-To: " + ("," + CRLF + " ").join(a.header() for a in reply_to))
    headers += [
        to_header,
        encode_header("Subject", msg.subject),
        "Date: " + format_datetime((date or datetime.now().astimezone()).astimezone(VN_TZ)),
        "Message-ID: " + mid,
    ]
    if references:
        headers += ["In-Reply-To: " + references[-1], "References: " + (CRLF + " ").join(references)]
    key = one_line(msg.key)  # ASCII keys stay greppable however long (well under 998 octets)
    headers.append(f"X-Kehoach-Key: {key}" if key.isascii() else encode_header("X-Kehoach-Key", key))
    if msg.list_id:
        headers.append("List-Id: " + list_id(msg.list_id, sender.domain))
    headers += [*AUTOMATED, "MIME-Version: 1.0"]
    return Email(envelope, recipients, mid, (CRLF.join(headers) + CRLF).encode() + body)
