"""The operator's queue tools over HTTP (SQLite and PostgreSQL): filters, search, the CSV export,
hand back / rejoin refusals without a live side, and the firm's details on the demo page."""
import csv
import html
import io

import pytest
import requests

from bot import firm as firms
from bot.web.app import PAGES_DIR
from bot.web.export import COLUMNS
from tests.unit.handoff.cases import escalation


def contact(name, phone=None, email=None):
    return {"name": name, "method": "phone" if phone else "email", "phone": phone, "email": email,
            "best_time": None, "consent": True}


def risk(level):
    return {"level": level, "score": 10, "escalate": True, "factors": [], "unknown": []}


@pytest.fixture
def cases(api):
    made = {
        "dana": api.escalate(escalation(channel="socketio", contact=contact("Dana Reyes", "+1 (555) 010-4477"),
                                        risk=risk("urgent"))).json(),
        "lee": api.escalate(escalation(channel="sms", contact=contact("Pat O'Lee", "555.010.9931"),
                                       risk=risk("high"))).json(),
        "kim": api.escalate(escalation(channel="rest", contact=contact("Kim Park", email="Kim.Park@Example.com"),
                                       risk=risk("low"))).json(),
        "evil": api.escalate(escalation(channel="sms", contact=contact("=HYPERLINK(\"http://x\")", "+1 555 010 0000"),
                                        risk=risk("medium"), summary="@SUM(A1) -2+3")).json(),
    }
    return made


def ids(api, **params):
    return {case["id"] for case in api.cases(**params)["cases"]}


def test_filters_by_priority_channel_and_search(api, cases):
    assert ids(api, priority="urgent,high") == {cases["dana"]["id"], cases["lee"]["id"]}
    assert ids(api, channel="sms") == {cases["lee"]["id"], cases["evil"]["id"]}
    assert ids(api, channel="sms", priority="high") == {cases["lee"]["id"]}
    assert ids(api, q="dana") == {cases["dana"]["id"]}
    assert ids(api, q="KIM.PARK@example") == {cases["kim"]["id"]}
    assert ids(api, q="o'lee") == {cases["lee"]["id"]}
    for written in ("5550104477", "(555) 010-4477", "555-010-4477", "010 4477"):
        assert ids(api, q=written) == {cases["dana"]["id"]}, written
    assert ids(api, q="0109931") == {cases["lee"]["id"]}
    assert ids(api, q="100%") == set() and ids(api, q="_") == set()  # LIKE wildcards are literal
    assert api.cases(priority="urgent,high")["total"] == 2


@pytest.mark.parametrize("params, field", [
    ({"priority": "critical"}, "priority"),
    ({"channel": "x" * 65}, "channel"),
    ({"q": "x" * 201}, "q"),
    ({"status": "done"}, "status"),
    ({"assignee": "them"}, "assignee"),
])
def test_bad_filters_are_400(api, params, field):
    for path in ("/api/handoffs", "/api/handoffs.csv"):
        response = api.get(path, api.advisor_token, **params)
        assert response.status_code == 400 and field in response.json()["error"], (path, response.text)


def test_the_csv_export(api, cases):
    response = api.get("/api/handoffs.csv", api.advisor_token, status="all")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cases-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0].keys()) == COLUMNS and len(rows) == 4
    by_id = {int(row["id"]): row for row in rows}
    dana = by_id[cases["dana"]["id"]]
    assert dana == {**dana, "status": "pending", "priority": "urgent", "name": "Dana Reyes", "channel": "socketio",
                    "phone": "'+1 (555) 010-4477", "contact_method": "phone", "notice_code": "LT11",
                    "risk_level": "urgent", "reason": "risk", "sla_state": "running", "assignee": "", "opted_out_at": ""}
    evil = by_id[cases["evil"]["id"]]
    assert evil["name"] == "'=HYPERLINK(\"http://x\")" and evil["summary"] == "'@SUM(A1) -2+3"
    # Filters apply as on the list.
    filtered = list(csv.DictReader(io.StringIO(api.get("/api/handoffs.csv", api.advisor_token, q="kim").text)))
    assert [int(r["id"]) for r in filtered] == [cases["kim"]["id"]]


def test_the_csv_shows_a_standing_opt_out(api, cases):
    conversation = cases["lee"]["conversation_id"]
    api.post("/api/conversation-events", {"conversation_id": conversation, "channel": "sms", "type": "opted_out"},
             api.service_token)
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(api.get("/api/handoffs.csv", api.advisor_token).text))}
    assert rows[cases["lee"]["id"]]["opted_out_at"].startswith("20")
    api.post("/api/conversation-events", {"conversation_id": conversation, "channel": "sms", "type": "opted_in"},
             api.service_token)
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(api.get("/api/handoffs.csv", api.advisor_token).text))}
    assert rows[cases["lee"]["id"]]["opted_out_at"] == ""


def test_the_csv_needs_an_advisor_token(api):
    for token in (None, "wrong", api.service_token):
        response = api.get("/api/handoffs.csv", token)
        assert response.status_code == 401 and response.headers["Content-Type"].startswith("application/json")


def test_handback_and_rejoin_are_for_the_holder(api, advisor_store):
    pat_token = "pat-tools-token"
    advisor_store.add_advisor("Pat Tools", pat_token) if not advisor_store.advisor_for_token(pat_token) else None
    case = api.escalate(escalation()).json()
    unclaimed = api.act(case["id"], "handback", {})
    assert unclaimed.status_code == 409 and "claim the case" in unclaimed.json()["error"]
    api.act(case["id"], "claim")
    other = api.act(case["id"], "handback", {}, token=pat_token)
    assert other.status_code == 409 and "Dev Advisor holds this case" in other.json()["error"]
    # Without the live side the bot was never paused: there is nothing to hand back.
    nothing = api.act(case["id"], "handback", {})
    assert nothing.status_code == 409 and "already answering" in nothing.json()["error"]
    off = api.act(case["id"], "rejoin", {})
    assert off.status_code == 502 and "live handoff is off" in off.json()["error"]
    for bad in ({"note": 5}, {"note": "x" * 5001}):
        assert api.act(case["id"], "handback", bad).status_code == 400
    assert api.post(f"/api/handoffs/{case['id']}/rejoin", raw=b"[1]", token=api.advisor_token).status_code == 400


def test_firm_json_and_the_demo_page_share_the_firm(api):
    firm = firms.current()
    assert requests.get(f"{api.base}/firm.json", timeout=10).json() == firm.as_dict()  # public, no token
    page = requests.get(f"{api.base}/", timeout=10)
    assert page.status_code == 200 and "{{firm_" not in page.text
    source = PAGES_DIR / "index.html"
    if source.is_file() and "{{firm_phone}}" in source.read_text():
        assert html.escape(firm.phone) in page.text and f"tel:{firm.phone_tel}" in page.text


def test_fill_firm_escapes_what_it_fills(monkeypatch):
    from bot.web.app import fill_firm
    monkeypatch.setenv("FIRM_NAME", "Smith & <Jones>")
    monkeypatch.setenv("FIRM_PHONE", "(555) 010-0142")
    filled = fill_firm('<a href="tel:{{firm_phone_tel}}">{{firm_phone}}</a> {{firm_name}} {{firm_hours}}')
    assert filled == ('<a href="tel:+15550100142">(555) 010-0142</a> Smith &amp; &lt;Jones&gt; '
                      f'{html.escape(firms.current().hours_text)}')


@pytest.mark.parametrize("params", [{"q": "%ff"}, {"q": "\x00"}, {"priority": "\x00"}, {"channel": "\x00"}])
def test_odd_query_strings_are_answered_not_crashed(api, params):
    for path in ("/api/handoffs", "/api/handoffs.csv"):
        response = api.get(path, api.advisor_token, **params)
        assert response.status_code in (200, 400), (path, params, response.text)
        if response.status_code == 400:
            assert response.json()["error"]


def test_a_deeply_nested_body_is_400(api):
    deep = b"[" * 50_000 + b"]" * 50_000
    for path, token in (("/api/conversation-events", api.service_token), ("/api/handoffs/1/handback", api.advisor_token)):
        response = api.post(path, raw=deep, token=token)
        assert response.status_code == 400, (path, response.text)


def test_deleting_a_case_id_no_case_can_have_is_404(api):
    response = api.post("/api/privacy/deletions", {"case_id": 99999999999999999999}, api.advisor_token)
    assert response.status_code == 404 and "no case" in response.json()["error"]


@pytest.mark.parametrize("summary", ["nul \u0000 here", "lone \udc00 surrogate"])
def test_an_escalation_with_text_no_database_stores_is_400(api, summary):
    raw = __import__("json").dumps(escalation(summary=summary)).encode()
    response = api.post("/api/handoffs", raw=raw, token=api.service_token)
    assert response.status_code == 400 and "summary" in response.json()["error"]

