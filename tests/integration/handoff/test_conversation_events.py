"""POST /api/conversation-events and the taxpayer block on cases, over HTTP against a running web
service (SQLite and PostgreSQL), with the live side off: the away answer comes back for the
channel to send. Delivery through Rasa is in test_live_rasa.py."""
import datetime as dt
import json

import pytest

from bot import firm as firms
from tests.unit.handoff.cases import escalation


def event(api, conversation_id, kind, channel="socketio", **extra):
    response = api.post("/api/conversation-events", {"conversation_id": conversation_id, "channel": channel,
                                                     "type": kind, **extra}, api.service_token)
    assert response.status_code == 200, response.text
    return response.json()


def iso(moment):
    return moment.astimezone(dt.timezone.utc).isoformat()


def now():
    return dt.datetime.now(dt.timezone.utc)


def test_the_events_need_the_service_token(api):
    for token in (None, "wrong", api.advisor_token):
        response = api.post("/api/conversation-events", {"conversation_id": "x", "channel": "sms", "type": "online"},
                            token)
        assert response.status_code == 401 and "service token" in response.json()["error"]


@pytest.mark.parametrize("raw, field", [
    (b"", "JSON body"),
    (b"[1]", "JSON object"),
    (b'{"channel": "sms", "type": "online"}', "conversation_id"),
    (b'{"conversation_id": "", "channel": "sms", "type": "online"}', "conversation_id"),
    (b'{"conversation_id": 12345678901234567890123, "channel": "sms", "type": "online"}', "conversation_id"),
    (b'{"conversation_id": "a\\ud800b", "channel": "sms", "type": "online"}', "conversation_id"),
    (b'{"conversation_id": "x", "channel": "twilio", "type": "online"}', "channel"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "typing"}', "type"),
    (b'{"conversation_id": "x", "channel": "sms", "type": ["online"]}', "type"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": 1e308}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": 99999999999999999999999}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": "yesterday"}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": "2026-01-01T10:00:00"}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": "0001-01-01T00:00:00+14:00"}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": "2020-01-01T10:00:00Z"}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "at": "2999-01-01T10:00:00Z"}', "at"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "text": "hi"}', "text"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "unanswered", "text": 42}', "text"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "unanswered", "text": "\\ud83d alone"}', "text"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "unanswered", "text": "nul \\u0000 here"}', "text"),
    (b'{"conversation_id": "x", "channel": "sms", "type": "online", "colour": "blue"}', "colour"),
])
def test_bad_events_get_400_naming_the_field(api, raw, field):
    response = api.post("/api/conversation-events", raw=raw, token=api.service_token)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]


def test_a_text_over_2000_characters_is_refused(api):
    response = api.post("/api/conversation-events", {"conversation_id": "x", "channel": "sms", "type": "unanswered",
                                                     "text": "a" * 2001}, api.service_token)
    assert response.status_code == 400 and "2000" in response.json()["error"]


def test_an_unknown_conversation_has_no_case_and_no_reply(api):
    assert event(api, "never-heard-of", "unanswered", text="hello?") == {
        "case_id": None, "reply": None, "delivered": False, "advisor_live": False}


def test_presence_is_kept_before_a_case_exists_and_shown_on_it(api):
    body = escalation()
    assert event(api, body["conversation_id"], "online")["case_id"] is None
    case = api.escalate(body).json()
    taxpayer = api.case(case["id"])["taxpayer"]
    assert taxpayer["online"] is True and taxpayer["seen_at"] is not None and taxpayer["unread"] == 0
    listed = api.cases()["cases"][0]["taxpayer"]
    assert listed == {**listed, "online": True, "opted_out_at": None, "opted_in_at": None, "last_message_at": None}
    assert event(api, body["conversation_id"], "offline")["case_id"] == case["id"]
    assert api.case(case["id"])["taxpayer"]["online"] is False


def test_a_presence_event_older_than_the_last_one_changes_nothing(api):
    case = api.escalate(escalation()).json()
    event(api, case["conversation_id"], "offline", at=iso(now()))
    event(api, case["conversation_id"], "online", at=iso(now() - dt.timedelta(seconds=30)))  # arrived late
    assert api.case(case["id"])["taxpayer"]["online"] is False


def test_unread_counts_until_the_holder_opens_the_case(api, advisor_store):
    pat_token = "pat-" + dt.datetime.now().isoformat()
    advisor_store.add_advisor("Pat Lee", pat_token)
    case = api.escalate(escalation()).json()
    api.act(case["id"], "claim")
    for text in ("hello?", "is anyone there?"):
        assert event(api, case["conversation_id"], "unanswered", text=text)["case_id"] == case["id"]
    assert api.cases()["cases"][0]["taxpayer"]["unread"] == 2
    assert api.case(case["id"], token=pat_token)["taxpayer"]["unread"] == 2  # not the holder: still unread
    assert api.case(case["id"])["taxpayer"]["unread"] == 0  # the holder's view reads them
    listed = api.cases()["cases"][0]["taxpayer"]
    assert listed["unread"] == 0 and listed["last_message_at"] is not None


def test_a_new_case_of_the_conversation_starts_with_nothing_unread(api):
    first = api.escalate(escalation()).json()
    event(api, first["conversation_id"], "unanswered", text="hi")
    api.act(first["id"], "resolve", {})
    second = api.escalate(escalation(conversation_id=first["conversation_id"])).json()
    assert second["id"] != first["id"] and api.case(second["id"])["taxpayer"]["unread"] == 0


def test_the_away_answer_is_honest_then_short(api):
    case = api.escalate(escalation()).json()
    api.act(case["id"], "claim")
    firm = firms.current()
    answer = event(api, case["conversation_id"], "unanswered", text="hello? is anyone there?")
    assert answer["case_id"] == case["id"] and answer["advisor_live"] is False and answer["delivered"] is False
    reply = answer["reply"]
    assert reply.startswith("Your message is saved with your case. Dev Advisor from " + firm.name)
    assert "isn't at their desk right now" in reply
    assert "They'll contact you within about 15 minutes." in reply  # the urgent case's SLA, no reply yet
    assert f"call {firm.name} at {firm.phone} ({firm.hours_text})" in reply
    assert firm.zone_label in reply
    again = event(api, case["conversation_id"], "unanswered", text="hello??")
    assert again["reply"] == "Got it: I've added that to your case for Dev."


def test_an_unclaimed_case_says_when_an_advisor_will_call(api):
    case = api.escalate(escalation()).json()
    reply = event(api, case["conversation_id"], "unanswered", text="hi")["reply"]
    assert reply.startswith("Your message is saved with your case. An advisor from")
    assert "will contact you within about 15 minutes" in reply
    assert event(api, case["conversation_id"], "unanswered", text="hi")["reply"] == "Got it: I've added that to your case."


def test_stop_and_start_show_on_the_case_with_audit_and_activity(api):
    case = api.escalate(escalation(channel="sms")).json()
    stop_at = now() - dt.timedelta(minutes=2)
    assert event(api, case["conversation_id"], "opted_out", channel="sms", at=iso(stop_at))["case_id"] == case["id"]
    detail = api.case(case["id"])
    assert dt.datetime.fromisoformat(detail["taxpayer"]["opted_out_at"]) == stop_at.replace(microsecond=stop_at.microsecond)
    assert detail["taxpayer"]["opted_in_at"] is None
    local = stop_at.astimezone(firms.current().zone)
    words = firms.clock_words(local.time().replace(second=0, microsecond=0))
    activity = [m["content"] for m in detail["messages"] if m["message_type"] == "activity"]
    assert f"The taxpayer texted STOP at {words} {firms.current().zone_label}" in activity[-1]
    assert activity[-1].endswith("texts to them are blocked.") or " on " in activity[-1]
    assert detail["audit"][-1]["action"] == "opted_out" and detail["audit"][-1]["actor_type"] == "contact"
    event(api, case["conversation_id"], "opted_in", channel="sms")
    detail = api.case(case["id"])
    assert detail["taxpayer"]["opted_in_at"] > detail["taxpayer"]["opted_out_at"]
    assert detail["audit"][-1]["action"] == "opted_in"
    assert "texted START" in detail["messages"][-1]["content"]


def test_stop_before_any_case_is_kept_for_the_case(api):
    body = escalation(channel="sms")
    assert event(api, body["conversation_id"], "opted_out", channel="sms")["case_id"] is None
    case = api.escalate(body).json()
    assert api.case(case["id"])["taxpayer"]["opted_out_at"] is not None


def test_huge_case_ids_are_404_not_a_database_error(api):
    for path in ("/api/handoffs/99999999999999999999", "/api/handoffs/0"):
        assert api.get(path, api.advisor_token).status_code == 404
    for action in ("handback", "rejoin", "claim", "resolve"):
        response = api.post(f"/api/handoffs/99999999999999999999/{action}", {}, api.advisor_token)
        assert response.status_code == 404, (action, response.text)


def test_a_note_with_an_unpaired_surrogate_is_400(api):
    case = api.escalate(escalation()).json()
    response = api.post(f"/api/handoffs/{case['id']}/notes", raw=json.dumps({"content": "x"}).replace(
        '"x"', '"\\udc00"').encode(), token=api.advisor_token)
    assert response.status_code == 400 and "surrogate" in response.json()["error"]
