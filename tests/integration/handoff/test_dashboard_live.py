"""The dashboard live: pushed cases, alerts, the taxpayer's side, filters and the CSV export.

Real servers and Debian's headless Chromium (Playwright). The taxpayer's side is driven the way
the channels drive it: POST /api/handoffs (a new case) and POST /api/conversation-events (what
the widget or the SMS channel saw) with the service token. The advisor's browser runs in Berlin
while the firm is in Chicago: every time on the page must be the firm's, with its label.
Notifications are granted on the browser context; an init script of the TEST wraps
window.Notification and the oscillator so the test can see what the page asked for.

The last two tests (marker `stack`) add a real Rasa with the fixture assistant and the project's
channels, reporting to the web service under test: hand back, rejoin, the transcript's sender
labels and the away answer once the dashboard is closed (the taxpayer over REST); and the taxpayer
in the demo page's widget in one browser context with the advisor at the dashboard in another.
"""
import csv
import datetime as dt
import secrets
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from bot.stack import Stack, settings
from tests.integration.channels.browser_support import build_widget, stored_session_id
from tests.integration.handoff.support import CALENDAR_SLA, ROOT, Api, WebServer, clear_cases, free_port
from tests.integration.handoff.test_dashboard import CHROMIUM_ARGS, OUTPUT
from tests.integration.handoff.test_live_rasa import fixture_model  # noqa: F401 (the cached fixture assistant)
from tests.unit.handoff.cases import escalation

pytestmark = pytest.mark.browser

FIRM_ENV = {"FIRM_NAME": "Harbor Tax Resolution", "FIRM_TIMEZONE": "America/Chicago", "FIRM_TIMEZONE_LABEL": "CT"}
FIRM_ZONE = ZoneInfo("America/Chicago")
BROWSER_ZONE = "Europe/Berlin"
PUSH_TIMEOUT_MS = 8000  # well under the fallback poll (15 s) and the safety poll (60 s): only a push is this fast

# Records what the page asks of the browser's alert APIs (the test's, never the product's).
ALERT_RECORDER = """
window.__alerts = { notifications: [], permissionRequests: 0, tones: 0 };
(() => {
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options) {
        window.__alerts.notifications.push({ title, ...(options || {}) });
        super(title, options);
      }
    }
    Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
    Recorded.requestPermission = (...args) => {
      window.__alerts.permissionRequests += 1;
      return Real.requestPermission(...args);
    };
    window.Notification = Recorded;
  }
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__alerts.tones += 1;
    return start.apply(this, args);
  };
})();
"""


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('dashboard-live') / 'handoff.db'}"


@pytest.fixture(scope="module")
def web(db_url, tokens, tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    server = WebServer({
        "HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": tokens["service"],
        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off", **CALENDAR_SLA, **FIRM_ENV,
    }, state / "web.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def second_advisor(web, db_url):
    """Sam, a second advisor, added the way the CLI adds one (a dashboard of their own)."""
    from bot.handoff.db import make_engine
    from bot.handoff.sla import SlaPolicy
    from bot.handoff.store import Store

    store = Store(make_engine(db_url), SlaPolicy.from_env(CALENDAR_SLA))
    token = "sam-" + secrets.token_urlsafe(12)
    advisor = store.add_advisor("Sam Second", token)
    store.engine.dispose()
    return {**advisor, "token": token}


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def firm_clock(when: dt.datetime) -> str:
    """What the page should print for `when`: "3:04 pm CT" today, "Dec 3, 3:04 pm CT" another day."""
    local = when.astimezone(FIRM_ZONE)
    text = f"{local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'} CT"
    today = dt.datetime.now(FIRM_ZONE).date()
    if local.date() != today:
        text = f"{local:%b} {local.day}, " + (f"{local.year}, " if local.year != today.year else "") + text
    return text


def sign_in(browser, base_url, token, name, grant=True, **options):
    context = browser.new_context(timezone_id=BROWSER_ZONE, viewport={"width": 1280, "height": 900}, **options)
    if grant:
        context.grant_permissions(["notifications"], origin=base_url)
    context.add_init_script(ALERT_RECORDER)
    page = context.new_page()
    page.on("console", lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.csp_errors = []
    page.goto(f"{base_url}/advisor")
    page.fill("#token", token)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#who")).to_have_text(f"Signed in as {name}")
    expect(page.locator("#stream-state")).to_have_text("Live")
    return context, page


def alerts(page):
    return page.evaluate("window.__alerts")


def event(api, conversation_id, kind, channel="socketio", **extra):
    response = api.post("/api/conversation-events", {"conversation_id": conversation_id, "channel": channel,
                                                      "type": kind, **extra}, api.service_token)
    assert response.status_code == 200, response.text
    return response.json()


def row_of(page, case_id):
    return page.locator(f"#queue .case-row[data-case-id='{case_id}']")


def contact(name, **extra):
    return {"name": name, "method": "phone", "phone": "+1 (555) 010-4477", "email": None,
            "best_time": "weekday mornings", "consent": True, **extra}


def risk(level):
    return {"level": level, "score": 40, "escalate": True, "factors": [], "unknown": []}


# --- the helpers, in the browser that runs them ----------------------------------------------------
def test_time_zones_stream_parser_and_title_in_the_browser(browser, web):
    context = browser.new_context(timezone_id="America/Los_Angeles")
    page = context.new_page()
    page.goto(f"{web.url}/advisor")
    results = page.evaluate("""() => {
      const L = window.AdvisorLib;
      const now = Date.parse("2026-12-04T21:00:00Z");
      const firm = L.makeClock({ timezone: "America/Chicago", zone_label: "CT" });
      const unknown = L.makeClock({ timezone: "Mars/Olympus_Mons", zone_label: "MT" });
      const parser = new L.SseParser();
      const first = parser.push(": ping\\n\\nevent: case_created\\r\\ndata: {\\"case_id\\":");
      const second = parser.push("7}\\r\\n\\r\\nevent: presence\\ndata: {\\"case_id\\":7,\\n");
      const third = parser.push("data: \\"online\\":true}\\n\\n");
      return {
        today: L.formatTime("2026-12-04T20:04:00Z", firm, now),
        yesterday: L.formatTime("2026-12-03T15:30:00Z", firm, now),
        last_year: L.formatTime("2025-12-03T15:30:00Z", firm, now),
        fallback: L.formatTime("2026-12-04T20:04:00Z", unknown, now),
        no_firm: L.formatTime("2026-12-04T20:04:00Z", L.makeClock(null), now),
        events: [first, second, third],
        titles: [L.titleFor(3), L.titleFor(0)],
        opted: [L.optedOutAt({ opted_out_at: "2026-12-04T20:00:00Z", opted_in_at: "2026-12-04T19:00:00Z" }),
                L.optedOutAt({ opted_out_at: "2026-12-04T20:00:00Z", opted_in_at: "2026-12-04T20:30:00Z" }),
                L.optedOutAt({ opted_out_at: null })],
        backoff: [0, 1, 2, 3, 4, 5, 9].map((n) => L.backoffMs(n, 0)),
        jittered: L.backoffMs(2, 1),
        params: L.queueParams("mine", { priority: "urgent,high", channel: "sms", q: "  555 010  " }).toString(),
        names: [L.downloadName('attachment; filename="cases-20261204-2100.csv"'), L.downloadName(null, now),
                L.downloadName('attachment; filename="../../etc/passwd"')],
        presence: [L.presence({ online: true }, "socketio", firm, now),
                   L.presence({ online: false, seen_at: "2026-12-04T20:04:00Z" }, "socketio", firm, now),
                   L.presence({ online: true }, "sms", firm, now),
                   L.presence({ online: false, seen_at: null }, "socketio", firm, now)],
      };
    }""")
    assert results["today"] == "2:04 pm CT"
    assert results["yesterday"] == "Dec 3, 9:30 am CT"
    assert results["last_year"] == "Dec 3, 2025, 9:30 am CT"
    # a zone this browser does not know, or no firm at all: the browser's own zone, named
    assert results["fallback"] == results["no_firm"] == "12:04 pm PST"
    assert results["events"] == [[], [{"event": "case_created", "data": '{"case_id":7}'}],
                                 [{"event": "presence", "data": '{"case_id":7,\n"online":true}'}]]
    assert results["titles"] == ["(3) Queue - Advisor", "Queue - Advisor"]
    assert results["opted"] == ["2026-12-04T20:00:00Z", None, None]
    assert results["backoff"] == [1000, 2000, 4000, 8000, 16000, 30000, 30000]
    assert results["jittered"] == 3200
    assert results["params"] == "status=active&assignee=me&priority=urgent%2Chigh&channel=sms&q=555+010"
    assert results["names"] == ["cases-20261204-2100.csv", "handoffs-2026-12-04.csv", ".._.._etc_passwd"]
    assert results["presence"] == [{"state": "online", "text": "Online now"},
                                   {"state": "offline", "text": "Offline, last seen 2:04 pm CT"}, None,
                                   {"state": "unknown", "text": "Not seen online"}]
    context.close()


# --- item 9: push, alerts, the title -----------------------------------------------------------------
def test_a_new_case_is_pushed_with_an_alert_and_the_count_in_the_title(browser, web, api, second_advisor):
    old = api.escalate(escalation(conversation_id=f"low-{uuid.uuid4().hex[:8]}", contact=contact("Lee Park"),
                                  risk=risk("low"))).json()
    context, page = sign_in(browser, web.url, api.advisor_token, "Dev Advisor")
    expect(page).to_have_title("(1) Queue - Advisor")
    expect(page.locator("#firm-name")).to_have_text("Harbor Tax Resolution")
    page.evaluate("window.__sameDocument = true")
    assert alerts(page)["permissionRequests"] == 0  # granted already, and never asked on load anyway

    urgent = api.escalate(escalation(conversation_id=f"urgent-{uuid.uuid4().hex[:8]}",
                                     contact=contact("Rosa Diaz"))).json()
    row = row_of(page, urgent["id"])
    expect(row).to_be_visible(timeout=PUSH_TIMEOUT_MS)
    expect(page).to_have_title("(2) Queue - Advisor")
    expect(row).to_have_class("case-row row-urgent row-new")
    expect(row.locator(".chip.new")).to_have_text("New")
    expect(page.locator("#queue .case-row").first).to_have_attribute("data-case-id", str(urgent["id"]))
    # the urgent row stands out: a red edge the other rows do not have
    edge = row.evaluate("r => getComputedStyle(r).borderLeftColor")
    assert edge == "rgb(179, 38, 30)" and row_of(page, old["id"]).evaluate("r => getComputedStyle(r).borderLeftWidth") != "6px"
    page.wait_for_function("() => window.__alerts.notifications.length === 1")
    shown = alerts(page)["notifications"][0]
    assert shown["title"] == "URGENT case waiting: Rosa Diaz"
    assert shown["requireInteraction"] is True and shown["tag"] == f"case-{urgent['id']}"
    assert alerts(page)["tones"] == 4  # the urgent chime: four notes, made by WebAudio
    expect(page.locator("#announce")).to_have_text(  # what a screen reader hears
        f"URGENT case waiting: Rosa Diaz. Case #{urgent['id']}, urgent priority: claim it now.")

    medium = api.escalate(escalation(conversation_id=f"medium-{uuid.uuid4().hex[:8]}", contact=contact("Ana Lopez"),
                                     risk=risk("medium"))).json()
    expect(row_of(page, medium["id"])).to_be_visible(timeout=PUSH_TIMEOUT_MS)
    expect(page).to_have_title("(3) Queue - Advisor")
    page.wait_for_function("() => window.__alerts.notifications.length === 2")
    shown = alerts(page)["notifications"][1]
    assert shown["title"] == "New case: Ana Lopez" and shown["requireInteraction"] is False
    assert "medium priority" in shown["body"]
    assert alerts(page)["tones"] == 6

    # Another advisor claims one: it leaves the waiting list and the count, pushed.
    assert api.act(urgent["id"], "claim", token=second_advisor["token"]).status_code == 200
    expect(row_of(page, urgent["id"])).to_have_count(0, timeout=PUSH_TIMEOUT_MS)
    expect(page).to_have_title("(2) Queue - Advisor")

    # Every time shown is the firm's, with its label (the browser itself is in Berlin).
    row_of(page, medium["id"]).click()
    expect(row_of(page, medium["id"])).not_to_have_class("row-new")
    waiting = dt.datetime.fromisoformat(medium["waiting_since"])
    expect(page.locator(".facts dd", has_text=" CT").first).to_have_text(firm_clock(waiting))
    assert page.evaluate("window.__sameDocument") is True  # all of it without a reload
    assert page.csp_errors == []
    context.close()


def test_alerts_are_asked_for_from_a_click_never_on_load(browser, web, api):
    context, page = sign_in(browser, web.url, api.advisor_token, "Dev Advisor", grant=False)
    expect(page.locator("#enable-alerts")).to_be_visible()
    page.wait_for_timeout(300)
    assert alerts(page)["permissionRequests"] == 0
    page.click("#enable-alerts")
    page.wait_for_function("() => window.__alerts.permissionRequests === 1")
    expect(page.locator("#alerts-state")).to_be_visible()
    expect(page.locator("#enable-alerts")).to_be_hidden()
    # The sound can be switched off, and stays off for the next visit.
    page.click("#sound")
    expect(page.locator("#sound")).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(page.locator("#sound")).to_have_text("Sound off")
    context.close()


def test_the_stream_comes_back_after_a_restart_and_sign_out_ends_it(browser, db_url, tokens, tmp_path):
    state = tmp_path / "restart"
    env = {"HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": tokens["service"],
           "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off", "WEB_PORT": str(free_port()), **CALENDAR_SLA, **FIRM_ENV}
    server = WebServer(env, state / "web.log").start()
    try:
        clear_cases(db_url)
        api = Api(server.url, tokens["service"], tokens["advisor"])
        context, page = sign_in(browser, server.url, api.advisor_token, "Dev Advisor")
        page.evaluate("window.__sameDocument = true")
        server.stop()
        expect(page.locator("#stream-state")).to_contain_text("Reconnecting in")
        expect(page.locator("#stream-state")).to_have_class("stream-state stream-down")
        server = WebServer(env, state / "web.log").start()
        # back-off from 1 s: a few seconds after the restart the page is live again, by itself
        expect(page.locator("#stream-state")).to_have_text("Live", timeout=20000)
        conversation = f"web-{uuid.uuid4().hex[:10]}"
        case = api.escalate(escalation(conversation_id=conversation, contact=contact("Rosa Diaz"))).json()
        expect(row_of(page, case["id"])).to_be_visible(timeout=PUSH_TIMEOUT_MS)
        assert page.evaluate("window.__sameDocument") is True
        assert api.act(case["id"], "claim").status_code == 200
        assert event(api, conversation, "unanswered", text="hello?")["advisor_live"] is True

        # Signing out closes the stream: the advisor is no longer live for the away answer.
        page.click("#sign-out")
        expect(page.locator("#signin")).to_be_visible()
        expect(page.locator("#stream-state")).to_be_hidden()
        expect(page).to_have_title("Queue - Advisor")
        deadline = time.monotonic() + 10
        while event(api, conversation, "unanswered", text="hello??")["advisor_live"] and time.monotonic() < deadline:
            time.sleep(0.3)
        assert event(api, conversation, "unanswered", text="anyone?")["advisor_live"] is False
        context.close()
    finally:
        server.stop()


# --- items 8, 9: the taxpayer's presence and messages --------------------------------------------------
def test_presence_and_a_message_on_a_case_you_hold(browser, web, api, second_advisor):
    conversation = f"web-{uuid.uuid4().hex[:10]}"
    held = api.escalate(escalation(conversation_id=conversation, contact=contact("Ana Lopez"))).json()
    other = api.escalate(escalation(conversation_id=f"web-{uuid.uuid4().hex[:10]}", contact=contact("Lee Park"),
                                    risk=risk("high"))).json()
    context, page = sign_in(browser, web.url, api.advisor_token, "Dev Advisor")
    sam_context, sam = sign_in(browser, web.url, second_advisor["token"], "Sam Second")
    sam.click("[data-filter=active]")

    row_of(page, held["id"]).click()
    page.click("#claim")
    expect(page.locator("#case-header")).to_contain_text("Held by Dev Advisor")
    page.click("[data-filter=mine]")
    expect(row_of(page, held["id"])).to_be_visible()
    expect(row_of(page, held["id"]).locator(".presence")).to_have_count(0)  # never seen: the row says nothing
    row_of(sam, other["id"]).click()  # Sam looks at another case
    page.click("[data-filter=active]")
    row_of(page, other["id"]).click()  # and so does Dev: the held case is not open
    expect(page.locator("#case-header h2")).to_have_text("Lee Park")

    # The taxpayer's widget connects: both dashboards show it, pushed.
    event(api, conversation, "online")
    for dashboard in (page, sam):
        expect(row_of(dashboard, held["id"]).locator(".presence")).to_have_text("Online now", timeout=PUSH_TIMEOUT_MS)

    # They write while the holder's dashboard is open: no away answer, the holder is alerted.
    answer = event(api, conversation, "unanswered", text="hello? is anyone there? I have a question about the levy")
    assert answer == {**answer, "case_id": held["id"], "reply": None, "advisor_live": True}
    expect(row_of(page, held["id"]).locator(".chip.unread")).to_have_text("1 new message", timeout=PUSH_TIMEOUT_MS)
    page.wait_for_function("() => window.__alerts.notifications.length === 1")
    shown = alerts(page)["notifications"][0]
    assert shown["title"] == f"URGENT: Ana Lopez wrote (case #{held['id']})"
    assert shown["body"] == "hello? is anyone there? I have a question about the levy"
    event(api, conversation, "unanswered", text="hello??")
    expect(row_of(page, held["id"]).locator(".chip.unread")).to_have_text("2 new messages", timeout=PUSH_TIMEOUT_MS)
    page.wait_for_function("() => window.__alerts.notifications.length === 2")
    again = alerts(page)["notifications"][1]
    assert again["body"] == "hello??" and again["tag"] == shown["tag"] and again["renotify"] is True  # alerts again
    # Sam does not hold it: no alert for Sam.
    sam.wait_for_timeout(500)
    assert alerts(sam)["notifications"] == []

    # The tab closes: offline, with when they were last seen, in the firm's zone.
    event(api, conversation, "offline")
    presence = row_of(page, held["id"]).locator(".presence")
    expect(presence).to_contain_text("Offline, last seen", timeout=PUSH_TIMEOUT_MS)
    seen = dt.datetime.fromisoformat(api.case(held["id"], token=second_advisor["token"])["taxpayer"]["seen_at"])
    expect(presence).to_have_text(f"Offline, last seen {firm_clock(seen)}")

    # Opening the case as its holder reads the messages.
    row_of(page, held["id"]).click()
    expect(page.locator("#case-taxpayer")).to_contain_text("Offline, last seen")
    expect(page.locator("#case-taxpayer")).to_contain_text("Last wrote")
    expect(row_of(page, held["id"]).locator(".chip.unread")).to_have_count(0)
    assert api.case(held["id"], token=second_advisor["token"])["taxpayer"]["unread"] == 0
    event(api, conversation, "online")
    expect(page.locator("#case-taxpayer .presence")).to_have_text("Online now", timeout=PUSH_TIMEOUT_MS)

    # With the holder's dashboard closed, the taxpayer gets an honest away answer instead.
    context.close()
    deadline = time.monotonic() + 10
    while True:
        answer = event(api, conversation, "unanswered", text="are you still there?")
        if answer["advisor_live"] is False or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert answer["advisor_live"] is False and answer["case_id"] == held["id"]
    assert answer["reply"] and "Dev Advisor" in answer["reply"]  # Rasa is off here: the channel would send it
    assert sam.csp_errors == []
    sam_context.close()


# --- item 7: an SMS STOP ---------------------------------------------------------------------------------
def test_an_sms_stop_shows_on_the_case_and_blocks_the_reply_box(browser, web, api):
    phone = "+1555" + str(uuid.uuid4().int)[:7]
    case = api.escalate(escalation(conversation_id=phone, channel="sms", contact=contact("Sam Ortiz"))).json()
    context, page = sign_in(browser, web.url, api.advisor_token, "Dev Advisor")
    row_of(page, case["id"]).click()
    page.click("#claim")
    expect(page.locator("#reply-form")).to_be_visible()
    expect(page.locator("#reply-text")).to_be_enabled()
    expect(page.locator("#reply-blocked")).to_be_hidden()
    page.click("[data-filter=mine]")
    expect(row_of(page, case["id"])).to_be_visible()
    expect(row_of(page, case["id"]).locator(".presence")).to_have_count(0)  # SMS has no presence

    stop_at = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=3)).replace(microsecond=0)
    event(api, phone, "opted_out", channel="sms", at=stop_at.isoformat())
    badge = row_of(page, case["id"]).locator(".chip.optout")
    expect(badge).to_have_text(f"Opted out of texts {firm_clock(stop_at)}", timeout=PUSH_TIMEOUT_MS)
    expect(page.locator("#case-taxpayer .chip.optout")).to_have_text(
        f"Opted out of texts (STOP) at {firm_clock(stop_at)}", timeout=PUSH_TIMEOUT_MS)
    # The reply box says so before anyone types, and cannot be used.
    expect(page.locator("#reply-blocked")).to_be_visible()
    expect(page.locator("#reply-blocked")).to_contain_text(f"texted STOP at {firm_clock(stop_at)}")
    expect(page.locator("#reply-text")).to_be_disabled()
    expect(page.locator("#reply-send")).to_be_disabled()
    assert page.locator("#reply-text").get_attribute("aria-describedby") == "reply-blocked"
    expect(page.locator("#case-more")).to_contain_text("The taxpayer texted STOP")

    # START again: texts are allowed again, and the box is usable.
    event(api, phone, "opted_in", channel="sms")
    expect(page.locator("#reply-text")).to_be_enabled(timeout=PUSH_TIMEOUT_MS)
    expect(page.locator("#reply-blocked")).to_be_hidden()
    expect(badge).to_have_count(0)
    expect(page.locator("#case-taxpayer")).to_contain_text("Texted START at")
    assert page.csp_errors == []
    context.close()


# --- item 10: filters, search, CSV -------------------------------------------------------------------------
def test_filters_search_and_the_csv_export(browser, web, api, tmp_path):
    made = {}
    for key, body in {
        "dana": escalation(contact=contact("Dana Reyes", email="dana@example.com")),
        "sam": escalation(channel="sms", conversation_id="+1555" + str(uuid.uuid4().int)[:7], risk=risk("high"),
                          contact=contact("Sam Ortiz", phone="555.010.9999")),
        "lee": escalation(channel="rest", risk=risk("medium"),
                          contact=contact("Lee Park", method="email", phone=None, email="LEE.PARK@Example.com")),
        "formula": escalation(risk=risk("low"), contact=contact("=HYPERLINK(\"http://x.example\",\"click\")")),
    }.items():
        made[key] = api.escalate(body).json()["id"]
    context, page = sign_in(browser, web.url, api.advisor_token, "Dev Advisor")

    def shown():  # read in one go: the list may be drawn again between two reads
        return page.eval_on_selector_all("#queue .case-row", "rows => rows.map((r) => Number(r.dataset.caseId))")

    def expect_rows(*keys, timeout=5.0):
        """The list shows exactly these cases, in this order (a count alone could be the last answer)."""
        wanted = [made[k] for k in keys]
        deadline = time.monotonic() + timeout
        while shown() != wanted and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert shown() == wanted

    expect_rows("dana", "sam", "lee", "formula")
    page.select_option("#filter-priority", "urgent,high")
    expect_rows("dana", "sam")
    page.select_option("#filter-channel", "sms")
    expect_rows("sam")
    expect(page.locator("#queue-status")).to_have_text("1 case match, most urgent first.")
    page.select_option("#filter-priority", "")
    page.select_option("#filter-channel", "")
    expect_rows("dana", "sam", "lee", "formula")

    # Search: the phone in any formatting, the email in any case, part of a name.
    for typed, expected in (("(555) 010-9999", ["sam"]), ("lee.park@EXAMPLE", ["lee"]), ("reyes", ["dana"]),
                            ("nobody-like-this", [])):
        page.fill("#filter-q", typed)
        expect_rows(*expected)
    expect(page.locator("#queue-status")).to_have_text("No cases match these filters.")
    page.fill("#filter-q", "")
    page.select_option("#filter-channel", "socketio")
    expect_rows("dana", "formula")
    listed = shown()

    # The export downloads what the list shows, fetched with the bearer header: no token in a URL.
    seen = []
    page.on("request", lambda r: seen.append(r) if "/api/handoffs.csv" in r.url else None)
    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    assert download.suggested_filename.startswith("cases-") and download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with open(path, newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert [int(r["id"]) for r in exported] == listed
    assert {r["channel"] for r in exported} == {"socketio"}
    by_id = {int(r["id"]): r for r in exported}
    assert by_id[made["dana"]]["name"] == "Dana Reyes" and by_id[made["dana"]]["email"] == "dana@example.com"
    assert by_id[made["formula"]]["name"].startswith("'=HYPERLINK")  # no formula for a spreadsheet to run
    assert len(seen) == 1 and api.advisor_token not in seen[0].url and "channel=socketio" in seen[0].url
    assert seen[0].headers["authorization"] == f"Bearer {api.advisor_token}"
    expect(page.locator("#notice")).to_contain_text(f"Downloaded {download.suggested_filename}")
    assert page.csp_errors == []
    context.close()


def test_filters_search_export_and_opening_a_case_by_keyboard_alone(browser, web, api):
    dana = api.escalate(escalation(contact=contact("Dana Reyes"))).json()["id"]
    api.escalate(escalation(risk=risk("high"), contact=contact("Sam Ortiz")))
    context, page = sign_in(browser, web.url, api.advisor_token, "Dev Advisor")
    expect(page.locator("#queue .case-row")).to_have_count(2)
    focused = lambda: page.evaluate("document.activeElement.id || document.activeElement.dataset.filter || ''")  # noqa: E731
    page.focus("[data-filter=all]")
    page.keyboard.press("Tab")
    assert focused() == "filter-priority"
    page.keyboard.press("ArrowDown")  # Any -> Urgent
    expect(page.locator("#queue .case-row")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused() == "filter-q"
    page.keyboard.type("reyes")
    expect(page.locator("#queue-status")).to_have_text("1 case match, most urgent first.")
    page.keyboard.press("Tab")
    assert focused() == "export-csv"
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    assert download_info.value.suggested_filename.endswith(".csv")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.caseId") == str(dana)
    page.keyboard.press("Enter")
    expect(page.locator("#case-header h2")).to_have_text("Dana Reyes")
    # the focus ring is visible on what has focus
    page.focus("#export-csv")
    assert page.eval_on_selector("#export-csv", "b => getComputedStyle(b).outlineStyle") == "solid"
    context.close()


def test_filters_and_the_case_view_fit_a_phone(browser, web, api):
    phone = "+1555" + str(uuid.uuid4().int)[:7]
    case = api.escalate(escalation(conversation_id=phone, channel="sms", contact=contact("Sam Ortiz"))).json()
    assert api.act(case["id"], "claim").status_code == 200
    event(api, phone, "opted_out", channel="sms")
    context = browser.new_context(timezone_id=BROWSER_ZONE, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{web.url}/advisor")
    page.fill("#token", api.advisor_token)
    page.click("#signin-form button[type=submit]")
    page.click("[data-filter=mine]")
    expect(row_of(page, case["id"]).locator(".chip.optout")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row_of(page, case["id"]).tap()
    expect(page.locator("#reply-blocked")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "advisor-dashboard-phone-optout.png"), full_page=True)
    context.close()


# --- item 8 with a real Rasa: hand back, rejoin; item 6: who sent each message ------------------------------
RASA_TOKEN = "dashboard-rasa-" + secrets.token_urlsafe(8)


@pytest.fixture(scope="module")
def live_web_port():
    return free_port()


@pytest.fixture(scope="module")
def rasa(fixture_model, tmp_path_factory, tokens, live_web_port):  # noqa: F811 (fixture_model is imported)
    """Rasa with the fixture assistant and the project's action server; its channels report the
    taxpayer's side to this module's live web service (HANDOFF_API_URL), as in production."""
    state = tmp_path_factory.mktemp("dashboard-rasa")
    env = settings({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(live_web_port),
        "RASA_TOKEN": RASA_TOKEN, "SERVICE_TOKEN": tokens["service"], "ADVISOR_TOKEN": tokens["advisor"],
        "STATE_DIR": str(state), "PYTHONPATH": str(ROOT), "HANDOFF_API_URL": f"http://127.0.0.1:{live_web_port}/api",
    })
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    endpoints = state / "endpoints.yml"  # written out: Rasa 3.6 substitutes ${VAR} only unquoted
    endpoints.write_text(f"action_endpoint:\n  url: {env['ACTION_SERVER_URL']}\n")
    env["RASA_ENDPOINTS"] = str(endpoints)
    stack = Stack(env, state / "log", model=fixture_model, only=["action server", "rasa server"])
    try:
        stack.start(timeout=240)
        yield env
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def live_web(rasa, db_url, tokens, live_web_port, tmp_path_factory):
    state = tmp_path_factory.mktemp("live-web")
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": tokens["service"],
                        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": rasa["RASA_URL"], "RASA_TOKEN": RASA_TOKEN,
                        "RASA_PORT": rasa["RASA_PORT"],  # where the demo page's widget finds Rasa
                        "WEB_PORT": str(live_web_port), **CALENDAR_SLA, **FIRM_ENV}, state / "web.log").start()
    yield server
    server.stop()


class RestTaxpayer:
    """Someone writing to the assistant over Rasa's REST channel."""

    def __init__(self, rasa_url: str):
        self.rasa_url = rasa_url
        self.sender = "+1555" + str(uuid.uuid4().int)[:7]

    def say(self, text: str):
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=30)
        assert response.status_code == 200, response.text
        return [m.get("text") for m in response.json()]

    def tracker(self):
        response = requests.get(f"{self.rasa_url}/conversations/{self.sender}/tracker",
                                params={"token": RASA_TOKEN}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.mark.stack
def test_hand_back_rejoin_and_who_sent_each_message(browser, live_web, db_url, tokens, rasa):
    clear_cases(db_url)
    api = Api(live_web.url, tokens["service"], tokens["advisor"])
    taxpayer = RestTaxpayer(rasa["RASA_URL"])
    for _ in range(10):  # a conversation longer than the transcript's box
        assert taxpayer.say("hello") == ["Hello from the fixture assistant."]
    case_id = api.escalate(escalation(conversation_id=taxpayer.sender, channel="rest",
                                      contact=contact("Dana Reyes"))).json()["id"]
    stranger = api.escalate(escalation(conversation_id=f"never-talked-{uuid.uuid4().hex[:6]}", risk=risk("low"),
                                       contact=contact("Lee Park"))).json()["id"]
    context, page = sign_in(browser, live_web.url, api.advisor_token, "Dev Advisor")

    # A case the assistant never talked to: nothing to hand back or rejoin, and the view says so.
    row_of(page, stranger).click()
    page.click("#claim")
    expect(page.locator("#case-live")).to_contain_text("The assistant has no conversation with this taxpayer")
    expect(page.locator("#handback, #rejoin")).to_have_count(0)

    row_of(page, case_id).click()
    page.click("#claim")
    expect(page.locator("#case-live")).to_contain_text("The bot is paused")
    expect(page.locator("#handback")).to_be_visible()
    expect(page.locator("#rejoin")).to_have_count(0)
    page.fill("#reply-text", "Hi Dana, I'm looking at your LT11 now.")
    page.click("#reply-send")
    expect(page.locator("#notice")).to_contain_text("Reply sent")

    # Who sent what: the taxpayer, the assistant (its greeting AND the joined notice), the advisor.
    messages = page.locator("#case-body .messages").first.locator(".message.incoming, .message.outgoing")
    expect(messages.last).to_contain_text("Hi Dana, I'm looking at your LT11 now.")
    said = [(m.locator(".message-who").inner_text(), m.locator(".message-text").inner_text()) for m in messages.all()]
    assert said[0] == ("Dana Reyes (taxpayer)", "hello")
    # The newest messages are in sight: the box is scrolled to its end.
    box = page.locator("#case-body .transcript-box")
    assert box.evaluate("b => b.scrollHeight > b.clientHeight && b.scrollTop + b.clientHeight >= b.scrollHeight - 8")
    assert said[1] == ("Assistant", "Hello from the fixture assistant.")
    joined = [who for who, text in said if "has joined this conversation" in text]
    assert joined == ["Assistant"], said
    assert said[-1] == ("Dev Advisor (advisor)", "Hi Dana, I'm looking at your LT11 now.")
    time_text = messages.last.locator("time").inner_text()
    assert time_text.endswith(" CT"), time_text

    # Hand back: the bot answers again, the case stays open and held.
    page.click("#handback")
    expect(page.locator("#notice")).to_contain_text("Handed back to the assistant")
    expect(page.locator("#rejoin")).to_be_visible()
    expect(page.locator("#handback")).to_have_count(0)
    expect(page.locator("#case-live")).to_contain_text("The assistant is answering")
    expect(page.locator("#case-header")).to_contain_text("Held by Dev Advisor")
    detail = api.case(case_id)
    assert detail["bot_paused"] is False and detail["status"] == "open" and detail["assignee"]["name"] == "Dev Advisor"
    assert taxpayer.tracker()["paused"] is False
    assert taxpayer.say("hello") == ["Hello from the fixture assistant."]
    handed = [m for m in messages.all() if "handed you back" in m.locator(".message-text").inner_text()]
    assert handed and handed[0].locator(".message-who").inner_text() == "Assistant"

    # Snoozed for later, the advisor can still rejoin when the taxpayer needs them.
    page.click("#snooze")
    expect(page.locator("#case-header .chip").first).to_have_text("snoozed")
    page.click("#rejoin")
    expect(page.locator("#notice")).to_contain_text("back in the conversation")
    expect(page.locator("#handback")).to_be_visible()
    expect(page.locator("#case-live")).to_contain_text("The bot is paused")
    assert taxpayer.tracker()["paused"] is True
    assert api.case(case_id)["bot_paused"] is True
    # The taxpayer writes: the REST channel reports it, and the holder's open case view shows it
    # at once, with the chime; no pop-up, as the advisor is looking at this very case.
    tones = alerts(page)["tones"]
    assert taxpayer.say("are you there? can you call me after 5pm?") == []  # the advisor is live: no away answer
    expect(messages.last).to_contain_text("can you call me after 5pm?", timeout=PUSH_TIMEOUT_MS)
    expect(messages.last.locator(".message-who")).to_have_text("Dana Reyes (taxpayer)")
    page.wait_for_function(f"() => window.__alerts.tones > {tones}")
    assert alerts(page)["notifications"] == []
    assert page.csp_errors == []

    # With the dashboard closed, the same message gets the honest away answer, never silence.
    context.close()
    deadline = time.monotonic() + 10
    replies = taxpayer.say("hello?")
    while replies == [] and time.monotonic() < deadline:
        time.sleep(0.5)
        replies = taxpayer.say("hello?")
    assert len(replies) == 1 and "Dev Advisor" in replies[0], replies
    assert api.act(case_id, "resolve").status_code == 200  # the conversation goes back to the bot


@pytest.mark.stack
def test_the_taxpayer_in_the_widget_and_the_advisor_at_the_dashboard(browser, live_web, db_url, tokens, rasa):
    """Two browser contexts: the taxpayer on the demo page's widget, the advisor on /advisor."""
    if not (ROOT / "bot" / "web" / "static" / "widget" / "widget.js").is_file():
        build_widget()
    clear_cases(db_url)
    api = Api(live_web.url, tokens["service"], tokens["advisor"])
    person = browser.new_context(viewport={"width": 1280, "height": 800})
    widget = person.new_page()
    widget.goto(f"{live_web.url}/")
    widget.get_by_role("button", name="Check my deadline").click()
    box = widget.get_by_role("textbox", name="Type your message")
    box.fill("hello")
    box.press("Enter")
    chat = widget.get_by_role("log", name="Conversation")
    expect(chat).to_contain_text("Hello from the fixture assistant.")
    conversation = stored_session_id(widget)
    case_id = api.escalate(escalation(conversation_id=conversation, channel="socketio",
                                      contact=contact("Dana Reyes"))).json()["id"]

    context, page = sign_in(browser, live_web.url, api.advisor_token, "Dev Advisor")
    row = row_of(page, case_id)
    expect(row.locator(".presence")).to_have_text("Online now")  # the widget's tab is open
    row.click()
    page.click("#claim")
    expect(widget.locator(".ic-advisor-bar")).to_contain_text("Dev Advisor")
    page.fill("#reply-text", "Hi Dana, I have your case open. Can I call you this afternoon?")
    page.click("#reply-send")
    expect(chat).to_contain_text("Can I call you this afternoon?")

    # The taxpayer answers in the widget: the channel reports it, the dashboard shows it at once.
    box.fill("yes please, after 3pm")
    box.press("Enter")
    transcript = page.locator("#case-body .messages").first
    expect(transcript.locator(".message.incoming").last).to_contain_text("yes please, after 3pm",
                                                                          timeout=PUSH_TIMEOUT_MS)
    expect(transcript.locator(".message.incoming").last.locator(".message-who")).to_have_text("Dana Reyes (taxpayer)")
    expect(transcript.locator(".message.outgoing.from-advisor").last).to_contain_text("Can I call you this afternoon?")

    # The taxpayer closes the tab: offline, pushed, with when they were last seen.
    person.close()
    expect(page.locator("#case-taxpayer .presence")).to_contain_text("Offline, last seen", timeout=PUSH_TIMEOUT_MS)
    expect(page.locator("#case-taxpayer .presence")).to_contain_text(" CT")
    assert page.csp_errors == []
    context.close()
