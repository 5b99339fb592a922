"""The chat widget in headless Chromium against a real `rasa run` with our socket.io channel
and the fixture assistant (known replies: deadline card, buttons, links), on the demo page.
The full-stack version with the project's own model is test_stack_browser.py."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.integration.channels.browser_support import (
    CONTRAST_JS,
    DESKTOP,
    PHONE,
    PageServer,
    RasaServer,
    build_widget,
    launch,
    post_events,
    screenshot,
    stored_session_id,
    tracker_user_texts,
)

pytestmark = pytest.mark.browser
TOKEN = "widget-browser-test-token"
# The machine is shared and a fresh Rasa server's first turns are slow: wait generously.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def servers(fixture_model, tmp_path_factory):
    build_widget()
    pages = PageServer().start()
    # The page is served from its own origin: the socket accepts it when told to (issue 7).
    rasa = RasaServer(fixture_model, tmp_path_factory.mktemp("widget-rasa"), TOKEN,
                      env={"WIDGET_ALLOWED_ORIGINS": pages.url}).start()
    try:
        yield rasa, pages
    finally:
        pages.stop()
        rasa.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, servers):
    rasa, pages = servers
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{pages.url}/?rasa_port={rasa.port}")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def chat(page):
    """The widget's parts (Playwright's locators pierce its open shadow root)."""

    class Chat:
        launcher = page.get_by_role("button", name="Chat with us", exact=True)
        log = page.get_by_role("log", name="Conversation")
        input = page.get_by_role("textbox", name="Type your message")
        replies = page.get_by_role("group", name="Suggested replies")
        root = page.locator(".ic-root")

        @staticmethod
        def say(text):
            Chat.input.fill(text)
            Chat.input.press("Enter")

    return Chat


def open_chat(page):
    c = chat(page)
    page.get_by_role("button", name="Check my deadline").click()
    expect(c.input).to_be_focused()
    return c


def test_a_conversation_reaches_the_deadline_card_and_continues_after_a_reload(page, servers):
    rasa, _ = servers
    c = open_chat(page)
    expect(c.log).to_contain_text("Which notice did you get (for example LT11 or Letter 1058)")  # the initial message
    c.say("hello")
    expect(c.log).to_contain_text("Which notice did you get?")
    expect(page.locator(".ic-typing")).to_be_hidden()
    c.say("deadline")
    card = page.get_by_role("article", name="Last day to request a Collection Due Process hearing")
    expect(card).to_contain_text("Monday, December 28, 2026")
    expect(card.locator("time")).to_have_attribute("datetime", "2026-12-28")
    expect(card).to_contain_text("31 days left")
    expect(card).to_contain_text("LT11 dated November 27, 2026")
    expect(card.get_by_role("button", name="Add the deadline to my calendar")).to_be_visible()
    screenshot(page, "widget-desktop")

    session_id = stored_session_id(page)
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    page.reload()
    c = chat(page)
    # The panel stays open, the history is back, and the conversation goes on where it was.
    expect(c.log).to_contain_text("Which notice did you get?")
    expect(page.get_by_role("article", name="Last day to request a Collection Due Process hearing")).to_contain_text("31 days left")
    assert stored_session_id(page) == session_id
    c.say("advisor")
    expect(c.replies.get_by_role("button", name="Yes, call me")).to_be_visible()
    assert tracker_user_texts(rasa.url, TOKEN, session_id) == ["hello", "deadline", "advisor"]

    page.set_viewport_size(PHONE)
    expect(c.input).to_be_visible()
    screenshot(page, "widget-phone")


def test_quick_replies_work_with_the_keyboard_only(page):
    c = open_chat(page)
    c.say("advisor")
    yes = c.replies.get_by_role("button", name="Yes, call me")
    expect(yes).to_be_visible()
    # From the message box, Shift+Tab walks back to the suggested replies.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(yes).to_be_focused()
    assert yes.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # visible focus
    page.keyboard.press("Enter")
    expect(c.log).to_contain_text("Good. An advisor will call you today.")
    expect(c.log.locator(".ic-from-user").last).to_have_text(re.compile("Yes, call me"))  # the title, not "/affirm"
    expect(c.replies).to_be_hidden()
    expect(c.input).to_be_focused()


def test_escape_closes_and_the_launcher_reopens(page):
    c = open_chat(page)
    page.keyboard.press("Escape")
    expect(c.input).to_be_hidden()
    expect(c.launcher).to_be_focused()
    expect(c.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(c.input).to_be_focused()
    # Open, the launcher steps aside (the header's close button takes over) and says so.
    expect(page.locator(".ic-launcher")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()


def test_the_advisor_joined_and_left_states_are_visible_and_survive_a_reload(page, servers):
    rasa, _ = servers
    c = open_chat(page)
    c.say("hello")
    expect(c.log).to_contain_text("Which notice did you get?")
    session_id = stored_session_id(page)
    # As the handoff queue does it: its words and the state in one bot event, then the advisor.
    post_events(rasa.url, TOKEN, session_id, [
        {"event": "bot", "text": "Dana, an advisor at the firm, has joined this conversation.",
         "data": {"custom": {"type": "handoff", "state": "joined", "advisor": "Dana"}},
         "metadata": {"from": "assistant", "handoff": {"case_id": 1, "advisor": "Dana"}}},
        {"event": "bot", "text": "Hi, I'm Dana. I have read your case.",
         "metadata": {"from": "advisor", "handoff": {"case_id": 1, "advisor": "Dana"}}},
    ])
    bar = page.locator(".ic-advisor-bar")
    expect(bar).to_have_text("Dana (advisor) has joined the chat")
    expect(c.root).to_have_attribute("data-handoff", "joined")
    expect(page.get_by_role("status").filter(has_text="You're chatting with Dana")).to_be_visible()
    advisor_message = c.log.locator(".ic-from-advisor").last
    expect(advisor_message).to_contain_text("Dana (advisor)")
    expect(advisor_message).to_contain_text("Hi, I'm Dana. I have read your case.")
    screenshot(page, "widget-advisor-joined")

    page.reload()
    expect(page.locator(".ic-advisor-bar")).to_have_text("Dana (advisor) has joined the chat")
    # Rasa pushes only to sockets in the conversation's room at that moment: wait until the
    # reloaded page has rejoined it, as an advisor's later message would find it.
    expect(page.locator(".ic-root")).to_have_attribute("data-connection", "online")
    post_events(rasa.url, TOKEN, session_id, [
        {"event": "bot", "text": "Dana has finished here, and you're back with the firm's automated assistant.",
         "data": {"custom": {"type": "handoff", "state": "left", "advisor": "Dana"}},
         "metadata": {"from": "assistant", "handoff": {"case_id": 1, "advisor": "Dana"}}},
    ])
    expect(page.locator(".ic-root")).to_have_attribute("data-handoff", "left")
    expect(page.locator(".ic-advisor-bar")).to_be_hidden()
    expect(chat(page).log).to_contain_text("Dana left the chat. The assistant is back.")
    # The assistant's words during the handoff are never shown under the advisor's name.
    finished = chat(page).log.locator(".ic-msg").filter(has_text="Dana has finished here")
    expect(finished).to_have_class(re.compile(r"\bic-from-bot\b"))
    expect(chat(page).log.locator(".ic-from-advisor")).to_have_count(1)


def test_the_deadline_downloads_as_an_ics_file(page):
    c = open_chat(page)
    c.say("deadline")
    button = page.get_by_role("button", name="Add the deadline to my calendar")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "irs-hearing-deadline-2026-12-28.ics"
    ics = open(download.path(), encoding="utf-8", newline="").read()
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    unfolded = ics.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20261228\r\n" in unfolded and "DTEND;VALUE=DATE:20261229\r\n" in unfolded
    assert "SUMMARY:Last day to request a Collection Due Process hearing (IRS)\r\n" in unfolded
    assert "notice LT11 dated 2026-11-27" in unfolded
    # 31 days ahead: reminders at 9 am 7, 3 and 1 days before and at 8 am on the day (ics.js).
    assert unfolded.count("BEGIN:VALARM") == 4 and "TRIGGER:-P6DT15H" in unfolded and "TRIGGER:PT8H" in unfolded
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_links_open_safely_and_typed_markup_stays_text(page):
    c = open_chat(page)
    c.say("form")
    link = c.log.get_by_role("link", name=re.compile("about-form-12153"))
    expect(link).to_have_attribute("href", "https://www.irs.gov/forms-pubs/about-form-12153")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    labelled = c.log.get_by_role("link", name=re.compile("^Publication 1660"))
    expect(labelled).to_have_attribute("href", "https://www.irs.gov/pub/irs-pdf/p1660.pdf")
    c.say('<img src=x onerror="window.__pwned=1"> [x](javascript:alert(1))')
    expect(c.log.locator(".ic-from-user").last).to_contain_text("<img src=x")
    assert c.log.locator("img").count() == 0
    assert c.log.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_accessibility_basics(page):
    c = open_chat(page)
    expect(c.log).to_have_attribute("aria-live", "polite")
    expect(c.log).to_have_attribute("tabindex", "0")  # a scrollable region keyboard users can reach
    c.say("deadline")
    expect(page.get_by_role("article", name="Last day to request a Collection Due Process hearing")).to_be_visible()
    for selector in [".ic-title", ".ic-status", ".ic-from-bot .ic-bubble", ".ic-from-user .ic-bubble", ".ic-card-date",
                     ".ic-card-left", ".ic-card-meta", ".ic-note", ".ic-send"]:
        ratio = page.locator(selector).first.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{selector} contrast {ratio:.2f}:1"
    # Every control has an accessible name.
    for button in page.locator(".ic-root button:visible").all():
        assert (button.get_attribute("aria-label") or button.inner_text()).strip()


def test_at_360_px_the_open_chat_fills_the_screen_without_sideways_scrolling(browser, servers):
    rasa, pages = servers
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{pages.url}/?rasa_port={rasa.port}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    c = chat(page)
    c.launcher.click()
    c.say("advisor")
    expect(c.replies.get_by_role("button", name="No thanks")).to_be_visible()
    panel = page.locator(".ic-panel").bounding_box()
    assert panel["width"] == PHONE["width"] and panel["x"] == 0
    for button in [c.replies.get_by_role("button", name="No thanks"), page.get_by_role("button", name="Send")]:
        box = button.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]  # touch-sized, on screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_lost_connection_reconnects_to_the_same_conversation(page, servers):
    rasa, _ = servers
    c = open_chat(page)
    c.say("hello")
    expect(c.log).to_contain_text("Which notice did you get?")
    session_id = stored_session_id(page)
    page.evaluate("() => window.IntakeChat && true")
    page.context.set_offline(True)
    expect(page.locator(".ic-root")).to_have_attribute("data-connection", "offline", timeout=30000)
    page.context.set_offline(False)
    expect(page.locator(".ic-root")).to_have_attribute("data-connection", "online", timeout=30000)
    c.say("deadline")
    expect(page.get_by_role("article", name="Last day to request a Collection Due Process hearing")).to_be_visible()
    assert stored_session_id(page) == session_id
    assert tracker_user_texts(rasa.url, TOKEN, session_id) == ["hello", "deadline"]


# --- issue 14: a returning taxpayer, messages typed offline, lists and links -----------------

def said_hello(context, servers):
    """A new tab of `context` on the demo page, a conversation begun in it; (page, its id)."""
    rasa, pages = servers
    page = context.new_page()
    page.goto(f"{pages.url}/?rasa_port={rasa.port}")
    c = open_chat(page)
    c.say("hello")
    expect(c.log).to_contain_text("Which notice did you get?")
    return page, stored_session_id(page)


def reopened(context, servers):
    """The demo page opened again in `context` (same device, same storage), chat shown."""
    rasa, pages = servers
    page = context.new_page()
    page.goto(f"{pages.url}/?rasa_port={rasa.port}")
    c = chat(page)
    if not c.input.is_visible():
        c.launcher.click()
    return page, c


def test_a_taxpayer_who_closed_the_tab_sees_everything_the_advisor_sent_on_return(browser, servers):
    rasa, _ = servers
    context = browser.new_context(viewport=DESKTOP)
    page, session_id = said_hello(context, servers)
    page.close()  # the tab is closed; the advisor claims and replies meanwhile
    post_events(rasa.url, TOKEN, session_id, [
        {"event": "pause"},
        {"event": "bot", "text": "Dana Reyes, an advisor at the firm, has joined this conversation.",
         "data": {"custom": {"type": "handoff", "state": "joined", "advisor": "Dana Reyes"}},
         "metadata": {"from": "assistant", "handoff": {"case_id": 3, "advisor": "Dana Reyes"}}},
        {"event": "bot", "text": "Hi, it's Dana. I've read your case: can I call you at 4?",
         "metadata": {"from": "advisor", "handoff": {"case_id": 3, "advisor": "Dana Reyes"}}},
    ])
    page, c = reopened(context, servers)  # opened again, same device
    advisor_message = c.log.locator(".ic-from-advisor")
    expect(advisor_message).to_contain_text("Hi, it's Dana. I've read your case: can I call you at 4?")
    expect(advisor_message).to_contain_text("Dana Reyes (advisor)")
    expect(page.locator(".ic-advisor-bar")).to_have_text("Dana Reyes (advisor) has joined the chat")
    expect(c.root).to_have_attribute("data-handoff", "joined")
    # Nothing shown twice: the old messages once, the missed ones once.
    expect(c.log.locator(".ic-msg").filter(has_text="Which notice did you get?")).to_have_count(1)
    expect(c.log.locator(".ic-msg").filter(has_text="can I call you at 4?")).to_have_count(1)
    # A question while the advisor holds the chat: no typing dots, and (the queue being out of
    # reach in this test) the channel's own honest answer, never silence.
    c.say("hello? is anyone there?")
    expect(c.log).to_contain_text("saved your message with your case")
    expect(page.locator(".ic-typing")).to_be_hidden()
    screenshot(page, "widget-returning-taxpayer")
    assert tracker_user_texts(rasa.url, TOKEN, session_id)[-1] == "hello? is anyone there?"
    context.close()


def test_a_message_typed_offline_survives_a_reload_and_is_sent_once_back_online(browser, servers):
    rasa, _ = servers
    context = browser.new_context(viewport=DESKTOP)
    page, session_id = said_hello(context, servers)
    c = chat(page)
    context.set_offline(True)
    expect(c.root).to_have_attribute("data-connection", "offline", timeout=30000)
    c.say("can you call me instead of texting?")
    mine = c.log.locator(".ic-from-user").filter(has_text="can you call me instead of texting?")
    expect(mine).to_contain_text("Not sent yet")
    expect(page.locator(".ic-typing")).to_be_hidden()  # no dots while nothing can answer
    page.close()  # closed while offline ...
    assert tracker_user_texts(rasa.url, TOKEN, session_id) == ["hello"]
    context.set_offline(False)
    page, c = reopened(context, servers)  # ... and opened again online
    mine = c.log.locator(".ic-from-user").filter(has_text="can you call me instead of texting?")
    expect(mine).to_have_count(1)
    expect(mine.locator(".ic-sending")).to_be_hidden()  # acknowledged by the server
    assert tracker_user_texts(rasa.url, TOKEN, session_id) == ["hello", "can you call me instead of texting?"]
    stored = page.evaluate("() => JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('intake-chat:'))[1]).outbox")
    assert stored == []
    context.close()


def test_lists_render_as_lists_and_irs_gov_is_a_link(page, servers):
    rasa, _ = servers
    c = open_chat(page)
    c.say("hello")
    expect(c.log).to_contain_text("Which notice did you get?")
    session_id = stored_session_id(page)
    post_events(rasa.url, TOKEN, session_id, [
        {"event": "bot", "text": "What stops a levy:\n- a CDP hearing request\n- an installment agreement\nSee irs.gov/form12153 for the form."},
    ])
    last = c.log.locator(".ic-msg").last
    expect(last.locator("ul.ic-list > li")).to_have_count(2)
    expect(last.locator("li").first).to_have_text("a CDP hearing request")
    link = last.get_by_role("link", name="irs.gov/form12153")
    expect(link).to_have_attribute("href", "https://irs.gov/form12153")


def test_on_a_phone_the_open_chat_keeps_tab_inside_and_the_page_behind_inert(browser, servers):
    rasa, pages = servers
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{pages.url}/?rasa_port={rasa.port}")
    c = open_chat(page)
    for _ in range(12):
        page.keyboard.press("Tab")
        inside = page.evaluate("() => document.activeElement && document.activeElement.id === 'intake-chat'")
        assert inside, "Tab left the full-screen chat for the hidden page"
    assert page.evaluate("() => [...document.body.children].filter(n => n.id !== 'intake-chat' && n.tagName !== 'SCRIPT').every(n => n.inert)")
    page.keyboard.press("Escape")
    assert page.evaluate("() => [...document.body.children].every(n => !n.inert)")
    context.close()
