"""Hostile text typed by taxpayers, through the widget (in a real browser) and by SMS (signed),
reaches the advisor's dashboard through Rasa's transcript as text: nothing executes there.

The dashboard renders case data with textContent and sends a Content-Security-Policy without
inline script; this test checks the first (the text shows literally, no element is created)
and that the second never had to step in (no CSP violation in the console).
"""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.integration.channels.browser_support import build_widget, launch, screenshot, stored_session_id
from tests.integration.security.conftest import new_phone
from tests.unit.handoff.cases import escalation

pytestmark = [pytest.mark.stack, pytest.mark.browser]
expect.set_options(timeout=30_000)

SCRIPT = "<script>window.__pwned='script';document.title='pwned'</script>"
IMAGE = "<img src=x onerror=\"window.__pwned='img';document.title='pwned';alert('xss')\">"
SVG = "<svg/onload=alert('svg')>"
NAME = "<img src=x onerror=alert('name')>"


def watch(page):
    dialogs, csp = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: csp.append(message.text) if "Content Security Policy" in message.text else None)
    return dialogs, csp


def nothing_ran(page, dialogs, csp, title: str) -> None:
    assert page.evaluate("() => window.__pwned") is None
    # The title counts waiting cases ("(2) Queue - Advisor", issue 14): it may change by that only.
    assert re.sub(r"^\(\d+\) ", "", page.title()) == re.sub(r"^\(\d+\) ", "", title), page.title()
    assert dialogs == [] and csp == []


def test_script_and_img_onerror_from_the_widget_and_sms_never_execute_for_the_advisor(security_stack):
    stack, env = security_stack, security_stack.env
    build_widget()
    phone = new_phone()
    for text in (SCRIPT, IMAGE + " " + SVG):
        assert stack.sms(phone, text).status_code == 200
        time.sleep(1)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        # A taxpayer types the payloads into the widget on the demo site.
        taxpayer = browser.new_context()
        page = taxpayer.new_page()
        dialogs, csp = watch(page)
        page.goto(f"{stack.web_url}/?rasa_port={env['RASA_PORT']}")
        title = page.title()
        page.get_by_role("button", name="Check my deadline").click()
        expect(page.locator(".ic-root")).to_have_attribute("data-connection", "online")
        box = page.get_by_role("textbox", name="Type your message")
        for text in (SCRIPT, IMAGE):
            box.fill(text)
            box.press("Enter")
            expect(page.get_by_role("log", name="Conversation")).to_contain_text(text)
        session_id = stored_session_id(page)
        assert session_id
        deadline = time.monotonic() + 60
        while len(stack.stored_user_texts(session_id)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert stack.stored_user_texts(session_id) == [SCRIPT, IMAGE]
        nothing_ran(page, dialogs, csp, title)
        taxpayer.close()
        assert stack.wait_stored_user_texts(phone, 2)[-2:] == [SCRIPT, IMAGE + " " + SVG]

        # Both conversations are escalated; an advisor opens each case.
        names = []
        for conversation, channel in ((session_id, "socketio"), (phone, "sms")):
            body = escalation(conversation_id=conversation, channel=channel)
            body["contact"]["name"] = f"{NAME} via {channel}"
            created = stack.queue("POST", "/api/handoffs", env["SERVICE_TOKEN"], body)
            assert created.status_code == 201, created.text
            names.append(body["contact"]["name"])
        advisor = browser.new_context(viewport={"width": 1280, "height": 900})
        page = advisor.new_page()
        dialogs, csp = watch(page)
        page.goto(f"{stack.web_url}/advisor")
        title = page.title()
        page.fill("#token", env["ADVISOR_TOKEN"])
        page.click("#signin-form button[type=submit]")
        expect(page.locator("#who")).to_have_text("Signed in as Dev Advisor")
        for name, expected in zip(names, ([SCRIPT, IMAGE], [SCRIPT, IMAGE + " " + SVG])):
            page.locator("#queue .case-row", has_text=name).click()
            expect(page.locator("#case-header h2")).to_have_text(name)
            body = page.locator("#case-body")
            for text in expected:
                expect(body).to_contain_text(text)  # shown as the taxpayer typed it
            assert page.locator("#case img, #case script, #case svg, #case iframe").count() == 0
            nothing_ran(page, dialogs, csp, title)
        screenshot(page, "advisor-hostile-transcript")
        advisor.close()
        browser.close()
