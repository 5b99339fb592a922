import datetime as dt
import json

import pytest

from bot.handoff import webhooks
from bot.handoff.rasa_api import RasaError, conversation_path, transcript_from_events
from bot.handoff.webhooks import WebhookConfig

NOW = dt.datetime(2025, 6, 10, 14, 0, tzinfo=dt.timezone.utc)


def case_dict(**overrides):
    case = {
        "id": 7, "conversation_id": "+15550104477", "channel": "twilio", "reason": "risk", "status": "open",
        "priority": "urgent", "assignee": {"id": 3, "name": "Pat Advisor"},
        "contact": {"name": "Dana", "method": "phone", "phone": "+15550104477", "email": None,
                    "best_time": "mornings", "consent": True},
        "notice_code": "LT11", "notice_date": dt.date(2025, 5, 1), "cdp_deadline": dt.date(2025, 6, 2), "days_left": 3,
        "risk": {"level": "urgent", "score": 95, "escalate": True,
                 "factors": [{"code": "levy_bank", "points": 60, "reason": "bank", "source": "IRC 6332(c)"}],
                 "unknown": []},
        "facts": {"levy_status": ["bank"]}, "summary": "Bank levy.", "waiting_since": NOW,
        "first_response_due": NOW + dt.timedelta(minutes=15), "first_reply_created_at": None, "snoozed_until": None,
        "resolved_at": None, "created_at": NOW, "updated_at": NOW,
    }
    case.update(overrides)
    return case


def test_signature_is_hmac_sha256_of_timestamp_and_body():
    import hashlib
    import hmac

    body = b'{"event":"conversation_created"}'
    headers = webhooks.signed_headers("s3cret", "conversation_created", "d1", body, NOW)
    expected = hmac.new(b"s3cret", f"{int(NOW.timestamp())}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Handoff-Signature"] == f"sha256={expected}"
    assert headers["X-Handoff-Timestamp"] == str(int(NOW.timestamp()))
    assert webhooks.verify("s3cret", headers["X-Handoff-Timestamp"], body, headers["X-Handoff-Signature"])
    assert not webhooks.verify("other", headers["X-Handoff-Timestamp"], body, headers["X-Handoff-Signature"])
    assert not webhooks.verify("s3cret", headers["X-Handoff-Timestamp"], body + b" ", headers["X-Handoff-Signature"])


def test_conversation_payload_is_chatwoot_shaped():
    payload = webhooks.conversation_payload(case_dict(), "conversation_status_changed", {"status": ("pending", "open")})
    assert payload["event"] == "conversation_status_changed"
    assert payload["status"] == "open" and payload["priority"] == "urgent"
    assert payload["meta"]["sender"]["phone_number"] == "+15550104477"
    assert payload["meta"]["assignee"] == {"id": 3, "name": "Pat Advisor", "type": "user"}
    assert payload["custom_attributes"]["risk_level"] == "urgent"
    assert payload["custom_attributes"]["cdp_deadline"] == "2025-06-02"
    assert payload["waiting_since"] == int(NOW.timestamp())  # Chatwoot sends unix seconds
    assert payload["changed_attributes"] == [{"status": {"previous_value": "pending", "current_value": "open"}}]
    json.loads(webhooks.encode(payload))  # encodable as sent


def test_message_payload_marks_private_notes():
    message = {"id": 11, "message_type": "outgoing", "private": True, "content": "call at 9",
               "sender": {"id": 3, "name": "Pat Advisor", "type": "advisor"}, "created_at": NOW}
    payload = webhooks.message_payload(message, case_dict())
    assert payload["event"] == "message_created"
    assert payload["private"] is True and payload["message_type"] == "outgoing"
    assert payload["conversation"]["id"] == 7


def test_backoff_doubles_up_to_the_cap():
    config = WebhookConfig(backoff_seconds=2, backoff_cap_seconds=20)
    delays = [config.next_delay(n) for n in range(1, 7)]
    assert 1.6 <= delays[0] <= 2.4 and 3.2 <= delays[1] <= 4.8 and 6.4 <= delays[2] <= 9.6
    assert all(d <= 24 for d in delays) and delays[-1] >= 16


def test_webhook_urls_need_a_secret():
    with pytest.raises(ValueError, match="HANDOFF_WEBHOOK_SECRET"):
        WebhookConfig.from_env({"HANDOFF_WEBHOOK_URLS": "http://127.0.0.1:9/hook"})
    with pytest.raises(ValueError, match="not an http"):
        WebhookConfig.from_env({"HANDOFF_WEBHOOK_URLS": "ftp://x", "HANDOFF_WEBHOOK_SECRET": "s"})
    config = WebhookConfig.from_env({"HANDOFF_WEBHOOK_URLS": "http://a/1, https://b/2", "HANDOFF_WEBHOOK_SECRET": "s"})
    assert config.urls == ("http://a/1", "https://b/2")


@pytest.mark.parametrize("conversation", [
    "+15550104477",  # literal +, never %2B (architecture doc, pitfalls)
    "whatsapp:+1555", "3f2b9c0e-81aa-4c55-9a77-1f0e2d3c4b5a", "user@example.com", "a/b",
])
def test_conversation_ids_go_literally_into_rasa_urls(conversation):
    assert conversation_path(conversation) == conversation


@pytest.mark.parametrize("conversation", ["abc 123", "a?b", "a#b", "50%off", "café", ""])
def test_ids_rasa_cannot_address_are_refused_not_mangled(conversation):
    # Rasa 3.6's sanic does not percent-decode path parameters, so encoding would name another
    # conversation; see tests/integration/handoff/test_live_rasa.py for the real server.
    with pytest.raises(RasaError, match="cannot address"):
        conversation_path(conversation)


def test_transcript_from_tracker_events():
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "session_started", "timestamp": 1.0},
        {"event": "user", "text": "they froze my bank", "timestamp": 2.0, "input_channel": "socketio",
         "parse_data": {"intent": {"name": "report_levy"}}},
        {"event": "bot", "text": "I'm sorry.", "timestamp": 3.0, "data": {"buttons": [{"title": "Yes"}, {"title": "No"}]}},
        {"event": "slot", "name": "x", "value": 1, "timestamp": 3.5},
        {"event": "pause", "timestamp": 4.0},
        {"event": "bot", "text": "Hi, I'm Pat.", "timestamp": 5.0, "metadata": {"handoff": {"advisor": "Pat"}}},
        {"event": "user", "text": "<b>thanks</b>", "timestamp": 6.0},
    ]
    messages = transcript_from_events(events)
    assert [m["message_type"] for m in messages] == ["activity", "incoming", "outgoing", "activity", "outgoing", "incoming"]
    assert messages[1]["intent"] == "report_levy" and messages[1]["channel"] == "socketio"
    assert messages[2]["content"] == "I'm sorry.\n[buttons: Yes | No]"
    assert messages[4]["sender"] == {"type": "advisor", "name": "Pat"}
    assert messages[5]["content"] == "<b>thanks</b>"  # raw text; the dashboard escapes it
    assert messages[1]["created_at"].startswith("1970-01-01T00:00:02")
