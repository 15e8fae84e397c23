"""Alerts from Prefect's automations (server mode), turned into an email to the admin.

Prefect posts here through a webhook notification block (``flows/automations.py``) carrying a
bearer token derived from the installation's signing key; anything else is refused. "No
dispatch for 30 minutes" is only worth an email in working hours: at night and on days off
nothing is scheduled to dispatch, so that kind is dropped then.
"""

from __future__ import annotations

import hmac
import uuid

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from kehoach.delivery.channel_setup import channels_from_settings
from kehoach.runtime.health import in_working_hours
from notifications.channels.base import DeliveryError
from notifications.message import OutgoingMessage

router = APIRouter()


@router.post("/canh-bao/prefect")
async def prefect_alert(request: Request) -> JSONResponse:
    state = request.app.state.portal
    settings = state.settings
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), settings.alert_token().encode()):
        raise HTTPException(403)
    try:
        alert = await request.json()
        kind, subject, body = str(alert["kind"]), str(alert["subject"]), str(alert["body"])
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400) from None
    now = state.clock()
    if kind == "silence" and not in_working_hours(now, state.config.calendar([now.year])):
        return JSONResponse({"sent": False, "reason": "ngoài giờ làm việc"})
    if not settings.admin_email:
        return JSONResponse({"sent": False, "reason": "KEHOACH_ADMIN_EMAIL chưa được đặt"})
    email = channels_from_settings(settings, state.engine)["email"]
    assert email is not None
    message = OutgoingMessage(key=f"canh-bao/{uuid.uuid4()}", channel="email", to=(settings.admin_email,),
                              to_name="Quản trị kehoach", subject=subject, text=body)
    try:
        await email.send(message)
    except DeliveryError as exc:
        return JSONResponse({"sent": False, "reason": str(exc)}, status_code=502)
    finally:
        await email.aclose()
    return JSONResponse({"sent": True})
