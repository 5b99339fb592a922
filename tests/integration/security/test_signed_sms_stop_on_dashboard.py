"""Issue 14, item 7, end to end: a taxpayer texts STOP (a request signed with Twilio's own
validator, to the stack's real SMS webhook) while an advisor has the case open in the dashboard
(Chromium). The case shows the opt-out at once, pushed, and the reply box says so before
anyone types; a reply through the API is refused with the reason."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.integration.channels.browser_support import launch, screenshot
from tests.integration.security.conftest import new_phone
from tests.unit.handoff.cases import escalation

pytestmark = [pytest.mark.stack, pytest.mark.browser]
expect.set_options(timeout=30_000)

NOTICE = "I got an LT11 dated November 20, 2026"


def test_a_signed_sms_stop_shows_on_the_open_case_and_blocks_the_reply(security_stack):
    stack, env = security_stack, security_stack.env
    phone = new_phone()
    assert stack.sms(phone, NOTICE).status_code == 200
    stack.wait_sms_replies(phone, 1)
    created = stack.queue("POST", "/api/handoffs", env["SERVICE_TOKEN"], escalation(conversation_id=phone, channel="sms"))
    assert created.status_code in (200, 201), created.text
    case_id = created.json()["id"]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{stack.web_url}/advisor")
        page.fill("#token", env["ADVISOR_TOKEN"])
        page.click("#signin-form button[type=submit]")
        expect(page.locator("#stream-state")).to_have_text("Live")
        row = page.locator(f"#queue .case-row[data-case-id='{case_id}']")
        row.click()
        page.click("#claim")
        expect(page.locator("#reply-text")).to_be_enabled()

        assert stack.sms(phone, "STOP").status_code == 200
        expect(page.locator("#case-taxpayer .chip.optout")).to_contain_text("Opted out of texts (STOP) at")
        expect(page.locator("#reply-blocked")).to_contain_text("texted STOP")
        expect(page.locator("#reply-text")).to_be_disabled()
        screenshot(page, "dashboard-sms-stop")
        browser.close()
    refused = stack.queue("POST", f"/api/handoffs/{case_id}/reply", env["ADVISOR_TOKEN"], {"content": "Hi, it's Dana"})
    assert refused.status_code == 502 and "STOP" in refused.json()["error"]
