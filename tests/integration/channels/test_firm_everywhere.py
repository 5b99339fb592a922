"""Issue 14, item 3: one source for the firm. A stack started with a firm of its own
(FIRM_NAME, FIRM_PHONE, FIRM_HOURS) names the same firm, phone and hours everywhere: the demo
page, /firm.json, the bot's answer to "can I just call you?", the calendar file the widget
makes, and the SMS HELP reply (a request signed with Twilio's own validator)."""
from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from twilio.request_validator import RequestValidator

from bot.channels.sms import help_reply
from bot.channels.sms_settings import SmsSettings
from bot.firm import Firm

from tests.integration.channels.browser_support import DESKTOP, build_widget, launch
from tests.integration.conftest import start_intake_stack

pytestmark = [pytest.mark.stack, pytest.mark.browser]
expect.set_options(timeout=30_000)

FIRM = {"FIRM_NAME": "Levy Help Partners", "FIRM_PHONE": "(555) 010-0100", "FIRM_HOURS": "Mon-Fri 09:00-17:30"}
SMS_TOKEN = "f" * 32


@pytest.fixture(scope="module")
def firm_stack(tmp_path_factory):
    stack = start_intake_stack(tmp_path_factory, TWILIO_AUTH_TOKEN=SMS_TOKEN, **FIRM)
    yield stack
    stack.stack.stop()


def test_the_firm_is_the_same_on_the_page_the_bot_the_calendar_file_and_sms_help(firm_stack):
    stack, env = firm_stack, firm_stack.env
    firm = Firm.from_env(env)
    assert (firm.phone, firm.hours_text) == ("(555) 010-0100", "Monday to Friday, 9 am to 5:30 pm ET")

    page_html = requests.get(f"{stack.web_url}/", timeout=30).text
    assert "{{" not in page_html
    for words in (firm.name, firm.phone, firm.hours_text, f'href="tel:{firm.phone_tel}"'):
        assert words in page_html, words
    assert "010-0142" not in page_html and "010-0199" not in page_html  # the demo firm's numbers
    assert requests.get(f"{stack.web_url}/firm.json", timeout=30).json() == firm.as_dict()

    said = stack.texts(stack.new_sender(), "whats your phone number? can i just call you?")
    assert firm.phone in said and firm.hours_text in said, said
    assert firm.name in stack.texts(stack.new_sender(), "hi")

    # SMS HELP from the stack's own SMS channel: local mode logs only how long a text was, so
    # the reply is compared by its length with the one this firm's HELP reply has.
    expected = help_reply(SmsSettings.from_env(env))
    assert firm.name in expected and firm.phone in expected and firm.hours_text in expected
    phone = "+15550107788"
    sms_url = f"{stack.rasa_url}/webhooks/sms/webhook"  # the URL Twilio would sign
    params = {"MessageSid": "SM" + "1" * 32, "SmsSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 32,
              "From": phone, "To": "+15005550006", "Body": "HELP", "NumMedia": "0"}
    signature = RequestValidator(SMS_TOKEN).compute_signature(sms_url, params)
    response = requests.post(sms_url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200
    log = stack.stack.service("rasa server").log_path
    pattern = rf"not sent to \.\.\.{phone[-4:]}: (\d+) chars"
    for _ in range(100):
        sizes = re.findall(pattern, log.read_text(errors="replace"))
        if sizes:
            break
        time.sleep(0.1)
    assert sizes == [str(len(expected))]

    build_widget()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
        page.goto(f"{stack.web_url}/?rasa_port={env['RASA_PORT']}")
        page.get_by_role("button", name="Check my deadline").click()
        box = page.get_by_role("textbox", name="Type your message")
        box.fill("I got an LT11 dated November 20, 2026")
        box.press("Enter")
        card = page.get_by_role("article", name=re.compile("hearing"))
        with page.expect_download() as info:
            card.get_by_role("button", name="Add the deadline to my calendar").click()
        ics = open(info.value.path(), encoding="utf-8", newline="").read().replace("\r\n ", "")
        browser.close()
    assert firm.name in ics and firm.phone in ics
    assert "010-0142" not in ics and "010-0199" not in ics
