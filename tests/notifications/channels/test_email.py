"""The SMTP channel against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import socket
from email import policy
from typing import Any

import pytest

from notifications.channels.base import DeliveryError
from notifications.channels.email import EmailChannel
from notifications.channels.smtp_session import Session, local_hostname
from notifications.message import OutgoingMessage
from notifications.render import render_message
from tests.notifications.test_render import context
from tests.servers.smtp import PASSWORD, USER, SMTPServer, free_port


def message(key: str = "k1", to: tuple[str, ...] = ("a@x.vn",)) -> OutgoingMessage:
    return render_message("report_due", context(), key=key, channel="email", to=to, to_name="Phòng Văn hóa")


def channel(server: SMTPServer, **options: Any) -> EmailChannel:
    return EmailChannel(host="127.0.0.1", port=server.port, mail_from="Văn phòng <vp@stp.gov.vn>", starttls=False, timeout=5, **options)


async def test_message_arrives_and_parses(smtp_server: SMTPServer) -> None:
    sender = channel(smtp_server)
    delivery = await sender.send(message())
    await sender.aclose()
    (envelope,) = smtp_server.recorder.messages
    parsed = email.message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert parsed["Subject"].startswith("[Hạn hôm nay] Báo cáo kết quả 6 tháng đầu năm 2026")
    assert delivery.provider_id == parsed["Message-ID"]


async def test_connections_are_reused(smtp_server: SMTPServer) -> None:
    # Given a channel allowed two connections
    sender = channel(smtp_server, concurrency=2)
    # When six messages go one after another, then twenty at once
    for i in range(6):
        await sender.send(message(key=f"k{i}"))
    first = smtp_server.recorder.connections
    await asyncio.gather(*(sender.send(message(key=f"m{i}")) for i in range(20)))
    await sender.aclose()
    # Then all arrived over one, then at most two, connections
    assert len(smtp_server.recorder.messages) == 26
    assert first == 1 and smtp_server.recorder.connections <= 2


async def test_a_pipelining_server_gets_the_envelope_in_one_packet_and_a_refused_recipient_stays_out(
    smtp_server: SMTPServer,
) -> None:
    # Given a relay that advertises PIPELINING and refuses one of a unit's three addresses
    smtp_server.recorder.refuse["b@x.vn"] = "550 5.1.1 Không có hộp thư này"
    sender = channel(smtp_server)
    # When two messages go to the three addresses over one session
    for key in ("k1", "k2"):
        await sender.send(message(key=key, to=("a@x.vn", "b@x.vn", "c@x.vn")))
    await sender.aclose()
    # Then MAIL FROM, the RCPT TOs and DATA arrived together each time, and both messages
    # reached the two accepted addresses only
    assert smtp_server.recorder.pipelined == 2
    assert [e.rcpt_tos for e in smtp_server.recorder.messages] == [["a@x.vn", "c@x.vn"]] * 2


async def test_a_server_without_pipelining_is_answered_one_command_at_a_time(smtp_server: SMTPServer) -> None:
    # Given a relay that does not advertise PIPELINING and refuses one address
    smtp_server.recorder.pipelining = False
    smtp_server.recorder.refuse["b@x.vn"] = "550 5.1.1 No such user"
    sender = channel(smtp_server)
    await sender.send(message(to=("a@x.vn", "b@x.vn")))
    await sender.send(message(key="k2"))
    await sender.aclose()
    # Then nothing was pipelined and both messages arrived, to the accepted addresses
    (first, second) = smtp_server.recorder.messages
    assert smtp_server.recorder.pipelined == 0
    assert (first.rcpt_tos, second.rcpt_tos) == (["a@x.vn"], ["a@x.vn"])


@pytest.mark.parametrize("pipelining", [True, False])
async def test_every_recipient_refused_is_permanent_with_each_reply(smtp_server: SMTPServer, pipelining: bool) -> None:
    smtp_server.recorder.pipelining = pipelining
    smtp_server.recorder.refuse.update({"a@x.vn": "550 5.1.1 Không có", "b@x.vn": "553 5.1.3 Sai địa chỉ"})
    sender = channel(smtp_server)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message(to=("a@x.vn", "b@x.vn")))
    await sender.send(message(key="k2", to=("c@x.vn",)))  # and the channel goes on
    await sender.aclose()
    assert caught.value.permanent and not caught.value.channel_down
    assert "a@x.vn: 550" in caught.value.reason and "b@x.vn: 553" in caught.value.reason
    assert [e.rcpt_tos for e in smtp_server.recorder.messages] == [["c@x.vn"]]


@pytest.mark.parametrize("pipelining", [True, False])
@pytest.mark.parametrize("reply", ["421 Service not available", "451 Try again later"])
async def test_4xx_is_a_retry(smtp_server: SMTPServer, reply: str, pipelining: bool) -> None:
    smtp_server.recorder.pipelining = pipelining
    smtp_server.recorder.fail_next(reply)
    sender = channel(smtp_server)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    assert not caught.value.permanent
    await sender.send(message())  # and the next attempt goes through
    await sender.aclose()
    assert len(smtp_server.recorder.messages) == 1


async def test_550_for_the_only_recipient_is_permanent_with_the_reply(smtp_server: SMTPServer) -> None:
    smtp_server.recorder.refuse["a@x.vn"] = "550 5.1.1 Hộp thư không tồn tại"
    sender = channel(smtp_server)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert caught.value.permanent and "550" in caught.value.reason and "a@x.vn" in caught.value.reason


async def test_one_refused_recipient_among_several_is_sent(smtp_server: SMTPServer) -> None:
    smtp_server.recorder.refuse["a@x.vn"] = "550 5.1.1 No such user"
    sender = channel(smtp_server)
    await sender.send(message(to=("a@x.vn", "b@x.vn")))
    await sender.aclose()
    (envelope,) = smtp_server.recorder.messages
    assert envelope.rcpt_tos == ["b@x.vn"]


@pytest.mark.parametrize(("machine_name", "ehlo"), [("localhost", "[127.0.0.1]"), ("vm", "[127.0.0.1]"),
                                                    ("mail.stp.gov.vn", "mail.stp.gov.vn")])
async def test_a_relay_requiring_a_qualified_ehlo_name_accepts_the_message_on_a_machine_without_one(
    smtp_server: SMTPServer, monkeypatch: pytest.MonkeyPatch, machine_name: str, ehlo: str,
) -> None:
    # Given a machine that knows itself only by a bare name, and a relay that refuses every
    # recipient after an EHLO name without a dot (Postfix's reject_non_fqdn_helo_hostname)
    monkeypatch.setattr(socket, "getfqdn", lambda *_: machine_name)
    local_hostname.cache_clear()
    smtp_server.recorder.require_fqdn_helo = True
    sender = channel(smtp_server)
    # When a message is sent
    try:
        await sender.send(message())
    finally:
        await sender.aclose()
        local_hostname.cache_clear()
    # Then EHLO gave our address literal (RFC 5321 §4.1.4), or the qualified name, and it arrived
    assert smtp_server.recorder.helo_names == [ehlo]
    assert [e.rcpt_tos for e in smtp_server.recorder.messages] == [["a@x.vn"]]


async def test_a_pooled_session_the_server_dropped_while_idle_is_replaced_without_an_error() -> None:
    # Given a relay that drops a session idle for 0.3 s
    server = SMTPServer(timeout=0.3)
    server.start()
    try:
        sender = channel(server)
        await sender.send(message(key="k1"))
        # When the next message comes after the relay dropped the pooled session
        await asyncio.sleep(0.8)
        await sender.send(message(key="k2"))
        await sender.aclose()
    finally:
        server.stop()
    # Then it went out on a new session, with no error
    assert len(server.recorder.messages) == 2 and server.recorder.connections == 2


async def test_disconnect_mid_data_is_a_retry(smtp_server: SMTPServer) -> None:
    smtp_server.recorder.disconnect_data = 1
    sender = channel(smtp_server)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert not caught.value.permanent


async def test_server_down_is_a_retry() -> None:
    # Given a port nobody listens on
    sender = EmailChannel(host="127.0.0.1", port=free_port(), mail_from="vp@stp.gov.vn", starttls=False, timeout=5)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert not caught.value.permanent


async def test_starttls_and_auth(smtp_tls_server: SMTPServer, tls_contexts: tuple) -> None:  # type: ignore[type-arg]
    sender = EmailChannel(host="127.0.0.1", port=smtp_tls_server.port, mail_from="vp@stp.gov.vn", username=USER,
                          password=PASSWORD, starttls=True, tls_context=tls_contexts[1], timeout=5)
    await sender.send(message())
    await sender.aclose()
    assert len(smtp_tls_server.recorder.messages) == 1


async def test_wrong_password_is_a_retry_that_does_not_show_the_password(smtp_tls_server: SMTPServer, tls_contexts: tuple) -> None:  # type: ignore[type-arg]
    sender = EmailChannel(host="127.0.0.1", port=smtp_tls_server.port, mail_from="vp@stp.gov.vn", username=USER,
                          password="sai-mat-khau", starttls=True, tls_context=tls_contexts[1], timeout=5)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert not caught.value.permanent and "sai-mat-khau" not in caught.value.reason
    assert caught.value.channel_down  # no message can pass with these settings: the channel rests


@pytest.mark.parametrize("pipelining", [True, False])
async def test_lines_that_begin_with_a_dot_arrive_unchanged(smtp_server: SMTPServer, pipelining: bool) -> None:
    # Given a message whose first line and two others begin with a dot (one is a lone dot)
    smtp_server.recorder.pipelining = pipelining
    data = b".first\r\nSubject: x\r\n\r\n.\r\n..two dots\r\nend\r\n"
    session = await Session.open("127.0.0.1", smtp_server.port, timeout=5)
    # When it is sent as it is
    refused = await session.send("vp@stp.gov.vn", ("a@x.vn",), data)
    await session.quit()
    # Then the relay received exactly those bytes: the message did not end at the lone dot
    (envelope,) = smtp_server.recorder.messages
    assert refused == {} and envelope.original_content == data
