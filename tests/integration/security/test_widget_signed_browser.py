"""The real widget in Chromium with signed session tokens on (WIDGET_SESSION_SECRET): it
stores the server's token, a reload continues the same conversation with its history, and a
page of another origin cannot open the socket at all. Rasa runs the channel tests' fixture
assistant (`rasa run` as a process, our channels from a credentials file)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from bot.channels.widget_sessions import SessionSigner
from tests.integration.channels.browser_support import (
    PageServer, RasaServer, build_widget, launch, stored_session_id, tracker_user_texts,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)
TOKEN = "signed-widget-test-token"
SECRET = "a-widget-session-secret-for-tests"


@pytest.fixture(scope="module")
def servers(fixture_model, tmp_path_factory):
    build_widget()
    own, other = PageServer().start(), PageServer().start()
    rasa = RasaServer(fixture_model, tmp_path_factory.mktemp("signed-rasa"), TOKEN,
                      env={"WIDGET_ALLOWED_ORIGINS": own.url, "WIDGET_SESSION_SECRET": SECRET}).start()
    try:
        yield rasa, own, other
    finally:
        rasa.stop()
        own.stop()
        other.stop()


def test_a_signed_session_survives_a_reload_and_other_origins_cannot_connect(servers):
    rasa, own, other = servers
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{own.url}/?rasa_port={rasa.port}")
        page.get_by_role("button", name="Check my deadline").click()
        expect(page.locator(".ic-root")).to_have_attribute("data-connection", "online")
        box = page.get_by_role("textbox", name="Type your message")
        box.fill("hello")
        box.press("Enter")
        log = page.get_by_role("log", name="Conversation")
        expect(log).to_contain_text("Which notice did you get?")
        token = stored_session_id(page)
        session_id = SessionSigner(SECRET, 86400).verify(token)
        assert session_id and re.fullmatch(r"[0-9a-f]{32}", session_id) and token != session_id
        assert tracker_user_texts(rasa.url, TOKEN, session_id) == ["hello"]

        page.reload()
        expect(page.locator(".ic-root")).to_have_attribute("data-connection", "online")
        expect(page.get_by_role("log", name="Conversation")).to_contain_text("Which notice did you get?")
        assert stored_session_id(page) == token  # same conversation, history kept

        # The same widget on a page of another origin never gets a conversation.
        stranger = browser.new_page()
        stranger.goto(f"{other.url}/?rasa_port={rasa.port}")
        stranger.get_by_role("button", name="Check my deadline").click()
        stranger.wait_for_timeout(3000)
        assert stranger.locator(".ic-root").get_attribute("data-connection") != "online"
        assert stored_session_id(stranger) is None
        browser.close()
    assert errors == []
