"""The whole stack in a browser: the demo page from the web service, the widget, the Rasa
server with the project's trained model and the action server, as `make run` starts them.
A conversation reaches the deadline card, survives a reload, and shows an advisor joining.

Needs the trained model (models/intake.tar.gz, or INTAKE_MODEL), the action server's actions
and the web service (bot.web); `make test` trains first.
"""
from __future__ import annotations

import os
import re
import secrets
from importlib.util import find_spec
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from bot.stack import MODEL, Stack, settings
from tests.integration.channels.browser_support import (
    DESKTOP,
    PHONE,
    ROOT,
    build_widget,
    free_port,
    launch,
    post_events,
    screenshot,
    stored_session_id,
    tracker_user_texts,
)

pytestmark = [pytest.mark.stack, pytest.mark.browser]
expect.set_options(timeout=30_000)

# INTAKE_TODAY fixes "today" in every process: LT11 dated Friday Nov 20, 2026 -> day 30 is
# Sunday Dec 20 -> the last day rolls to Monday Dec 21 (facts 1.1, 1.5; IRC 7503): 24 days left.
TODAY = "2026-11-27"
NOTICE = "I got an LT11 dated November 20, 2026"


def model_path() -> Path:
    return Path(os.environ.get("INTAKE_MODEL") or MODEL)


def missing() -> str:
    if not model_path().exists():
        return f"no trained model at {model_path()} (make train, or set INTAKE_MODEL)"
    if find_spec("bot.web") is None:
        return "the web service (bot.web) is not in this checkout"
    if not (ROOT / "actions" / "__init__.py").exists():
        return "the action server's actions package is not in this checkout"
    return ""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    reason = missing()
    if reason:
        pytest.skip(reason)
    build_widget()
    state = tmp_path_factory.mktemp("stack")
    env = settings({
        **os.environ,
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "STATE_DIR": str(state),
        "RASA_TOKEN": secrets.token_urlsafe(16),
        "SERVICE_TOKEN": secrets.token_urlsafe(16),
        "ADVISOR_TOKEN": secrets.token_urlsafe(16),
        "INTAKE_TODAY": TODAY,
    })
    # settings() keeps URLs derived from .env/defaults if they were set there: derive ours.
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env["HANDOFF_API_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}/api"
    running = Stack(env, state / "log", model=model_path())
    running.start(timeout=300)
    try:
        yield env
    finally:
        running.stop()


def test_a_person_chats_reaches_the_deadline_reloads_and_sees_the_advisor_join(stack):
    env = stack
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"http://127.0.0.1:{env['WEB_PORT']}/?rasa_port={env['RASA_PORT']}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Final Notice of Intent to Levy")

        page.get_by_role("button", name="Check my deadline").click()
        box = page.get_by_role("textbox", name="Type your message")
        box.fill(NOTICE)
        box.press("Enter")
        card = page.get_by_role("article", name=re.compile("Collection Due Process hearing"))
        expect(card).to_contain_text("Monday, December 21, 2026")
        expect(card).to_contain_text("24 days left")
        log = page.get_by_role("log", name="Conversation")
        expect(log).to_contain_text("December 21")
        screenshot(page, "stack-desktop")

        session_id = stored_session_id(page)
        page.reload()
        expect(page.get_by_role("article", name=re.compile("Collection Due Process hearing"))).to_contain_text("24 days left")
        expect(page.locator(".ic-root")).to_have_attribute("data-connection", "online")
        assert stored_session_id(page) == session_id
        assert tracker_user_texts(env["RASA_URL"], env["RASA_TOKEN"], session_id)[0] == NOTICE

        post_events(env["RASA_URL"], env["RASA_TOKEN"], session_id, [
            {"event": "bot", "data": {"custom": {"type": "handoff", "state": "joined", "advisor": "Dana"}}},
            {"event": "bot", "text": "Hi, I'm Dana from the firm. I have your case in front of me."},
        ])
        expect(page.locator(".ic-advisor-bar")).to_have_text("Dana (advisor) has joined the chat")
        expect(page.get_by_role("log", name="Conversation").locator(".ic-from-advisor").last).to_contain_text("I have your case")
        page.set_viewport_size(PHONE)
        expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()
        screenshot(page, "stack-phone")
        context.close()
        browser.close()
    assert errors == []
