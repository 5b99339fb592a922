"""The whole stack with the project's trained model: a taxpayer over REST reaches an advisor.

Needs the trained intake model: INTAKE_MODEL, else /work/main/models/intake.tar.gz, else
models/intake.tar.gz. The conversation is driven by what the assistant asks (the tracker's
requested_slot), not by a fixed script, so rewording a question does not break the test.
"""
import datetime as dt
import json
import os
import secrets
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from bot.stack import Stack, settings
from tests.integration.handoff.support import ROOT, Api, free_port

pytestmark = pytest.mark.stack

TODAY = "2025-06-10"  # INTAKE_TODAY for every process: the notice below is 21 days old
# What the taxpayer answers to each question; when the same question comes back (the answer
# was not understood), the next wording is tried, the way a person would rephrase.
ANSWERS = {
    "notice_code": ["LT11", "it says LT11 in the top corner"],
    "notice_date": ["May 20, 2025", "it is dated 05/20/2025"],
    "date_confirmed": ["yes", "yes that's right"],
    "levy_status": ["yes, they froze my bank account", "bank levy"],
    "payment_plan": ["no", "no payment plan"],
    "unfiled_returns": ["no", "all my returns are filed"],
    "balance": ["about 30000", "30k"],
    "hardship": ["no", "no I can cover my bills"],
    "taxpayer_type": ["individual", "mine personally", "skip"],
    "contact_method": ["phone", "call me"],
    "contact_phone": ["212-555-0147", "(212) 555-0147"],
    "contact_email": ["dana@example.com"],
    "best_time": ["weekday mornings", "mornings"],
    "contact_name": ["Dana Reyes", "my name is Dana Reyes"],
}
FIRST_MESSAGE = "I got an LT11 dated May 20, 2025 and the IRS froze my bank account"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def intake_model() -> Path:
    for candidate in (os.environ.get("INTAKE_MODEL"), "/work/main/models/intake.tar.gz",
                      str(ROOT / "models" / "intake.tar.gz")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    pytest.fail("no trained intake model: set INTAKE_MODEL or run `make train`")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    state = tmp_path_factory.mktemp("intake-stack")
    env = settings({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
        "RASA_TOKEN": "rasa-" + secrets.token_urlsafe(12), "SERVICE_TOKEN": "svc-" + secrets.token_urlsafe(12),
        "ADVISOR_TOKEN": "adv-" + secrets.token_urlsafe(12), "STATE_DIR": str(state), "PYTHONPATH": str(ROOT),
        "INTAKE_TODAY": TODAY, "HANDOFF_OUTBOX_INTERVAL": "1", "HANDOFF_CLIENT_ATTEMPTS": "2",
    })
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["HANDOFF_API_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}/api"
    # The action endpoint written out, so the test does not depend on endpoints.yml (note: Rasa
    # 3.6 substitutes ${VAR} only in unquoted YAML values).
    endpoints = state / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {env['ACTION_SERVER_URL']}\n")
    env["RASA_ENDPOINTS"] = str(endpoints)
    running = Stack(env, state / "log", model=intake_model())
    running.state_dir = state
    try:
        running.start(timeout=300)  # Stack.start leaves what it launched running when it fails
        yield running
    finally:
        running.stop()


@pytest.fixture
def api(stack):
    env = stack.env
    return Api(f"http://127.0.0.1:{env['WEB_PORT']}", env["SERVICE_TOKEN"], env["ADVISOR_TOKEN"])


class Taxpayer:
    def __init__(self, stack):
        self.rasa = stack.env["RASA_URL"]
        self.token = stack.env["RASA_TOKEN"]
        self.sender = "+1555" + str(uuid.uuid4().int)[:7]
        self.heard = []

    def say(self, text):
        response = requests.post(f"{self.rasa}/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                                 timeout=60)
        assert response.status_code == 200, response.text
        replies = [m.get("text") or "" for m in response.json()]
        self.heard.append((text, replies))
        return replies

    def tracker(self):
        response = requests.get(f"{self.rasa}/conversations/{self.sender}/tracker",
                                params={"token": self.token, "include_events": "ALL"}, timeout=30)
        assert response.status_code == 200
        return response.json()

    def reach_an_advisor(self, max_turns=30):
        """Answers what the assistant asks until the escalation has run."""
        self.say(FIRST_MESSAGE)
        asked_before = {}
        for _ in range(max_turns):
            tracker = self.tracker()
            actions = [e.get("name") for e in tracker["events"] if e["event"] == "action"]
            if "action_escalate" in actions:
                return tracker
            slots = tracker["slots"]
            asked = slots.get("requested_slot") if tracker.get("active_loop", {}).get("name") else None
            if asked in ANSWERS:
                count = asked_before[asked] = asked_before.get(asked, -1) + 1
                self.say(ANSWERS[asked][min(count, len(ANSWERS[asked]) - 1)])
            elif slots.get("advisor_offered"):
                self.say("yes please, I want an advisor to call me")
            else:
                pytest.fail(f"the assistant asked something the test cannot answer: {asked!r}\n{self.transcript()}")
        pytest.fail(f"no escalation after {max_turns} turns\n{self.transcript()}")

    def transcript(self):
        return "\n".join(f"> {said}\n" + "\n".join(f"< {r}" for r in replies) for said, replies in self.heard)


def cases_of(api, sender):
    return [c for c in api.cases(status="all", limit=500)["cases"] if c["conversation_id"] == sender]


def test_high_risk_over_rest_reaches_an_advisor_and_back(stack, api):
    taxpayer = Taxpayer(stack)
    taxpayer.reach_an_advisor()
    cases = cases_of(api, taxpayer.sender)
    assert len(cases) == 1, taxpayer.transcript()
    case = cases[0]
    assert case["channel"] == "rest" and case["status"] == "pending"
    assert case["priority"] in ("urgent", "high") and case["risk"]["level"] in ("urgent", "high")
    assert case["notice_code"] == "LT11" and case["notice_date"] == "2025-05-20"
    assert case["contact"]["phone"] and case["contact"]["consent"] is True
    assert case["summary"] and any(f["code"] == "levy_bank" for f in case["risk"]["factors"])
    # the bot told the taxpayer when (a duration, or a time with its zone that fits their best time)
    last_replies = " ".join(taxpayer.heard[-1][1])
    assert "within about" in last_replies or " ET " in last_replies, taxpayer.transcript()

    # ... and the case is on the dashboard
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{api.base}/advisor")
        page.fill("#token", api.advisor_token)
        page.click("#signin-form button[type=submit]")
        row = page.locator("#queue .case-row", has_text=case["contact"]["name"] or "Name not given")
        expect(row).to_have_count(1)
        row.click()
        expect(page.locator(".summary")).to_have_text(case["summary"])
        expect(page.locator("#case-body")).to_contain_text(FIRST_MESSAGE)  # the transcript from Rasa
        (ROOT / "test-output").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-output" / "advisor-dashboard-intake-case.png"), full_page=True)
        browser.close()

    claimed = api.act(case["id"], "claim")
    assert claimed.status_code == 200 and claimed.json()["live"] == {"bot_paused": True, "error": None}
    assert taxpayer.tracker()["paused"] is True
    # The bot stays quiet, and as no dashboard is open the queue answers honestly for the advisor.
    away = taxpayer.say("hello? what happens now")
    assert len(away) == 1 and away[0].startswith("Your message is saved with your case. Dev Advisor from"), away
    reply = api.act(case["id"], "reply", {"content": "Hi Dana, I'm reviewing your bank levy now."})
    assert reply.status_code == 201
    bot_texts = [e.get("text") for e in taxpayer.tracker()["events"] if e["event"] == "bot"]
    assert bot_texts[-1] == "Hi Dana, I'm reviewing your bank levy now."
    assert taxpayer.say("/restart") != [] and taxpayer.tracker()["paused"] is True  # stays with the advisor

    resolved = api.act(case["id"], "resolve", {})
    assert resolved.status_code == 200 and resolved.json()["live"] == {"bot_paused": False, "error": None}
    assert taxpayer.tracker()["paused"] is False
    assert taxpayer.say("hello") != []  # the bot answers again
    assert len(cases_of(api, taxpayer.sender)) == 1


def test_escalating_while_the_queue_is_down_is_delivered_when_it_is_back(stack, api):
    stack.stop_service("web service")
    try:
        taxpayer = Taxpayer(stack)
        taxpayer.reach_an_advisor()
        pending = list((stack.state_dir / "handoff-outbox" / "pending").glob("*.json"))
        assert [json.loads(p.read_text())["case"]["conversation_id"] for p in pending] == [taxpayer.sender]
    finally:
        stack.restart_service("web service")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not cases_of(api, taxpayer.sender):
        time.sleep(0.5)
    cases = cases_of(api, taxpayer.sender)
    assert len(cases) == 1, taxpayer.transcript()
    waited_from = dt.datetime.fromisoformat(cases[0]["waiting_since"])
    assert waited_from < dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)  # from the escalation
    assert not list((stack.state_dir / "handoff-outbox" / "pending").glob("*.json"))
