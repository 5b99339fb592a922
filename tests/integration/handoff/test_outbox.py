"""Never lost: the client against a queue that dies and comes back (a real server process)."""
import datetime as dt
import json
import subprocess
import sys
import time

import pytest
import requests

from bot.handoff.client import HandoffClient
from bot.handoff.outbox import Outbox
from tests.integration.handoff.support import ROOT, Api, WebServer, clear_cases
from tests.unit.handoff.cases import escalation


@pytest.fixture
def queue_server(db_url, tokens, tmp_path):
    server = WebServer({
        "HANDOFF_DB_URL": db_url, "STATE_DIR": str(tmp_path / "web-state"), "SERVICE_TOKEN": tokens["service"],
        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off",
    }, tmp_path / "web.log").start()
    clear_cases(db_url)
    yield server
    server.stop()


@pytest.fixture
def api(queue_server, tokens):
    return Api(queue_server.url, tokens["service"], tokens["advisor"])


def client_for(server, tokens, tmp_path, **options) -> HandoffClient:
    settings = dict(attempts=2, timeout=2.0, outbox_interval=0.3, backoff=0.05)
    settings.update(options)
    return HandoffClient(f"{server.url}/api", tokens["service"], Outbox(tmp_path / "handoff-outbox"), **settings)


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_delivered_when_the_queue_is_up(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path)
    result = client.submit(escalation(conversation_id="up-1"))
    assert result.delivered and result.created and result.case_id
    assert result.priority == "urgent" and result.promise == "within about 15 minutes"
    assert isinstance(result.first_response_due, dt.datetime)
    assert api.cases()["cases"][0]["id"] == result.case_id
    again = client.submit(escalation(conversation_id="up-1"))
    assert again.delivered and again.created is False and again.case_id == result.case_id


def test_kill_the_queue_escalate_restart_and_find_the_case(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path)
    queue_server.kill()
    first = client.submit(escalation(conversation_id="outage-a", summary="first escalation"))
    second = client.submit(escalation(conversation_id="outage-b"))
    third = client.submit(escalation(conversation_id="outage-a", summary="second escalation"))
    for result in (first, second, third):
        assert result.queued and not result.delivered and result.case_id is None
        assert result.priority == "urgent" and result.promise is None  # no promise we cannot keep
    assert "unreachable" in first.error
    assert len(client.outbox.pending()) == 3
    escalated_at = dt.datetime.fromisoformat(json.loads(client.outbox.pending()[0].read_text())["case"]["escalated_at"])

    time.sleep(1.0)  # the taxpayer has been waiting while the queue was down
    queue_server.start()
    assert wait_until(lambda: not client.outbox.pending()), "the background flusher did not deliver"
    cases = {c["conversation_id"]: c for c in api.cases()["cases"]}
    assert set(cases) == {"outage-a", "outage-b"}
    # delivered in order: the later escalation of conversation a updated its case
    assert cases["outage-a"]["summary"] == "second escalation" and cases["outage-a"]["escalations"] == 2
    # the wait counts from the escalation, not from the delivery
    assert dt.datetime.fromisoformat(cases["outage-a"]["waiting_since"]) == escalated_at


def test_a_new_submit_delivers_what_waits_first(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path, background_flush=False)
    queue_server.kill()
    assert client.submit(escalation(conversation_id="waiting-1")).queued
    queue_server.start()
    assert client.outbox.pending()  # nothing delivers it in the background
    later = client.submit(escalation(conversation_id="waiting-2"))
    assert later.delivered
    assert not client.outbox.pending()
    assert {c["conversation_id"] for c in api.cases()["cases"]} == {"waiting-1", "waiting-2"}


def test_the_outbox_command_delivers_from_another_process(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path, background_flush=False)
    queue_server.kill()
    assert client.submit(escalation(conversation_id="cli-1")).queued
    env = {"STATE_DIR": str(tmp_path), "HANDOFF_API_URL": f"{queue_server.url}/api",
           "SERVICE_TOKEN": tokens["service"], "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    down = subprocess.run([sys.executable, "-m", "bot.handoff.outbox", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "waiting 1" in down.stdout
    queue_server.start()
    up = subprocess.run([sys.executable, "-m", "bot.handoff.outbox", "--once"], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "delivered 1" in up.stdout
    assert [c["conversation_id"] for c in api.cases()["cases"]] == ["cli-1"]


def test_a_process_started_over_a_full_outbox_delivers_it(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path, background_flush=False)
    queue_server.kill()
    assert client.submit(escalation(conversation_id="left-behind")).queued
    queue_server.start()
    restarted = HandoffClient.from_env({"STATE_DIR": str(tmp_path), "HANDOFF_API_URL": f"{queue_server.url}/api",
                                        "SERVICE_TOKEN": tokens["service"], "HANDOFF_OUTBOX_INTERVAL": "0.2"})
    assert restarted.outbox.root == client.outbox.root
    assert wait_until(lambda: not restarted.outbox.pending())
    assert [c["conversation_id"] for c in api.cases()["cases"]] == ["left-behind"]


def test_a_wrong_service_token_keeps_the_case(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path, background_flush=False)
    client.service_token = "not-the-token"
    result = client.submit(escalation(conversation_id="token-typo"))
    assert result.queued and "HTTP 401" in result.error
    client.service_token = tokens["service"]
    assert client.flush().delivered == 1
    assert [c["conversation_id"] for c in api.cases()["cases"]] == ["token-typo"]


def test_malformed_cases_are_kept_for_a_person_not_retried(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path)
    local = client.submit(escalation(reason="bored"))
    assert local.rejected and "reason must be one of" in local.error
    too_big = client.submit(escalation(facts={"blob": "x" * 300_000}))
    assert too_big.rejected and "HTTP 413" in too_big.error
    assert len(client.outbox.rejected()) == 2 and not client.outbox.pending()
    saved = json.loads(client.outbox.rejected()[0].read_text())
    assert saved["case"]["reason"] == "bored" and "reason must be one of" in saved["error"]
    assert api.cases()["total"] == 0


def test_dates_in_the_case_are_sent_as_iso(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path)
    body = escalation(conversation_id="dates")
    body["notice_date"] = dt.date(2025, 5, 1)
    body["facts"] = {"received": dt.date(2025, 5, 5)}
    result = client.submit(body)
    assert result.delivered
    case = api.case(result.case_id)
    assert case["notice_date"] == "2025-05-01" and case["facts"]["received"] == "2025-05-05"


async def test_submit_async_from_an_event_loop(queue_server, api, tokens, tmp_path):
    client = client_for(queue_server, tokens, tmp_path)
    result = await client.submit_async(escalation(conversation_id="async"))
    assert result.delivered
    assert requests.get(f"{queue_server.url}/health", timeout=5).status_code == 200
