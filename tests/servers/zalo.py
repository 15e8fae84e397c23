"""A local stand-in for Zalo's ZNS and OAuth endpoints, served by uvicorn in a thread.

It keeps Zalo's contract: HTTP 200 with ``{"error": N, …}``, access tokens checked on every
send, and single-use refresh tokens (a reused one is rejected, as Zalo does).
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

APP_ID, SECRET_KEY = "app-123", "secret-abc"


@dataclass
class ZaloState:
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)  # valid, not yet used
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: list[tuple[int, int]] = field(default_factory=list)  # (zalo error, http status)
    msg_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    accepted: int = 0  # messages answered with success
    clients: set[tuple[str, int]] = field(default_factory=set)  # the connections ZNS sends came on (address, port)

    def new_refresh_token(self) -> str:
        token = "rt-" + secrets.token_hex(8)
        self.refresh_tokens.add(token)
        return token

    def fail_next(self, error: int = 0, times: int = 1, *, status: int = 200) -> None:
        self.faults.extend([(error, status)] * times)

    def sends(self) -> list[dict[str, Any]]:
        return [body for path, body in self.requests if path == "/message/template"]


def build_app(state: ZaloState) -> Starlette:
    async def send_template(request: Request) -> JSONResponse:
        body = await request.json()
        state.requests.append(("/message/template", body))
        if request.client is not None:
            state.clients.add((request.client.host, request.client.port))
        if state.faults:
            error, status = state.faults.pop(0)
            return JSONResponse({"error": error, "message": "injected"}, status_code=status)
        if request.headers.get("access_token") not in state.access_tokens:
            return JSONResponse({"error": -124, "message": "Access token is invalid"})
        state.accepted += 1
        data = {"msg_id": f"msg-{next(state.msg_ids)}", "sent_time": str(int(time.time() * 1000)),
                "quota": {"dailyQuota": "500", "remainingQuota": "499"}}
        return JSONResponse({"error": 0, "message": "Success", "data": data})

    async def refresh(request: Request) -> JSONResponse:
        form = dict(await request.form())
        state.requests.append(("/v4/oa/access_token", form))
        if request.headers.get("secret_key") != SECRET_KEY or form.get("app_id") != APP_ID:
            return JSONResponse({"error": -14001, "error_name": "Invalid app"})
        token = form.get("refresh_token")
        if form.get("grant_type") != "refresh_token" or token not in state.refresh_tokens:
            return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
        state.refresh_tokens.discard(str(token))
        access = "at-" + secrets.token_hex(8)
        state.access_tokens.add(access)
        return JSONResponse({"access_token": access, "refresh_token": state.new_refresh_token(), "expires_in": "90000"})

    return Starlette(routes=[
        Route("/message/template", send_template, methods=["POST"]),
        Route("/v4/oa/access_token", refresh, methods=["POST"]),
    ])


class ZaloServer:
    """``with ZaloServer() as server: server.url, server.state``."""

    def __init__(self) -> None:
        self.state = ZaloState()
        config = uvicorn.Config(build_app(self.state), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.url = ""

    def __enter__(self) -> ZaloServer:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
