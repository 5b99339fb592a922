"""The advisor dashboard in Debian's headless Chromium (Playwright for Python), laptop and phone."""
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.integration.handoff.support import ROOT
from tests.unit.handoff.cases import escalation

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUTPUT = ROOT / "test-output"
HOSTILE_NAME = "<img src=x onerror=alert('xss-name')>"
HOSTILE_SUMMARY = "<script>alert('xss-summary')</script>Bank levy served & payment plan defaulted."
HOSTILE_NOTE = "<b onmouseover=alert('xss-note')>call at 9</b>"


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    # The page talks to the same API on either database; one backend is enough here.
    return f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'handoff.db'}"


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def seed(api):
    def risk(level, factors=()):
        return {"level": level, "score": 40, "escalate": True, "factors": list(factors), "unknown": []}

    hostile = escalation(
        conversation_id="hostile-1",
        contact={"name": HOSTILE_NAME, "method": "email", "email": "dana@example.com", "phone": None,
                 "best_time": "<i>evenings</i>", "consent": True},
        summary=HOSTILE_SUMMARY,
        facts={"note": "<svg onload=alert('xss-facts')>", "levy_status": ["bank"]},
    )
    hostile["risk"]["factors"].append({"code": "dispute", "points": 10, "source": "facts 7",
                                       "reason": "Says <a href='javascript:alert(1)'>click</a> is wrong"})
    ids = [api.escalate(hostile).json()["id"]]
    ids.append(api.escalate(escalation(conversation_id="high-1", contact={
        "name": "Sam Ortiz", "method": "phone", "phone": "555-010-9999", "email": None, "best_time": None,
        "consent": True}, risk=risk("high"), cdp_deadline="2025-07-01")).json()["id"])
    ids.append(api.escalate(escalation(conversation_id="low-1", contact={
        "name": "Lee Park", "method": "phone", "phone": "555-010-1234", "email": None, "best_time": None,
        "consent": False}, risk=risk("low"), cdp_deadline=None)).json()["id"])
    return ids


def open_dashboard(browser, web, tokens, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    dialogs, csp_errors = [], []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        if dialog.message.startswith("Resolve this case"):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{web.url}/advisor")
    page.fill("#token", tokens["advisor"])
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#who")).to_have_text("Signed in as Dev Advisor")
    return context, page, dialogs, csp_errors


def test_dashboard_on_a_laptop(browser, web, api, tokens):
    OUTPUT.mkdir(exist_ok=True)
    seed(api)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{web.url}/advisor")
    page.fill("#token", "not-a-token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("not valid")
    context.close()

    context, page, dialogs, csp_errors = open_dashboard(browser, web, tokens, viewport={"width": 1280, "height": 900},
                                                        timezone_id="Asia/Tokyo")
    rows = page.locator("#queue .case-row")
    expect(rows).to_have_count(3)
    # queue order: urgent, high, low; the hostile name is shown as text, never parsed as HTML
    expect(rows.nth(0).locator(".row-name")).to_have_text(HOSTILE_NAME)
    expect(rows.nth(1).locator(".row-name")).to_have_text("Sam Ortiz")
    expect(rows.nth(2).locator(".row-name")).to_have_text("Lee Park")
    expect(rows.nth(0).locator(".badge")).to_have_text("urgent")
    expect(rows.nth(0).locator(".sla-ok, .sla-soon")).to_contain_text("Respond within")
    assert page.locator("#queue img, #queue script").count() == 0

    rows.nth(0).click()
    expect(page.locator("#case-header h2")).to_have_text(HOSTILE_NAME)
    expect(page.locator(".summary")).to_have_text(HOSTILE_SUMMARY)
    expect(page.locator(".factors li")).to_have_count(3)
    expect(page.locator(".factors li").nth(0)).to_contain_text("A bank levy has been served")
    expect(page.locator(".factors li").nth(0)).to_contain_text("+60 points · IRC 6332(c)")
    expect(page.locator(".factors li").nth(2)).to_contain_text("<a href='javascript:alert(1)'>click</a>")
    expect(page.locator("#case-body")).to_contain_text("<svg onload=alert('xss-facts')>")
    expect(page.locator("#case-body")).to_contain_text("Transcript unavailable: no RASA_URL configured")
    expect(page.locator("#case-body")).to_contain_text("CDP deadline")
    # times in the firm's zone (the demo firm's: New York), named, whatever the browser's zone
    expect(page.locator(".facts dd").filter(has_text=" ET")).to_have_count(2)
    assert page.locator("#case img, #case svg, #case script, #case-body a[href^=javascript]").count() == 0

    page.click("#claim")
    expect(page.locator("#notice")).to_contain_text("Claimed")
    expect(page.locator("#case-header")).to_contain_text("Held by Dev Advisor")
    expect(page.locator("#case-header .chip").first).to_have_text("open")
    expect(page.locator("#reply-form")).to_be_visible()

    page.fill("#note-text", HOSTILE_NOTE)
    page.click("#note-form button[type=submit]")
    expect(page.locator(".message.note .message-text")).to_have_text(HOSTILE_NOTE)
    page.locator(".message.note").hover()

    # A reply that cannot be delivered says so and is not shown as sent.
    page.fill("#reply-text", "Hello, this is your advisor.")
    page.click("#reply-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("RASA_URL")
    expect(page.locator("#reply-text")).to_have_value("Hello, this is your advisor.")
    expect(page.locator("#signin")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUTPUT / "advisor-dashboard-laptop.png"), full_page=True)

    page.click("#resolve")
    expect(page.locator("#case-header .chip").first).to_have_text("resolved")
    page.click("[data-filter=resolved]")
    expect(page.locator("#queue .case-row")).to_have_count(1)
    assert not [d for d in dialogs if "xss" in d]
    assert csp_errors == []
    context.close()


def test_dashboard_on_a_phone(browser, web, api, tokens):
    OUTPUT.mkdir(exist_ok=True)
    seed(api)
    context, page, dialogs, csp_errors = open_dashboard(
        browser, web, tokens, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        device_scale_factor=2)
    expect(page.locator("#queue .case-row")).to_have_count(3)
    expect(page.locator("#case-pane")).to_be_hidden()
    expect(page.locator("#signin")).to_be_hidden()
    # nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(OUTPUT / "advisor-dashboard-phone-queue.png"), full_page=True)
    page.locator("#queue .case-row").nth(1).tap()
    expect(page.locator("#case-header h2")).to_have_text("Sam Ortiz")
    expect(page.locator("#queue-pane")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(OUTPUT / "advisor-dashboard-phone-case.png"), full_page=True)
    page.locator("#back").tap()
    expect(page.locator("#queue-pane")).to_be_visible()
    assert csp_errors == [] and not dialogs
    context.close()
