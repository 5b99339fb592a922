"""Outbound webhooks to a real local HTTP receiver: Chatwoot-shaped, signed, retried."""
import json
import time

import pytest

from bot.handoff import webhooks
from bot.handoff.db import make_engine
from bot.handoff.sla import SlaPolicy
from bot.handoff.store import Store
from tests.integration.handoff.support import Api, WebServer, WebhookReceiver, clear_cases
from tests.unit.handoff.cases import escalation

SECRET = "webhook-test-secret"
BACKOFF = 0.2


@pytest.fixture
def start_queue(db_url, tokens, tmp_path):
    servers = []

    def start(receiver: WebhookReceiver, max_attempts: int = 10) -> Api:
        server = WebServer({
            "HANDOFF_DB_URL": db_url, "STATE_DIR": str(tmp_path), "SERVICE_TOKEN": tokens["service"],
            "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off",
            "HANDOFF_WEBHOOK_URLS": receiver.url, "HANDOFF_WEBHOOK_SECRET": SECRET,
            "HANDOFF_WEBHOOK_BACKOFF_SECONDS": str(BACKOFF), "HANDOFF_WEBHOOK_MAX_ATTEMPTS": str(max_attempts),
        }, tmp_path / "web.log").start()
        servers.append(server)
        clear_cases(db_url)
        return Api(server.url, tokens["service"], tokens["advisor"])

    yield start
    for server in servers:
        server.stop()


def event_named(name):
    return lambda request: request["headers"].get("X-Handoff-Event") == name


def body_of(request):
    return json.loads(request["body"])


def test_changes_are_sent_signed_and_chatwoot_shaped(start_queue):
    with WebhookReceiver() as receiver:
        api = start_queue(receiver)
        case_id = api.escalate(escalation(conversation_id="+15550104477", channel="twilio")).json()["id"]
        created = receiver.wait_for(event_named("conversation_created"))[0]
        headers = created["headers"]
        assert webhooks.verify(SECRET, headers["X-Handoff-Timestamp"], created["body"], headers["X-Handoff-Signature"])
        assert not webhooks.verify("wrong-secret", headers["X-Handoff-Timestamp"], created["body"], headers["X-Handoff-Signature"])
        payload = body_of(created)
        assert payload["event"] == "conversation_created" and payload["id"] == case_id
        assert payload["status"] == "pending" and payload["priority"] == "urgent"
        assert payload["meta"]["sender"]["phone_number"] == "+1 (555) 010-4477"
        assert payload["additional_attributes"]["conversation_id"] == "+15550104477"
        assert payload["custom_attributes"]["risk_factors"][0]["code"] == "levy_bank"

        api.act(case_id, "claim")
        changed = body_of(receiver.wait_for(event_named("conversation_status_changed"))[0])
        assert changed["status"] == "open" and changed["meta"]["assignee"]["name"] == "Dev Advisor"
        assert {"status": {"previous_value": "pending", "current_value": "open"}} in changed["changed_attributes"]

        api.act(case_id, "notes", {"content": "Private <b>note</b>"})
        note = body_of(receiver.wait_for(event_named("message_created"))[0])
        assert note["private"] is True and note["content"] == "Private <b>note</b>"
        assert note["message_type"] == "outgoing" and note["conversation"]["id"] == case_id


def test_failed_deliveries_are_retried_with_growing_waits(start_queue):
    with WebhookReceiver(fail_first=3) as receiver:
        api = start_queue(receiver)
        api.escalate(escalation())
        delivered = receiver.wait_for(event_named("conversation_created"))
        assert len(delivered) == 1
        attempts = [r for r in receiver.received if r["headers"].get("X-Handoff-Event") == "conversation_created"]
        assert [r["failed"] for r in attempts] == [True, True, True, False]
        # the same delivery id on every try, so a receiver can drop duplicates
        assert len({r["headers"]["X-Handoff-Delivery"] for r in attempts}) == 1
        gaps = [b["at"] - a["at"] for a, b in zip(attempts, attempts[1:])]
        # exponential backoff with ±20% jitter: at least 0.8 × 0.2, 0.4, 0.8 seconds
        for n, gap in enumerate(gaps):
            assert gap >= 0.8 * BACKOFF * 2 ** n - 0.02, gaps


def test_deliveries_stop_after_the_last_attempt_and_stay_recorded(start_queue, db_url):
    with WebhookReceiver(fail_first=10_000) as receiver:
        api = start_queue(receiver, max_attempts=3)
        api.escalate(escalation())
        store = Store(make_engine(db_url), SlaPolicy.from_env({}))
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                rows = store.webhook_deliveries()
                if rows and rows[0]["status"] == "failed":
                    break
                time.sleep(0.1)
            assert rows[0]["status"] == "failed" and rows[0]["attempts"] == 3
            assert rows[0]["last_error"] == "HTTP 503"
            assert receiver.calls == 3
        finally:
            store.engine.dispose()
