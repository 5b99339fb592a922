"""GET /api/stream against a running web service (SQLite and PostgreSQL): the four events, the
ping, the live-advisor rule, a dropped client cleaned up, a shutdown that does not wait."""
import socket
import time

import pytest
import requests

from tests.integration.handoff.sse import EventStream
from tests.integration.handoff.support import CALENDAR_SLA, Api, WebServer, clear_cases
from tests.unit.handoff.cases import escalation

PING_SECONDS = 0.5


@pytest.fixture(scope="module")
def stream_web(db_url, tokens, tmp_path_factory):
    state = tmp_path_factory.mktemp("stream-state")
    server = WebServer({
        "HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": tokens["service"],
        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off", "HANDOFF_STREAM_PING_SECONDS": str(PING_SECONDS),
        **CALENDAR_SLA,
    }, state / "web.log").start()
    yield server
    server.stop()


@pytest.fixture
def api(stream_web, db_url, tokens):
    clear_cases(db_url)
    return Api(stream_web.url, tokens["service"], tokens["advisor"])


@pytest.fixture
def stream(api):
    opened = []

    def open_stream(token=None):
        reader = EventStream(api.base, token or api.advisor_token)
        opened.append(reader)
        return reader

    yield open_stream
    for reader in opened:
        reader.close()


def event(api, conversation_id, kind, **extra):
    response = api.post("/api/conversation-events", {"conversation_id": conversation_id, "channel": "socketio",
                                                     "type": kind, **extra}, api.service_token)
    assert response.status_code == 200, response.text
    return response.json()


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_stream_needs_an_advisor_token(api):
    for token in (None, "wrong", api.service_token):
        response = requests.get(f"{api.base}/api/stream", timeout=10,
                                headers={"Authorization": f"Bearer {token}"} if token else {})
        assert response.status_code == 401
        assert "advisor token" in response.json()["error"]


def test_the_stream_is_event_stream_and_pings(api, stream):
    reader = stream()
    assert reader.response.status_code == 200
    assert reader.response.headers["Content-Type"].startswith("text/event-stream")
    assert reader.response.headers["Cache-Control"] == "no-store"
    time.sleep(PING_SECONDS * 3.5)
    assert reader.pings >= 3  # the first at once, then one per interval


def test_case_events_reach_every_open_dashboard(api, stream, advisor_store):
    pat = advisor_store.add_advisor("Pat Lee", "pat-token-" + str(time.time()))
    readers = [stream(), stream()]
    body = escalation(contact={"name": "Dana Reyes", "method": "phone", "phone": "555 010 4477", "email": None,
                               "best_time": None, "consent": True})
    case = api.escalate(body).json()
    for reader in readers:
        assert reader.next("case_created", where={"case_id": case["id"]}) == {
            "case_id": case["id"], "priority": "urgent", "status": "pending", "name": "Dana Reyes"}
    me = api.get("/api/me", api.advisor_token).json()
    assert api.act(case["id"], "claim").status_code == 200
    for reader in readers:
        assert reader.next("case_updated", where={"case_id": case["id"]}) == {
            "case_id": case["id"], "priority": "urgent", "status": "open", "assignee_id": me["id"]}
    assert api.act(case["id"], "reassign", {"advisor_id": pat["id"]}).status_code == 200
    assert readers[0].next("case_updated", where={"case_id": case["id"]})["assignee_id"] == pat["id"]
    # A second escalation of the same conversation updates the case: also pushed.
    api.escalate({**body, "summary": "Escalated again."})
    readers[1].next("case_updated", where={"case_id": case["id"], "assignee_id": pat["id"]})


def test_taxpayer_messages_and_presence_are_pushed(api, stream):
    case = api.escalate(escalation()).json()
    reader = stream()
    long_text = "Hello? " + "is anyone there " * 10
    event(api, case["conversation_id"], "unanswered", text=long_text)
    message = reader.next("taxpayer_message")
    assert message["case_id"] == case["id"] and message["assignee_id"] is None and message["priority"] == "urgent"
    assert len(message["preview"]) <= 80 and message["preview"].startswith("Hello? is anyone there")
    event(api, case["conversation_id"], "online")
    assert reader.next("presence") == {"case_id": case["id"], "online": True}
    event(api, case["conversation_id"], "offline")
    assert reader.next("presence") == {"case_id": case["id"], "online": False}


def test_an_open_stream_makes_the_holder_live_and_a_closed_one_does_not(api, stream):
    case = api.escalate(escalation()).json()
    assert api.act(case["id"], "claim").status_code == 200
    reader = stream()
    reader.next("ping")
    answer = event(api, case["conversation_id"], "unanswered", text="are you there?")
    assert answer == {"case_id": case["id"], "reply": None, "delivered": False, "advisor_live": True}

    reader.close()  # the dashboard tab is closed: the server must notice and drop the subscriber
    assert wait_until(lambda: not event(api, case["conversation_id"], "online")["advisor_live"]), \
        "the closed stream still counts as a live advisor"
    away = event(api, case["conversation_id"], "unanswered", text="hello?")
    assert away["advisor_live"] is False and away["delivered"] is False  # no Rasa here: the channel says it
    assert "Dev Advisor from" in away["reply"] and "isn't at their desk" in away["reply"]


def test_a_client_that_vanishes_without_reading_is_dropped(api, stream_web):
    case = api.escalate(escalation()).json()
    api.act(case["id"], "claim")
    sock = socket.create_connection(("127.0.0.1", stream_web.port))
    sock.sendall(f"GET /api/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {api.advisor_token}\r\n\r\n".encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert event(api, case["conversation_id"], "online")["advisor_live"] is True
    sock.close()
    assert wait_until(lambda: not event(api, case["conversation_id"], "offline")["advisor_live"])


def test_another_advisors_stream_does_not_make_the_holder_live(api, stream, advisor_store):
    token = "pat-token-" + str(time.time())
    advisor_store.add_advisor("Pat Lee", token)
    case = api.escalate(escalation()).json()
    api.act(case["id"], "claim")  # held by the development advisor
    reader = stream(token)
    reader.next("ping")
    assert event(api, case["conversation_id"], "unanswered", text="hi")["advisor_live"] is False


def test_shutdown_does_not_wait_for_open_streams(db_url, tokens, tmp_path):
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(tmp_path), "SERVICE_TOKEN": tokens["service"],
                        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off"}, tmp_path / "web.log").start()
    readers = [EventStream(server.url, tokens["advisor"]) for _ in range(3)]
    try:
        for reader in readers:
            reader.next("ping")
        started = time.monotonic()
        server.process.terminate()
        server.process.wait(timeout=10)  # Sanic alone would wait its 15 s graceful timeout
        assert time.monotonic() - started < 5
        for reader in readers:
            assert reader.ended.wait(5), "the stream did not end with the server"
    finally:
        for reader in readers:
            reader.close()
        server.kill()


def test_a_deactivated_advisors_stream_ends_at_the_next_ping(api, stream, advisor_store):
    token = "leaving-" + str(time.time())
    leaving = advisor_store.add_advisor("Sam Leaving", token)
    reader = stream(token)
    reader.next("ping")
    advisor_store.set_advisor_active(leaving["id"], False)
    assert reader.ended.wait(PING_SECONDS * 6), "the stream went on after the advisor was deactivated"
    api.escalate(escalation())
    assert not [e for e in reader.drain() if e[0] == "case_created"]
