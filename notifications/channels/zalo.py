"""Zalo ZNS template messages over httpx, with OAuth token rotation.

Zalo answers HTTP 200 with ``{"error": N, "message": …, "data": {…}}``; ``error`` decides,
not the status. What each provider code means for us is in ``ERRORS`` below and nowhere else;
an unknown code is a plain retry, so the dispatcher's attempt limit ends it.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from notifications.channels.base import DeliveryError, system_now
from notifications.channels.zalo_tokens import TokenPair, TokenStore
from notifications.message import Delivery, OutgoingMessage

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Action(enum.Enum):
    REFRESH_TOKEN = "refresh the access token once and send again"
    NEXT_WORKING_MORNING = "retry on the next working morning"
    AFTER_QUIET_HOURS = "retry after 06:00"
    FALLBACK_EMAIL = "permanent; reach the unit by email"


ERRORS: dict[int, tuple[Action, str]] = {
    -124: (Action.REFRESH_TOKEN, "access token invalid or expired"),
    -144: (Action.NEXT_WORKING_MORNING, "OA daily quota exceeded"),
    -1441: (Action.NEXT_WORKING_MORNING, "OA quota exceeded"),
    -147: (Action.NEXT_WORKING_MORNING, "template daily quota exceeded"),
    -133: (Action.AFTER_QUIET_HOURS, "ZNS not sent at night (22:00-06:00)"),
    -108: (Action.FALLBACK_EMAIL, "phone number invalid"),
    -118: (Action.FALLBACK_EMAIL, "Zalo account does not exist or is disabled"),
    -119: (Action.FALLBACK_EMAIL, "Zalo account cannot receive ZNS"),
    -114: (Action.FALLBACK_EMAIL, "user inactive, declined ZNS or outdated Zalo app"),
    -141: (Action.FALLBACK_EMAIL, "recipient not eligible for this message"),
    -131: (Action.FALLBACK_EMAIL, "template not approved or not allowed"),
}

PHONE = re.compile(r"^84[35789]\d{8}$")
TRACKING_ID_MAX = 48  # Zalo's limit on tracking_id
QUIET_HOURS_END = time(6, 5)  # a few minutes after 06:00, so clock skew does not waste a try
REFRESH_MARGIN = timedelta(minutes=5)  # refresh an access token this close to expiry first


def next_weekday_morning(now: datetime) -> datetime:
    """08:00 Vietnam time on the next Monday–Friday; holidays are the caller's business."""
    day = now.astimezone(VN).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(8), VN)


def after_quiet_hours(now: datetime) -> datetime:
    local = now.astimezone(VN)
    today = datetime.combine(local.date(), QUIET_HOURS_END, VN)
    return today if local < today else today + timedelta(days=1)


def tracking_id(key: str) -> str:
    """The outbox key, or a stable hash of it when it is too long for Zalo."""
    return key if len(key) <= TRACKING_ID_MAX else hashlib.sha256(key.encode()).hexdigest()[:32]



class ZaloChannel:
    name = "zalo"

    def __init__(
        self,
        *,
        app_id: str,
        secret_key: str,
        template_id: str,
        tokens: TokenStore,
        api_base: str = "https://business.openapi.zalo.me",
        oauth_base: str = "https://oauth.zaloapp.com",
        timeout: float = 15.0,
        concurrency: int = 4,
        next_working_morning: Callable[[datetime], datetime] = next_weekday_morning,
        clock: Callable[[], datetime] = system_now,
    ) -> None:
        """``secret_key`` is the unwrapped app secret; ``tokens`` was seeded with the settings'
        refresh token and holds every later one. At most ``concurrency`` connections are open at once
        (the dispatcher's Zalo senders), kept alive between messages."""
        self._app_id = app_id
        self._secret_key = secret_key
        self._template_id = template_id
        self._tokens = tokens
        self._api_base = api_base.rstrip("/")
        self._oauth_base = oauth_base.rstrip("/")
        self._next_working_morning = next_working_morning
        self._clock = clock
        # One client for the run: its connections are kept alive and reused, at most ``concurrency``.
        self._client = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=concurrency))

    def __repr__(self) -> str:
        return f"ZaloChannel({self._api_base!r}, app_id={self._app_id!r})"

    async def send(self, msg: OutgoingMessage) -> Delivery:
        phone = msg.to[0] if len(msg.to) == 1 else ""
        if not PHONE.match(phone):
            raise DeliveryError(
                f"Zalo: not a Vietnamese mobile number in 84… form: {msg.to!r}",
                permanent=True,
                fallback_email=True,
            )
        body = {
            "phone": phone,
            "template_id": msg.zalo_template_id or self._template_id,
            "template_data": msg.zalo_template_data,
            "tracking_id": tracking_id(msg.key),
        }
        pair = await self._access()
        answer = await self._send(body, pair, msg.key)
        if answer.get("error") in _codes(Action.REFRESH_TOKEN):
            pair = await self._rotate(pair.access_token, msg.key)
            answer = await self._send(body, pair, msg.key)
        return self._delivery(answer, msg.key)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _access(self) -> TokenPair:
        pair = self._tokens.load()
        if pair is not None and pair.expires_at - REFRESH_MARGIN > self._clock():
            return pair
        return await self._rotate(pair.access_token if pair else None, "token refresh")

    async def _rotate(self, stale: str | None, key: str) -> TokenPair:
        try:
            return await self._tokens.rotate(stale, self._refresh)
        except LookupError as exc:
            raise DeliveryError(f"Zalo {key}: {exc}", channel_down=True) from exc

    async def _refresh(self, refresh_token: str) -> TokenPair:
        """Trade the single-use refresh token for a new pair (the store keeps it)."""
        answer = await self._post(
            f"{self._oauth_base}/v4/oa/access_token",
            "token refresh",
            headers={"secret_key": self._secret_key},
            data={"app_id": self._app_id, "grant_type": "refresh_token", "refresh_token": refresh_token},
        )
        if "access_token" not in answer or "refresh_token" not in answer:
            # A refused refresh token stays refused: the channel rests until an admin gives a new one.
            raise DeliveryError(
                f"Zalo token refresh failed: {answer.get('error')} "
                f"{answer.get('error_name') or answer.get('message') or ''}".strip(),
                channel_down=True,
            )
        return TokenPair(
            access_token=answer["access_token"],
            refresh_token=answer["refresh_token"],
            expires_at=self._clock() + timedelta(seconds=int(answer.get("expires_in", 0))),
        )

    async def _send(self, body: dict[str, Any], pair: TokenPair, key: str) -> dict[str, Any]:
        return await self._post(
            f"{self._api_base}/message/template", key,
            headers={"access_token": pair.access_token}, json=body,
        )

    async def _post(self, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        """POST and decode; transport failures and 5xx are retries, named by ``what``."""
        try:
            response = await self._client.post(url, **kwargs)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Zalo {what}: {type(exc).__name__} on {url}") from exc
        if response.status_code != 200:
            raise DeliveryError(f"Zalo {what}: HTTP {response.status_code} from {url}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryError(f"Zalo {what}: answer from {url} is not JSON") from exc
        if not isinstance(answer, dict):
            raise DeliveryError(f"Zalo {what}: unexpected answer from {url}")
        return answer

    def _delivery(self, answer: dict[str, Any], key: str) -> Delivery:
        code = answer.get("error")
        if code == 0:
            data = answer.get("data") or {}
            sent_time = data.get("sent_time")
            sent_at = (
                datetime.fromtimestamp(int(sent_time) / 1000, UTC).astimezone(VN)
                if sent_time else self._clock()
            )
            return Delivery(provider_id=str(data.get("msg_id")), sent_at=sent_at)
        action, meaning = ERRORS.get(code, (None, "unknown error"))  # type: ignore[arg-type]
        reason = f"Zalo {key}: error {code} ({meaning}): {answer.get('message', '')}"
        if action is Action.NEXT_WORKING_MORNING:
            raise DeliveryError(reason, retry_when=self._next_working_morning)
        if action is Action.AFTER_QUIET_HOURS:
            raise DeliveryError(reason, retry_when=after_quiet_hours)
        if action is Action.FALLBACK_EMAIL:
            raise DeliveryError(reason, permanent=True, fallback_email=True)
        raise DeliveryError(reason)  # REFRESH_TOKEN a second time, or a code we do not know


def _codes(action: Action) -> frozenset[int]:
    return frozenset(code for code, (a, _) in ERRORS.items() if a is action)
