"""Channels for practice: a simulation reaches no real person, whatever the settings say.

``ZaloRecord`` stands in for Zalo: it writes each ZNS request it would have made to a JSON
Lines file a person can read, and never holds a credential. ``TestRecipientsOnly`` wraps a
real email channel for a simulation sent through a server on purpose: only addresses on the
reserved test domains (RFC 2606 and 6761) get through, or every message goes to the one
override address; a message with no such recipient goes to the practice Maildir instead.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from notifications.channels.base import Channel, DeliveryError, system_now
from notifications.message import Delivery, OutgoingMessage

RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def is_test_address(address: str) -> bool:
    """True for an address on a domain reserved for testing, which can reach no one."""
    domain = address.rsplit("@", 1)[-1].strip().strip(">").lower().rstrip(".")
    if "@" not in address or not domain:
        return False
    return domain.endswith(RESERVED_TLDS) or domain in {d.lstrip(".") for d in RESERVED_TLDS} or any(
        domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS)


class ZaloRecord:
    """Zalo in practice: the request each message would make, one JSON line per message.

    The file is opened at the first message and closed by ``aclose``; each line is handed to the
    kernel (flushed) before ``send`` returns, so a process that stops after the dispatcher
    recorded a message as sent has its line in the file.
    """

    name = "zalo"

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = system_now) -> None:
        self.path = Path(path)
        self._clock = clock
        self._ids = itertools.count(1)
        self._file: TextIO | None = None

    def __repr__(self) -> str:
        return f"ZaloRecord({str(self.path)!r})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        line = json.dumps({"phone": list(msg.to), "key": msg.key, "template_id": msg.zalo_template_id,
                           "template_data": msg.zalo_template_data}, ensure_ascii=False)
        try:
            self._append(line)
        except OSError as exc:
            raise DeliveryError(f"cannot record Zalo message {msg.key} in {self.path}: {exc}") from exc
        return Delivery(provider_id=f"mo-phong-{next(self._ids)}", sent_at=self._clock())

    async def aclose(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _append(self, line: str) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(line + "\n")
        self._file.flush()


class TestRecipientsOnly:
    """An email channel that delivers only to test addresses (or to one override address)."""

    name = "email"
    __test__ = False  # not a pytest class, despite the name

    def __init__(self, server: Channel, practice: Channel, *, override: str | None = None) -> None:
        self.server, self.practice, self.override = server, practice, override

    def __repr__(self) -> str:
        return f"TestRecipientsOnly({self.server!r}, override={self.override!r})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        if self.override:
            return await self.server.send(replace(msg, to=(self.override,)))
        allowed = tuple(a for a in msg.to if is_test_address(a))
        if allowed:
            return await self.server.send(replace(msg, to=allowed))
        return await self.practice.send(msg)

    async def aclose(self) -> None:
        await self.server.aclose()
        await self.practice.aclose()
