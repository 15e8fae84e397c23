"""Real Chromium under the portal's Content-Security-Policy: the form still works and is
styled, nothing is refused, and another site cannot frame a signed page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from kehoach.settings import Settings
from kehoach.submissions.links import make_link
from tests import reporting_world as world
from tests.web.portal.conftest import NOW

pytestmark = pytest.mark.browser


def test_the_form_works_and_is_styled_under_the_policy(live_portal: str, page: Page, portal_settings: Settings) -> None:
    # Given a signed link, and every console message recorded
    url = make_link(portal_settings.model_copy(update={"portal_base_url": live_portal}), world.PLAN_ID,
                    "yk-cong-an", "nam-2026", NOW + timedelta(days=30))
    messages: list[ConsoleMessage] = []
    page.on("console", lambda m: messages.append(m))
    # When the unit opens it, fills every figure and sends it
    response = page.goto(url)
    assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    expect(page.locator("header")).to_have_css("border-bottom-color", "rgb(170, 0, 0)")  # the style sheet applied
    for box in page.locator("input[type=text][inputmode=numeric]").all():
        box.fill("1")
    page.click("#gui-bao-cao")
    # Then the confirmation shows and the browser refused nothing
    expect(page.locator("#xac-nhan")).to_contain_text("Hệ thống đã nhận báo cáo")
    refused = [m.text for m in messages if "Refused" in m.text or "Content Security Policy" in m.text]
    assert refused == [] and len(messages) <= 1  # at most the missing favicon's 404


def test_another_site_cannot_frame_a_signed_page(live_portal: str, page: Page, portal_settings: Settings) -> None:
    url = make_link(portal_settings.model_copy(update={"portal_base_url": live_portal}), world.PLAN_ID,
                    "yk-cong-an", "nam-2026", NOW + timedelta(days=30))
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text))
    # Given another site's page that embeds a unit's signed form in a frame
    page.set_content(f'<iframe id="f" src="{url}" width="600" height="400"></iframe>')
    # Then Chromium refuses to display it (the policy's frame-ancestors), and no form shows
    for _ in range(50):
        if any("frame-ancestors" in t or "X-Frame-Options" in t for t in refusals):
            break
        page.wait_for_timeout(100)
    assert any("frame-ancestors" in t or "X-Frame-Options" in t for t in refusals), refusals
    expect(page.frame_locator("#f").locator("#gui-bao-cao")).to_have_count(0)
