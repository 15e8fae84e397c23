"""What every Chromium test needs: Debian's Chromium, a page of it, and an app served on a free port.

Importing this module skips the importing test module when Chromium is missing, except under
CI=true, where a missing browser fails: CI must never pass by skipping its browser tests.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.types import ASGIApp

from tests.servers.smtp import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing in CI: run .ci/chromium.sh", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


@contextmanager
def chromium_page(width: int = 1280, height: int = 720) -> Iterator[Page]:
    """A page of Debian's Chromium, headless, at ``width`` × ``height``."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser.new_page(viewport={"width": width, "height": height})
        browser.close()


def base_url() -> str:
    """An address on a free local port, to build the app's settings with before serving it there."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def served(app: ASGIApp, base: str) -> Iterator[str]:
    """``app`` served by uvicorn in a thread at ``base`` (from ``base_url``) until the block ends."""
    port = int(base.rsplit(":", 1)[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(5)
