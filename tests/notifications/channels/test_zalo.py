"""The Zalo channel against a local server that keeps Zalo's ZNS and OAuth contracts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from kehoach.store.db import make_engine
from kehoach.store.zalo_tokens import DbTokenStore
from notifications.channels.base import DeliveryError
from notifications.channels.zalo import VN, ZaloChannel
from notifications.message import OutgoingMessage
from notifications.render import render_message
from tests.notifications.test_render import context
from tests.servers.zalo import APP_ID, SECRET_KEY, ZaloServer

FRIDAY_EVENING = datetime(2026, 5, 29, 18, 0, tzinfo=VN)


def message(phone: str = "84912345678", key: str = "k1") -> OutgoingMessage:
    return render_message("report_due", context(), key=key, channel="zalo", to=[phone], to_name="Phòng Văn hóa")


def store(path: Path, token: str, db: str = "kehoach.db") -> DbTokenStore:
    """The installation's token store: the Zalo table of a database under ``path``."""
    return DbTokenStore(make_engine(f"sqlite:///{path / db}"), APP_ID, initial_refresh_token=token)


def channel(server: ZaloServer, store: DbTokenStore, clock: datetime | None = None) -> ZaloChannel:
    return ZaloChannel(app_id=APP_ID, secret_key=SECRET_KEY, template_id="tpl-1", tokens=store,
                       api_base=server.url, oauth_base=server.url, **({"clock": lambda: clock} if clock else {}))


def seeded(server: ZaloServer, path: Path) -> DbTokenStore:
    return store(path, server.state.new_refresh_token())


async def test_success_returns_msg_id_and_sends_the_template(zalo_server: ZaloServer, tmp_path: Path) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path))
    delivery = await sender.send(message())
    await sender.aclose()
    assert delivery.provider_id == "msg-1"
    (body,) = zalo_server.state.sends()
    assert body["phone"] == "84912345678" and body["template_id"] == "tpl-1" and body["tracking_id"] == "k1"
    assert "Báo cáo kết quả" in body["template_data"]["content"]


async def test_concurrent_sends_share_at_most_concurrency_kept_alive_connections(
    zalo_server: ZaloServer, tmp_path: Path,
) -> None:
    # Given a channel allowed 3 connections
    sender = ZaloChannel(app_id=APP_ID, secret_key=SECRET_KEY, template_id="tpl-1",
                         tokens=seeded(zalo_server, tmp_path), api_base=zalo_server.url, oauth_base=zalo_server.url,
                         concurrency=3)
    # When 30 messages are sent at once, in two rounds
    for round_ in range(2):
        await asyncio.gather(*(sender.send(message(key=f"k{round_}-{i}")) for i in range(15)))
    await sender.aclose()
    # Then every one arrived whole, over at most 3 connections reused from round to round
    bodies = zalo_server.state.sends()
    assert sorted(b["tracking_id"] for b in bodies) == sorted(f"k{r}-{i}" for r in range(2) for i in range(15))
    assert all("Báo cáo kết quả" in b["template_data"]["content"] for b in bodies)
    assert 1 <= len(zalo_server.state.clients) <= 3


async def test_invalid_token_refreshes_once_and_stores_the_new_pair(zalo_server: ZaloServer, tmp_path: Path) -> None:
    # Given a working token pair, which Zalo then voids
    store = seeded(zalo_server, tmp_path)
    sender = channel(zalo_server, store)
    await sender.send(message(key="k1"))
    zalo_server.state.access_tokens.clear()
    # When the next message meets -124
    delivery = await sender.send(message(key="k2"))
    await sender.aclose()
    # Then the channel refreshed once, sent again, and the store holds the new, unused refresh token
    assert delivery.provider_id == "msg-2"
    stored = store.load()
    assert stored is not None and stored.refresh_token in zalo_server.state.refresh_tokens
    assert stored.access_token in zalo_server.state.access_tokens


async def test_a_used_refresh_token_is_rejected_and_rests_the_channel(zalo_server: ZaloServer, tmp_path: Path) -> None:
    # Given a refresh token already used by another installation (another database)
    token = zalo_server.state.new_refresh_token()
    first = channel(zalo_server, store(tmp_path, token, "a.db"))
    await first.send(message())
    second = channel(zalo_server, store(tmp_path, token, "b.db"))
    # When the second store tries it
    with pytest.raises(DeliveryError) as caught:
        await second.send(message())
    await first.aclose()
    await second.aclose()
    # Then Zalo refuses it, nothing is sent with it, and the channel is down until a new token is given
    assert "refresh" in caught.value.reason and not caught.value.permanent and caught.value.channel_down
    assert token not in str(caught.value)


async def test_two_stores_on_one_database_refresh_only_once(zalo_server: ZaloServer, tmp_path: Path) -> None:
    # Given two senders (as two workers would) with their own engines on one database
    token = zalo_server.state.new_refresh_token()
    senders = [channel(zalo_server, store(tmp_path, token)) for _ in range(2)]
    # When both send at once
    deliveries = await asyncio.gather(*(s.send(message(key=f"k{i}")) for i, s in enumerate(senders)))
    for sender in senders:
        await sender.aclose()
    # Then one refresh happened and both messages went out
    refreshes = [p for p, _ in zalo_server.state.requests if p == "/v4/oa/access_token"]
    assert len(refreshes) == 1 and len(deliveries) == 2


@pytest.mark.parametrize("code", [-144, -1441, -147])
async def test_quota_retries_next_working_morning(zalo_server: ZaloServer, tmp_path: Path, code: int) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path), clock=FRIDAY_EVENING)
    zalo_server.state.fail_next(code)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert caught.value.retry_when is not None
    assert caught.value.retry_when(FRIDAY_EVENING) == datetime(2026, 6, 1, 8, 0, tzinfo=VN)  # Monday
    assert not caught.value.permanent


async def test_night_time_retries_after_six(zalo_server: ZaloServer, tmp_path: Path) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path), clock=datetime(2026, 5, 29, 23, 0, tzinfo=VN))
    zalo_server.state.fail_next(-133)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert caught.value.retry_when is not None
    assert caught.value.retry_when(datetime(2026, 5, 29, 23, 0, tzinfo=VN)) == datetime(2026, 5, 30, 6, 5, tzinfo=VN)


@pytest.mark.parametrize("code", [-108, -118, -119, -114, -141, -131])
async def test_unreachable_user_is_permanent_and_falls_back_to_email(zalo_server: ZaloServer, tmp_path: Path, code: int) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path))
    zalo_server.state.fail_next(code)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert caught.value.permanent and caught.value.fallback_email and str(code) in caught.value.reason


async def test_http_500_is_a_retry(zalo_server: ZaloServer, tmp_path: Path) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path))
    zalo_server.state.fail_next(status=500)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.aclose()
    assert not caught.value.permanent and caught.value.retry_when is None


async def test_invalid_phone_is_permanent_without_a_request(zalo_server: ZaloServer, tmp_path: Path) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path))
    with pytest.raises(DeliveryError) as caught:
        await sender.send(message(phone="0912345678"))
    await sender.aclose()
    assert caught.value.permanent and zalo_server.state.requests == []


async def test_long_key_becomes_a_stable_tracking_id(zalo_server: ZaloServer, tmp_path: Path) -> None:
    sender = channel(zalo_server, seeded(zalo_server, tmp_path))
    for _ in range(2):
        await sender.send(message(key="x" * 80))
    await sender.aclose()
    ids = [body["tracking_id"] for body in zalo_server.state.sends()]
    assert ids[0] == ids[1] and len(ids[0]) <= 48


async def test_a_new_refresh_token_in_the_settings_replaces_a_dead_pair(zalo_server: ZaloServer, tmp_path: Path) -> None:
    # Given an installation whose stored pair Zalo no longer accepts (access and refresh tokens void)
    first = channel(zalo_server, seeded(zalo_server, tmp_path))
    await first.send(message(key="k1"))
    await first.aclose()
    zalo_server.state.access_tokens.clear()
    zalo_server.state.refresh_tokens.clear()
    # When the admin puts a newly authorised refresh token in the settings
    fresh = zalo_server.state.new_refresh_token()
    second = channel(zalo_server, store(tmp_path, fresh))
    delivery = await second.send(message(key="k2"))
    await second.aclose()
    # Then the channel uses it (once) and sends
    assert delivery.provider_id == "msg-2" and fresh not in zalo_server.state.refresh_tokens
