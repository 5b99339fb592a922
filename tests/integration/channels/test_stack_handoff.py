"""The taxpayer's side of a handoff on the whole stack (issue 14): the widget in Chromium, the
Rasa server with the project's model, the action server and the queue's web service, as
`make run` starts them; the advisor acts through the queue API, as the dashboard does.
(The SMS side, STOP shown on the case, is in test_sms_stack.py: an async test cannot share a
module with Playwright's sync API.)

- A taxpayer who closed the tab while the advisor claimed and replied sees all of it on return,
  knows who holds the case, and a question then gets the queue's honest answer for the away
  advisor (who, when, the firm's phone), recorded in the transcript as the assistant's.
- With the advisor's dashboard open (an event stream), the question reaches them and no
  automatic answer is sent; the widget says the advisor has it.
- The case shows whether the taxpayer is online.
"""
from __future__ import annotations

import json
import queue
import re
import threading
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from bot.firm import current as firm

from tests.integration.channels.browser_support import DESKTOP, build_widget, launch, screenshot, stored_session_id
from tests.unit.handoff.cases import escalation

pytestmark = [pytest.mark.stack, pytest.mark.browser]
expect.set_options(timeout=30_000)

NOTICE = "I got an LT11 dated November 20, 2026"


def escalate_and_claim(stack, conversation_id: str, channel: str) -> tuple:
    created = stack.queue("POST", "/api/handoffs", "SERVICE_TOKEN",
                          escalation(conversation_id=conversation_id, channel=channel))
    assert created.status_code in (200, 201), created.text
    case_id = created.json()["id"]
    claimed = stack.queue("POST", f"/api/handoffs/{case_id}/claim", "ADVISOR_TOKEN", {})
    assert claimed.status_code == 200, claimed.text
    return case_id, claimed.json()["assignee"]["name"]


class Stream:
    """An open advisor dashboard, as far as the queue can tell: its event stream."""

    def __init__(self, stack):
        self.events: "queue.Queue[tuple]" = queue.Queue()
        self.response = requests.get(f"{stack.web_url}/api/stream", stream=True, timeout=60,
                                     headers={"Authorization": f"Bearer {stack.env['ADVISOR_TOKEN']}"})
        assert self.response.status_code == 200
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        event = None
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event:
                    self.events.put((event, json.loads(line.split(":", 1)[1])))
                    event = None
        except Exception:
            pass  # closed by the test

    def next(self, kind: str, timeout: float = 30.0) -> dict:
        while True:
            event, data = self.events.get(timeout=timeout)
            if event == kind:
                return data

    def close(self):
        self.response.close()


def open_widget(page, stack):
    page.goto(f"{stack.web_url}/?rasa_port={stack.env['RASA_PORT']}")
    page.get_by_role("button", name="Check my deadline").click()
    box = page.get_by_role("textbox", name="Type your message")
    expect(box).to_be_focused()
    return box


def say(page, text):
    box = page.get_by_role("textbox", name="Type your message")
    box.fill(text)
    box.press("Enter")


def told_the_deadline(context, stack):
    """A new tab in `context` whose conversation reached the deadline card; (page, its id)."""
    page = context.new_page()
    open_widget(page, stack)
    say(page, NOTICE)
    expect(page.get_by_role("article", name=re.compile("hearing"))).to_contain_text("24 days left")
    return page, stored_session_id(page)


@pytest.fixture(scope="module")
def browser():
    build_widget()
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def test_a_returning_taxpayer_sees_the_advisors_reply_and_gets_an_honest_answer(intake_stack, browser):
    stack, env = intake_stack, intake_stack.env
    context = browser.new_context(viewport=DESKTOP)
    page, session_id = told_the_deadline(context, stack)
    case_id, advisor = escalate_and_claim(stack, session_id, "socketio")
    expect(page.locator(".ic-advisor-bar")).to_have_text(f"{advisor} (advisor) has joined the chat")
    assert stack.case(case_id)["taxpayer"]["online"] is True
    page.close()  # the taxpayer closes the tab ...
    reply = stack.queue("POST", f"/api/handoffs/{case_id}/reply", "ADVISOR_TOKEN",
                       {"content": "I have your LT11 in front of me. Can I call you at 4 today?"})
    assert reply.status_code == 201, reply.text

    page = context.new_page()  # ... and comes back later on the same device
    page.goto(f"{stack.web_url}/?rasa_port={env['RASA_PORT']}")
    log = page.get_by_role("log", name="Conversation")
    if not page.get_by_role("textbox", name="Type your message").is_visible():
        page.get_by_role("button", name="Chat with us", exact=True).click()
    expect(log.locator(".ic-from-advisor")).to_contain_text("Can I call you at 4 today?")
    expect(log.locator(".ic-from-advisor")).to_contain_text(f"{advisor} (advisor)")
    expect(page.locator(".ic-advisor-bar")).to_have_text(f"{advisor} (advisor) has joined the chat")
    expect(log.locator(".ic-msg").filter(has_text="Can I call you at 4 today?")).to_have_count(1)

    say(page, "hello? is anyone there?")
    listed = lambda: next(c for c in stack.cases() if c["id"] == case_id)  # noqa: E731 (the list does not mark read)
    away = log.locator(".ic-from-bot").last
    expect(away).to_contain_text(advisor)
    expect(away).to_contain_text(firm().phone)
    expect(page.locator(".ic-typing")).to_be_hidden()
    screenshot(page, "stack-returning-taxpayer")
    assert listed()["taxpayer"]["unread"] == 1
    expect(log.locator(".ic-from-bot").filter(has_text="saved your message with your case")).to_have_count(0)

    case = stack.case(case_id)
    transcript = case["transcript"]["messages"]
    said = [m for m in transcript if m["message_type"] == "outgoing"]
    assert said[-1]["content"] == away.locator(".ic-bubble").inner_text()
    assert said[-1]["sender"]["type"] == "bot"  # the assistant's words, not the advisor's
    assert any(m["sender"] == {"type": "advisor", "name": advisor} and "Can I call you" in m["content"] for m in said)
    joined = [m for m in said if "has joined this conversation" in m["content"]]
    assert joined and all(m["sender"]["type"] == "bot" for m in joined)
    assert transcript[-2]["content"] == "hello? is anyone there?"
    assert case["taxpayer"]["last_message_at"]
    # The holder opening the case has read it; the queue's list still counted it before that.
    assert case["taxpayer"]["unread"] == 0
    context.close()
    # The last tab closed: the case says the taxpayer left.
    for _ in range(50):
        if stack.case(case_id)["taxpayer"]["online"] is False:
            break
        time.sleep(0.2)
    assert stack.case(case_id)["taxpayer"]["online"] is False


def test_with_the_advisor_at_the_dashboard_the_question_goes_to_them_not_to_an_auto_answer(intake_stack, browser):
    stack = intake_stack
    context = browser.new_context(viewport=DESKTOP)
    page, session_id = told_the_deadline(context, stack)
    stream = Stream(stack)
    try:
        case_id, advisor = escalate_and_claim(stack, session_id, "socketio")
        expect(page.locator(".ic-advisor-bar")).to_have_text(f"{advisor} (advisor) has joined the chat")
        said_before = page.get_by_role("log", name="Conversation").locator(".ic-from-bot").count()
        say(page, "ok im here, what do i do now")
        pushed = stream.next("taxpayer_message")
        assert pushed["case_id"] == case_id and "what do i do now" in pushed["preview"]
        mine = page.get_by_role("log", name="Conversation").locator(".ic-from-user").last
        expect(mine.locator(".ic-sending")).to_have_text(f"{advisor} has your message")
        assert page.get_by_role("log", name="Conversation").locator(".ic-from-bot").count() == said_before
    finally:
        stream.close()
        context.close()
