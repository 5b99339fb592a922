"""Renders the returning taxpayer's widget for docs/channels.md, from a real run of the stack:

    docs/images/widget-returning-desktop.png  back after closing the tab: the advisor's "joined"
                                              notice and reply, then the queue's answer for the
                                              away advisor to "hello? is anyone there?"
    docs/images/widget-returning-phone.png    the same on a 360 px phone

    .venv/bin/python scripts/screenshots_widget.py [--out docs/images]

It starts its own stack (Rasa with models/intake.tar.gz, the action server, the web service) on
free ports with its state in a temporary folder, and stops it afterwards (about a minute). The
taxpayer is Debian's Chromium on the demo page; the advisor claims and replies through the queue
API, as the dashboard does (scripts/screenshots_advisor.py renders the dashboard itself).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bot.stack import Stack  # noqa: E402
from tests.integration.channels.browser_support import DESKTOP, PHONE, build_widget, launch, stored_session_id  # noqa: E402
from tests.integration.conftest import stack_env  # noqa: E402
from tests.unit.handoff.cases import escalation  # noqa: E402

NOTICE = "i got this LT11 letter dated november 20 2026, what do i do"  # the stack's day is 2026-11-27


def call(env, method: str, path: str, token: str, body=None) -> dict:
    response = requests.request(method, f"http://127.0.0.1:{env['WEB_PORT']}{path}", json=body, timeout=30,
                                headers={"Authorization": f"Bearer {env[token]}"})
    response.raise_for_status()
    return response.json()


def render(browser, env, viewport, out: Path) -> None:
    site = f"http://127.0.0.1:{env['WEB_PORT']}/?rasa_port={env['RASA_PORT']}"
    context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    page = context.new_page()
    page.goto(site)
    page.get_by_role("button", name="Check my deadline").click()
    box = page.get_by_role("textbox", name="Type your message")
    box.fill(NOTICE)
    box.press("Enter")
    expect(page.get_by_role("article", name=re.compile("hearing"))).to_be_visible(timeout=60_000)
    session_id = stored_session_id(page)
    case = call(env, "POST", "/api/handoffs", "SERVICE_TOKEN",
                {**escalation(conversation_id=session_id, channel="socketio"),
                 "contact": {"name": "Sam Ortiz", "method": "phone", "phone": "+1 212 555 0147", "email": None,
                             "best_time": "after 5pm", "consent": True}})
    call(env, "POST", f"/api/handoffs/{case['id']}/claim", "ADVISOR_TOKEN", {})
    page.close()  # closed while the advisor joins and answers
    call(env, "POST", f"/api/handoffs/{case['id']}/reply", "ADVISOR_TOKEN",
         {"content": "Hi Sam, I have your LT11 here. Your hearing request must be postmarked by Monday, "
                     "December 21. Can I call you after 5 today?"})
    page = context.new_page()
    page.goto(site)
    if not page.get_by_role("textbox", name="Type your message").is_visible():
        page.get_by_role("button", name="Chat with us", exact=True).click()
    log = page.get_by_role("log", name="Conversation")
    expect(log.locator(".ic-from-advisor")).to_be_visible(timeout=30_000)
    box = page.get_by_role("textbox", name="Type your message")
    box.fill("hello? is anyone there?")
    box.press("Enter")
    expect(log.locator(".ic-from-bot").last).to_contain_text("isn't at their desk", timeout=30_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(out))
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    build_widget()
    state = Path(tempfile.mkdtemp(prefix="widget-shots-"))
    env = stack_env(state)
    stack = Stack(env, state / "log").start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            render(browser, env, DESKTOP, args.out / "widget-returning-desktop.png")
            render(browser, env, PHONE, args.out / "widget-returning-phone.png")
            browser.close()
    finally:
        stack.stop()
    print(f"wrote {args.out / 'widget-returning-desktop.png'} and {args.out / 'widget-returning-phone.png'}")


if __name__ == "__main__":
    main()
