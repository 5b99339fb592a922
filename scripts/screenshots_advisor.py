"""Renders the advisor dashboard for docs/handoff.md, from a real run of the whole stack:

    docs/images/advisor-case.png    a case view: a taxpayer's intake conversation over the
                                    widget's socket.io channel, claimed and answered by an advisor
    docs/images/advisor-queue.png   the open queue: that case (online, a new message) and others

    .venv/bin/python scripts/screenshots_advisor.py [--out docs/images]

It starts its own stack (Rasa with models/intake.tar.gz, the action server, the web service) on
free ports with its state in a temporary folder, and stops it afterwards; about two minutes.
The taxpayer talks through python-socketio as the widget does (so presence and the unanswered
message are reported by the real channel); the advisor is Debian's Chromium. The other cases in
the queue are posted the way the escalation action posts them, and the SMS STOP on one of them
the way the SMS channel reports it (POST /api/conversation-events).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import socketio  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bot.stack import MODEL, Stack  # noqa: E402
from tests.integration.conftest import stack_env  # noqa: E402
from tests.unit.handoff.cases import escalation  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
TODAY = dt.date.today()
NOTICE_DATE = TODAY - dt.timedelta(days=16)  # a final notice two weeks old: the CDP window is open
NOTICE_WORDS = f"{NOTICE_DATE:%B} {NOTICE_DATE.day}, {NOTICE_DATE.year}"
FIRST_MESSAGE = f"I got an LT11 dated {NOTICE_WORDS} and the IRS froze my bank account"
# What the taxpayer answers to each question; a question asked again gets the next wording.
ANSWERS = {
    "notice_code": ["LT11", "it says LT11 in the top corner"],
    "notice_date": [NOTICE_WORDS, f"it is dated {NOTICE_DATE:%m/%d/%Y}"],
    "date_confirmed": ["yes", "yes that's right"],
    "levy_status": ["yes, they froze my bank account", "bank levy"],
    "payment_plan": ["no", "no payment plan"],
    "unfiled_returns": ["no", "all my returns are filed"],
    "balance": ["about 30000", "30k"],
    "hardship": ["no", "no I can cover my bills"],
    "taxpayer_type": ["individual", "mine personally", "skip"],
    "contact_method": ["phone", "call me"],
    "contact_phone": ["212-555-0147", "(212) 555-0147"],
    "contact_email": ["dana.reyes@example.com"],
    "best_time": ["weekday mornings", "mornings"],
    "contact_name": ["Dana Reyes", "my name is Dana Reyes"],
}
ADVISOR_REPLY = ("Hi Dana, I'm the advisor on your case. I've read your LT11 and the bank levy: "
                 "I'll call you at 212-555-0147 tomorrow morning. Please don't move money out of that account meanwhile.")
TAXPAYER_AFTER_REPLY = "thank you. will they take the money before you call?"
TAXPAYER_LATER = "also the bank says the hold ends on the 21st"


class WidgetTaxpayer:
    """A widget tab: python-socketio over polling, waiting for each turn's acknowledgement."""

    def __init__(self, rasa_url: str, rasa_token: str):
        self.rasa_url = rasa_url
        self.rasa_token = rasa_token
        self.client = socketio.Client(reconnection=False)
        self.confirmed: List[str] = []
        self.client.on("session_confirm", self.confirmed.append)
        self.handle: Optional[str] = None

    @property
    def conversation_id(self) -> str:
        return self.handle.split(".")[0]  # a signed handle is "<id>.<issued>.<signature>"

    def open(self) -> None:
        self.client.connect(self.rasa_url, transports=["polling"], socketio_path="socket.io", wait_timeout=20)
        self.client.emit("session_request", {"session_id": None})
        deadline = time.monotonic() + 20
        while not self.confirmed and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.confirmed:
            raise RuntimeError("the socket.io channel confirmed no session")
        self.handle = self.confirmed[0]

    def say(self, text: str) -> Any:
        return self.client.call("user_uttered", {"message": text, "session_id": self.handle}, timeout=90)

    def tracker(self) -> Dict[str, Any]:
        response = requests.get(f"{self.rasa_url}/conversations/{self.conversation_id}/tracker",
                                params={"token": self.rasa_token}, timeout=30)
        response.raise_for_status()
        return response.json()

    def reach_an_advisor(self, max_turns: int = 30) -> None:
        self.say(FIRST_MESSAGE)
        asked_before: Dict[str, int] = {}
        for _ in range(max_turns):
            tracker = self.tracker()
            if "action_escalate" in [e.get("name") for e in tracker["events"] if e["event"] == "action"]:
                return
            slots = tracker["slots"]
            asked = slots.get("requested_slot") if (tracker.get("active_loop") or {}).get("name") else None
            if asked in ANSWERS:
                count = asked_before[asked] = asked_before.get(asked, -1) + 1
                self.say(ANSWERS[asked][min(count, len(ANSWERS[asked]) - 1)])
            elif slots.get("advisor_offered"):
                self.say("yes please, I want an advisor to call me")
            else:
                raise RuntimeError(f"the assistant asked something this script cannot answer: {asked!r}")
        raise RuntimeError(f"no escalation after {max_turns} turns")

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


class Queue:
    def __init__(self, env: Dict[str, str]):
        self.base = f"http://127.0.0.1:{env['WEB_PORT']}"
        self.service = {"Authorization": f"Bearer {env['SERVICE_TOKEN']}"}
        self.advisor = {"Authorization": f"Bearer {env['ADVISOR_TOKEN']}"}

    def escalate(self, body: Dict[str, Any]) -> Dict[str, Any]:
        response = requests.post(f"{self.base}/api/handoffs", json=body, headers=self.service, timeout=30)
        response.raise_for_status()
        return response.json()

    def event(self, conversation_id: str, channel: str, kind: str, at: Optional[dt.datetime] = None) -> None:
        body = {"conversation_id": conversation_id, "channel": channel, "type": kind}
        if at is not None:
            body["at"] = at.isoformat()
        requests.post(f"{self.base}/api/conversation-events", json=body, headers=self.service,
                      timeout=30).raise_for_status()

    def claim(self, case_id: int) -> None:
        requests.post(f"{self.base}/api/handoffs/{case_id}/claim", json={}, headers=self.advisor,
                      timeout=30).raise_for_status()

    def case_of(self, conversation_id: str, timeout: float = 30) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cases = requests.get(f"{self.base}/api/handoffs", params={"status": "all", "limit": 500},
                                 headers=self.advisor, timeout=30).json()["cases"]
            found = [c for c in cases if c["conversation_id"] == conversation_id]
            if found:
                return found[0]
            time.sleep(0.3)
        raise RuntimeError("the conversation's case never reached the queue")


def seed_other_cases(queue: Queue) -> None:
    """Three other taxpayers, as the escalation action would have posted them."""
    def factors(*items):
        return [{"code": code, "points": points, "reason": reason, "source": source}
                for code, points, reason, source in items]

    sms_number = "+12125550183"
    marcus = queue.escalate(escalation(
        conversation_id=sms_number, channel="sms", notice_code="LT11",
        notice_date=(TODAY - dt.timedelta(days=24)).isoformat(),
        cdp_deadline=(TODAY + dt.timedelta(days=6)).isoformat(), days_left=6,
        contact={"name": "Marcus Bell", "method": "phone", "phone": "(212) 555-0183", "email": None,
                 "best_time": "after 5pm", "consent": True},
        risk={"level": "high", "score": 70, "escalate": True, "unknown": ["balance"], "factors": factors(
            ("final_notice", 25, "Holds a final notice (LT11).", "IRC 6330(a), 6331(d); facts 1.1"),
            ("wage_levy_threat", 30, "Says the IRS will take his wages next.", "IRC 6331(e); facts 3.2"))},
        facts={"payment_plan": "none", "taxpayer_type": "individual"},
        summary="LT11 received; fears a wage levy; no payment plan. CDP deadline in 6 days."))
    queue.claim(marcus["id"])
    queue.event(sms_number, "sms", "opted_out", at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=12))
    queue.escalate(escalation(
        conversation_id="rest-priya-shah", channel="rest", notice_code="L1058",
        notice_date=(TODAY - dt.timedelta(days=9)).isoformat(),
        cdp_deadline=(TODAY + dt.timedelta(days=21)).isoformat(), days_left=21,
        contact={"name": "Priya Shah", "method": "email", "phone": None, "email": "priya.shah@example.com",
                 "best_time": None, "consent": True},
        risk={"level": "medium", "score": 45, "escalate": True, "unknown": [], "factors": factors(
            ("final_notice", 25, "Holds a final notice (Letter 1058).", "IRC 6330(a); facts 1.1"),
            ("business", 20, "The debt is her business's payroll tax.", "IRC 6672; facts 4"))},
        facts={"taxpayer_type": "business"}, reason="user_requested",
        summary="Letter 1058 for payroll taxes of her LLC; asked to talk to a person."))
    queue.escalate(escalation(
        conversation_id="web-tom-nguyen", channel="socketio", notice_code="LT11",
        notice_date=(TODAY - dt.timedelta(days=3)).isoformat(),
        cdp_deadline=(TODAY + dt.timedelta(days=27)).isoformat(), days_left=27,
        contact={"name": "Tom Nguyen", "method": "email", "phone": None, "email": "tom.nguyen@example.com",
                 "best_time": "weekends", "consent": True},
        risk={"level": "low", "score": 20, "escalate": True, "unknown": ["balance", "hardship"], "factors": factors(
            ("final_notice", 25, "Holds a final notice (LT11).", "IRC 6330(a), 6331(d); facts 1.1"))},
        facts={"payment_plan": "considering"}, reason="fallback",
        summary="LT11 three days old; wants to know his options; the assistant did not follow his last question."))


def render(env: Dict[str, str], out: Path) -> None:
    queue = Queue(env)
    seed_other_cases(queue)
    taxpayer = WidgetTaxpayer(env["RASA_URL"], env["RASA_TOKEN"])
    taxpayer.open()
    try:
        taxpayer.reach_an_advisor()
        case = queue.case_of(taxpayer.conversation_id)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT, timezone_id="America/New_York", device_scale_factor=1)
            context.grant_permissions(["notifications"], origin=queue.base)  # as after "Enable alerts"
            page = context.new_page()
            page.goto(f"{queue.base}/advisor")
            page.fill("#token", env["ADVISOR_TOKEN"])
            page.click("#signin-form button[type=submit]")
            expect(page.locator("#stream-state")).to_have_text("Live", timeout=20000)
            row = page.locator(f"#queue .case-row[data-case-id='{case['id']}']")
            row.click()
            page.click("#claim")
            expect(page.locator("#handback")).to_be_visible(timeout=20000)
            page.fill("#reply-text", ADVISOR_REPLY)
            page.click("#reply-send")
            expect(page.locator("#notice")).to_contain_text("Reply sent", timeout=20000)
            taxpayer.say(TAXPAYER_AFTER_REPLY)
            transcript = page.locator("#case-body .messages").first
            expect(transcript).to_contain_text(TAXPAYER_AFTER_REPLY, timeout=20000)
            expect(page.locator("#case-taxpayer .presence")).to_have_text("Online now")
            page.evaluate("document.getElementById('notice').hidden = true; window.scrollTo(0, 0)")
            out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out / "advisor-case.png"), full_page=True)

            # The queue while the advisor reads another case: Dana writes again.
            page.click("[data-filter=active]")
            page.locator("#queue .case-row", has_text="Marcus Bell").click()
            expect(page.locator("#reply-blocked")).to_be_visible()
            taxpayer.say(TAXPAYER_LATER)
            expect(row.locator(".chip.unread")).to_have_text("1 new message", timeout=20000)
            page.evaluate("document.getElementById('notice').hidden = true; window.scrollTo(0, 0)")
            page.screenshot(path=str(out / "advisor-queue.png"))
            browser.close()
    finally:
        taxpayer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNGs go")
    args = parser.parse_args()
    if not MODEL.exists():
        print(f"no trained model at {MODEL}: run `make train` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="advisor-shots-") as folder:
        state = Path(folder)
        env = stack_env(state, INTAKE_TODAY=TODAY.isoformat(), FIRM_TIMEZONE="America/New_York")
        stack = Stack(env, state / "log")
        try:
            stack.start(timeout=300)
            render(env, args.out)
        except Exception:
            for service in ("rasa server", "action server", "web service"):
                try:
                    print(f"--- {service} log ---\n{stack.tail(stack.service(service), 40)}", file=sys.stderr)
                except Exception:
                    pass
            raise
        finally:
            stack.stop()
    print(f"wrote {args.out / 'advisor-case.png'} and {args.out / 'advisor-queue.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
