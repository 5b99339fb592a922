"""The queue API over HTTP against a running web service, on SQLite and on PostgreSQL."""
import re
import threading

import pytest
import requests

from tests.unit.handoff.cases import escalation


def claim_all_race(api, case_id, tokens):
    barrier = threading.Barrier(len(tokens))
    statuses = {}

    def claim(token):
        session = requests.Session()
        barrier.wait()
        statuses[token] = session.post(f"{api.base}/api/handoffs/{case_id}/claim", json={},
                                       headers={"Authorization": f"Bearer {token}"}, timeout=60)

    threads = [threading.Thread(target=claim, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


# --- auth --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", [
    ("get", "/api/handoffs"), ("get", "/api/handoffs/1"), ("post", "/api/handoffs/1/claim"),
    ("post", "/api/handoffs/1/notes"), ("post", "/api/handoffs/1/reply"), ("post", "/api/handoffs/1/snooze"),
    ("post", "/api/handoffs/1/reassign"), ("post", "/api/handoffs/1/resolve"), ("get", "/api/me"),
    ("get", "/api/advisors"),
])
def test_advisor_endpoints_answer_401_without_a_valid_advisor_token(api, method, path):
    for token in (None, "wrong", api.service_token):  # the service token is not an advisor token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = getattr(requests, method)(f"{api.base}{path}", headers=headers, json={}, timeout=10)
        assert response.status_code == 401, (path, token)
        assert "advisor token" in response.json()["error"]


def test_escalation_needs_the_service_token(api):
    for token in (None, "wrong", api.advisor_token):  # an advisor cannot create cases
        response = api.post("/api/handoffs", escalation(), token)
        assert response.status_code == 401
        assert response.json() == {"error": "the service token is required (Authorization: Bearer <SERVICE_TOKEN>)",
                                   "status": 401}
    assert api.cases()["total"] == 0


def test_a_basic_auth_header_is_not_a_bearer_token(api):
    response = requests.get(f"{api.base}/api/handoffs", headers={"Authorization": f"Basic {api.advisor_token}"}, timeout=10)
    assert response.status_code == 401


# --- escalation --------------------------------------------------------------------------------------
def test_escalation_creates_then_updates(api):
    body = escalation(conversation_id="+15550104477", channel="twilio")
    created = api.escalate(body)
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["status"] == "pending" and case["priority"] == "urgent" and case["created"] is True
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", case["first_response_due"])
    assert case["promise"] == "within about 15 minutes"
    updated = api.escalate({**body, "summary": "Second escalation."})
    assert updated.status_code == 200 and updated.json()["id"] == case["id"] and updated.json()["created"] is False
    listed = api.cases()
    assert listed["total"] == 1 and listed["cases"][0]["summary"] == "Second escalation."
    assert listed["cases"][0]["escalations"] == 2


@pytest.mark.parametrize("raw, message", [
    (b"", "needs a JSON body"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"conversation_id": "x"}', "missing channel"),
])
def test_malformed_escalations_get_400_with_a_reason(api, raw, message):
    response = api.post("/api/handoffs", token=api.service_token, raw=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert api.cases()["total"] == 0


def test_a_bad_field_is_named(api):
    response = api.escalate(escalation(risk={"level": "severe", "score": 1, "escalate": True, "factors": [], "unknown": []}))
    assert response.status_code == 400
    assert response.json()["error"] == "risk.level must be one of low, medium, high, urgent (got 'severe')"


def test_an_oversized_body_is_refused(api):
    response = api.escalate(escalation(facts={"blob": "x" * 300_000}))
    assert response.status_code == 413 and "larger than" in response.json()["error"]


# --- listing -----------------------------------------------------------------------------------------
def test_the_list_is_ordered_and_filtered(api):
    def risk(level):
        return {"level": level, "score": 1, "escalate": True, "factors": [], "unknown": []}

    ids = {}
    for name, level, deadline in [("low", "low", "2025-06-03"), ("high-late", "high", "2025-09-01"),
                                  ("high-soon", "high", "2025-06-05"), ("urgent", "urgent", None)]:
        ids[name] = api.escalate(escalation(conversation_id=name, risk=risk(level), cdp_deadline=deadline)).json()["id"]
    order = [c["conversation_id"] for c in api.cases()["cases"]]
    assert order == ["urgent", "high-soon", "high-late", "low"]
    assert all("sla_breached" in c for c in api.cases()["cases"])
    api.act(ids["high-soon"], "claim")
    assert [c["conversation_id"] for c in api.cases(status="pending")["cases"]] == ["urgent", "high-late", "low"]
    assert [c["conversation_id"] for c in api.cases(status="open")["cases"]] == ["high-soon"]
    assert [c["conversation_id"] for c in api.cases(assignee="me")["cases"]] == ["high-soon"]
    page = api.cases(limit=2, offset=1)
    assert [c["conversation_id"] for c in page["cases"]] == ["high-soon", "high-late"] and page["total"] == 4
    bad = api.get("/api/handoffs", api.advisor_token, status="closed")
    assert bad.status_code == 400 and "unknown status closed" in bad.json()["error"]
    assert api.get("/api/handoffs", api.advisor_token, limit="lots").status_code == 400


# --- the case and its actions --------------------------------------------------------------------
def test_case_detail_has_notes_audit_and_an_honest_transcript_error(api):
    case_id = api.escalate(escalation()).json()["id"]
    api.act(case_id, "claim")
    assert api.act(case_id, "notes", {"content": "Taxpayer sounds scared; call first."}).status_code == 201
    detail = api.case(case_id)
    assert detail["risk"]["factors"][0]["code"] == "levy_bank"
    assert [m["content"] for m in detail["messages"] if m["private"]] == ["Taxpayer sounds scared; call first."]
    assert [a["action"] for a in detail["audit"]] == ["created", "claimed", "note_added"]
    assert detail["transcript"] is None and detail["transcript_error"] == "no RASA_URL configured"
    assert api.get("/api/handoffs/424242", api.advisor_token).status_code == 404


def test_twenty_simultaneous_claims_over_http_have_one_winner(api, advisor_store):
    tokens = []
    for n in range(20):
        token = f"racer-{n}-{id(api)}"
        advisor_store.add_advisor(f"Racer {n}", token)
        tokens.append(token)
    case_id = api.escalate(escalation()).json()["id"]
    statuses = claim_all_race(api, case_id, tokens)
    codes = sorted(r.status_code for r in statuses.values())
    assert codes == [200] + [409] * 19
    winner = next(t for t, r in statuses.items() if r.status_code == 200)
    loser = next(r for r in statuses.values() if r.status_code == 409)
    assert "already claimed this case" in loser.json()["error"]
    detail = api.case(case_id)
    assert detail["assignee"]["name"] == statuses[winner].json()["assignee"]["name"]
    assert [a["action"] for a in detail["audit"]].count("claimed") == 1


def test_snooze_reassign_and_resolve_over_http(api, advisor_store):
    sam = advisor_store.add_advisor("Sam Second", "sam-token-" + api.base[-5:])
    case_id = api.escalate(escalation()).json()["id"]
    assert api.act(case_id, "snooze", {"minutes": 30}).status_code == 409  # not claimed yet
    api.act(case_id, "claim")
    snoozed = api.act(case_id, "snooze", {"minutes": 30})
    assert snoozed.status_code == 200 and snoozed.json()["status"] == "snoozed"
    assert api.act(case_id, "snooze", {"minutes": "soon"}).status_code == 400
    assert api.act(case_id, "snooze", {"until": "tomorrow"}).status_code == 400
    assert api.act(case_id, "reassign", {"advisor_id": "Sam"}).status_code == 400
    moved = api.act(case_id, "reassign", {"advisor_id": sam["id"]})
    assert moved.status_code == 200 and moved.json()["assignee"]["name"] == "Sam Second"
    # the dev advisor no longer holds it
    assert api.act(case_id, "resolve", {}).status_code == 409
    resolved = api.act(case_id, "resolve", {"note": "Done by phone."}, token="sam-token-" + api.base[-5:])
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert resolved.json()["live"] == {"bot_paused": False, "error": None}
    assert api.act(case_id, "claim").status_code == 409


def test_reply_without_a_live_channel_is_502_and_records_nothing(api):
    case_id = api.escalate(escalation()).json()["id"]
    api.act(case_id, "claim")
    before = api.case(case_id)
    response = api.act(case_id, "reply", {"content": "Hello from your advisor"})
    assert response.status_code == 502 and "RASA_URL" in response.json()["error"]
    after = api.case(case_id)
    assert after["messages"] == before["messages"] and after["first_reply_created_at"] is None
    assert api.act(case_id, "reply", {"content": "   "}).status_code == 400


def test_actions_on_a_missing_case_are_404(api):
    for action in ("claim", "notes", "snooze", "resolve"):
        response = api.act(987654, action, {"content": "x", "minutes": 5})
        assert response.status_code == 404 and response.json()["error"] == "no case 987654"


# --- the rest of the service ---------------------------------------------------------------------
def test_pages_and_headers(api):
    home = requests.get(f"{api.base}/", timeout=10)
    assert home.status_code == 200 and "text/html" in home.headers["content-type"]
    dashboard = requests.get(f"{api.base}/advisor", timeout=10)
    assert dashboard.status_code == 200
    assert "script-src 'self'" in dashboard.headers["content-security-policy"]
    assert dashboard.headers["x-frame-options"] == "DENY"
    health = requests.get(f"{api.base}/health", timeout=10).json()
    assert health == {"status": "ok", "database": "ok", "live_handoff": False}
    assert requests.get(f"{api.base}/static/../bot/web/app.py", timeout=10).status_code == 404
    missing = requests.get(f"{api.base}/api/nothing-here", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "nothing at /api/nothing-here"
