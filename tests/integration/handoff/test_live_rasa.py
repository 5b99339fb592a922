"""The live handoff against a real Rasa server and the project's action server.

Rasa runs a small fixture assistant (fixture_bot/, trained once and cached under
test-output/) so these tests do not wait for the project's model; the action server is the
project's own (actions/), so the pause-keeping action_restart / action_session_start are the
real ones. Both start through bot.stack.Stack; the web service runs per database backend.
"""
import hashlib
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from actions.handoff import RESTART_WHILE_ADVISOR_TEXT
from bot import firm as firms
from bot.handoff.service import ADVISOR_JOINED, ADVISOR_LEFT, STILL_PAUSED
from bot.stack import Stack, settings
from tests.integration.handoff.support import ROOT, Api, Gate, WebServer, clear_cases, free_port
from tests.unit.handoff.cases import escalation

pytestmark = pytest.mark.stack

FIXTURE_BOT = Path(__file__).parent / "fixture_bot"
FIRM = firms.current()


def is_away_answer(replies):
    """The queue's honest answer for an advisor who is not at the dashboard (bot/handoff/service.py)."""
    return len(replies) == 1 and replies[0].startswith("Your message is saved with your case.")
RASA_TOKEN = "live-test-rasa-" + secrets.token_urlsafe(8)


@pytest.fixture(scope="session")
def fixture_model() -> Path:
    files = sorted(p for p in FIXTURE_BOT.rglob("*") if p.is_file())
    digest = hashlib.sha256(b"".join(str(p.relative_to(FIXTURE_BOT)).encode() + p.read_bytes() for p in files))
    out = ROOT / "test-output" / "handoff-fixture-model"
    name = f"fixture-{digest.hexdigest()[:16]}"
    model = out / f"{name}.tar.gz"
    if not model.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "rasa", "train", "--config", str(FIXTURE_BOT / "config.yml"),
                        "--domain", str(FIXTURE_BOT / "domain.yml"), "--data", str(FIXTURE_BOT / "data"),
                        "--out", str(out), "--fixed-model-name", name],
                       cwd=out, check=True, capture_output=True)
    return model


@pytest.fixture(scope="module")
def queue_door():
    """Where the Rasa process's channels report conversation events (HANDOFF_API_URL): a TCP
    forwarder each test points at the web service it runs, as Rasa cannot be restarted per test."""
    door = Gate(free_port())
    yield door
    door.close()


@pytest.fixture(scope="module")
def rasa(fixture_model, tmp_path_factory, tokens, queue_door):
    """Rasa server + action server, started the way `make run` starts them."""
    state = tmp_path_factory.mktemp("live-state")
    env = settings({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
        "RASA_TOKEN": RASA_TOKEN, "SERVICE_TOKEN": tokens["service"], "ADVISOR_TOKEN": "unused-adv",
        "STATE_DIR": str(state), "PYTHONPATH": str(ROOT), "HANDOFF_API_URL": f"{queue_door.url}/api",
    })
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    # The action endpoint written out, so the test does not depend on endpoints.yml (note: Rasa
    # 3.6 substitutes ${VAR} only in unquoted YAML values).
    endpoints = state / "endpoints.yml"
    # The project's tracker store, as in production: Rasa's in-memory store loses the earlier
    # sessions when an event is appended over HTTP after a session expired (it saves the
    # latest-session tracker over the whole conversation), which would empty the transcript.
    endpoints.write_text(f"action_endpoint:\n  url: {env['ACTION_SERVER_URL']}\n"
                         "tracker_store:\n  type: bot.stores.tracker.IntakeTrackerStore\n")
    env["RASA_ENDPOINTS"] = str(endpoints)
    stack = Stack(env, state / "log", model=fixture_model, only=["action server", "rasa server"])
    try:
        stack.start(timeout=240)  # Stack.start leaves what it launched running when it fails
        yield env
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def live_web(rasa, db_url, tokens, tmp_path_factory):
    state = tmp_path_factory.mktemp("live-web")
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": tokens["service"],
                        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": rasa["RASA_URL"], "RASA_TOKEN": RASA_TOKEN},
                       state / "web.log").start()
    yield server
    server.stop()


@pytest.fixture
def api(live_web, db_url, tokens, queue_door):
    clear_cases(db_url)
    queue_door.target_port = live_web.port
    return Api(live_web.url, tokens["service"], tokens["advisor"])


def reporting_to(queue_door, server):
    """The channels report to `server` (a test's own web service) until the test ends."""
    queue_door.target_port = server.port


class Taxpayer:
    """Someone texting the assistant over Rasa's REST channel, from an SMS-style number."""

    def __init__(self, rasa_url: str):
        self.rasa_url = rasa_url
        self.sender = "+1555" + str(uuid.uuid4().int)[:7]

    def say(self, text: str):
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=30)
        assert response.status_code == 200, response.text
        return [m.get("text") for m in response.json()]

    def tracker(self):
        # "+" sent literally (see bot/handoff/rasa_api.py)
        response = requests.get(f"{self.rasa_url}/conversations/{self.sender}/tracker",
                                params={"token": RASA_TOKEN, "include_events": "ALL"}, timeout=30)
        assert response.status_code == 200
        return response.json()

    def bot_texts(self):
        return [e.get("text") for e in self.tracker()["events"] if e["event"] == "bot"]


@pytest.fixture
def taxpayer(rasa):
    return Taxpayer(rasa["RASA_URL"])


def escalate_and_claim(api, taxpayer):
    case_id = api.escalate(escalation(conversation_id=taxpayer.sender, channel="rest")).json()["id"]
    claimed = api.act(case_id, "claim")
    assert claimed.status_code == 200, claimed.text
    return case_id, claimed.json()


def test_claim_pauses_reply_reaches_the_taxpayer_resolve_resumes(api, taxpayer):
    assert taxpayer.say("hello") == ["Hello from the fixture assistant."]
    case_id, claimed = escalate_and_claim(api, taxpayer)
    assert claimed["live"] == {"bot_paused": True, "error": None} and claimed["bot_paused"] is True
    tracker = taxpayer.tracker()
    assert tracker["paused"] is True
    assert taxpayer.bot_texts()[-1] == ADVISOR_JOINED.format(name="Dev Advisor")

    # The bot stays quiet; the taxpayer's message is recorded for the advisor, and as no dashboard
    # is open the queue answers honestly for them.
    assert is_away_answer(taxpayer.say("hello? is anyone there"))
    reply = api.act(case_id, "reply", {"content": "Hi, I'm looking at your LT11 now."})
    assert reply.status_code == 201, reply.text
    events = taxpayer.tracker()["events"]
    advisor_turn = [e for e in events if e["event"] == "bot" and e.get("text") == "Hi, I'm looking at your LT11 now."]
    assert advisor_turn and advisor_turn[0]["metadata"]["handoff"] == {"case_id": case_id, "advisor": "Dev Advisor"}

    detail = api.case(case_id)
    assert detail["first_reply_created_at"] is not None
    transcript = detail["transcript"]["messages"]
    incoming = [m["content"] for m in transcript if m["message_type"] == "incoming"]
    assert incoming == ["hello", "hello? is anyone there"]
    assert transcript[-1] == {**transcript[-1], "message_type": "outgoing",
                              "content": "Hi, I'm looking at your LT11 now.",
                              "sender": {"type": "advisor", "name": "Dev Advisor"}}
    assert detail["transcript"]["paused"] is True

    resolved = api.act(case_id, "resolve", {})
    assert resolved.status_code == 200 and resolved.json()["live"] == {"bot_paused": False, "error": None}
    assert taxpayer.tracker()["paused"] is False
    assert ADVISOR_LEFT.format(name="Dev Advisor") in taxpayer.bot_texts()
    assert taxpayer.say("hello") == ["Hello from the fixture assistant."]


def test_a_plus_in_the_id_must_reach_rasa_literally(api, taxpayer):
    """Why the client never percent-encodes: %2B names a different conversation in Rasa 3.6."""
    taxpayer.say("hello")
    encoded = requests.get(f"{taxpayer.rasa_url}/conversations/%2B{taxpayer.sender[1:]}/tracker",
                           params={"token": RASA_TOKEN}, timeout=30).json()
    assert encoded["sender_id"] != taxpayer.sender
    assert not [e for e in encoded["events"] if e["event"] == "user"]
    assert [e["text"] for e in taxpayer.tracker()["events"] if e["event"] == "user"] == ["hello"]


def test_restart_while_an_advisor_holds_the_conversation_keeps_it_with_them(api, taxpayer):
    taxpayer.say("hello")
    case_id, _ = escalate_and_claim(api, taxpayer)
    for attempt in ("/restart", "start over"):
        assert taxpayer.say(attempt) == [RESTART_WHILE_ADVISOR_TEXT]
        tracker = taxpayer.tracker()
        assert tracker["paused"] is True
        assert not [e for e in tracker["events"] if e["event"] == "restart"]
    assert is_away_answer(taxpayer.say("hello"))  # still with the advisor
    incoming = [m["content"] for m in api.case(case_id)["transcript"]["messages"] if m["message_type"] == "incoming"]
    # A typed "/restart" reaches Rasa as the word (the channel door's command guard, issue 7).
    assert incoming == ["hello", "restart", "start over", "hello"]

    api.act(case_id, "resolve", {})
    assert taxpayer.say("/restart") == ["Starting over."]  # with the bot again, restart works as before
    assert [e for e in taxpayer.tracker()["events"] if e["event"] == "restart"]
    assert taxpayer.tracker()["paused"] is False


def test_an_expired_session_does_not_hand_the_taxpayer_back(api, taxpayer):
    taxpayer.say("help")  # also sets a slot that must survive the new session
    case_id, _ = escalate_and_claim(api, taxpayer)
    time.sleep(7)  # the fixture domain's sessions expire after 6 seconds
    assert is_away_answer(taxpayer.say("hello"))
    tracker = taxpayer.tracker()
    assert tracker["paused"] is True
    kinds = [e["event"] for e in tracker["events"]]
    assert "session_started" in kinds[kinds.index("pause"):]
    last_session = len(kinds) - 1 - kinds[::-1].index("session_started")
    assert "pause" in kinds[last_session:]  # the new session is paused again, before the message
    assert [e.get("text") for e in tracker["events"] if e["event"] == "user"] == ["help", "hello"]
    assert tracker["slots"]["favourite"] == "help"
    api.act(case_id, "resolve", {})
    assert taxpayer.say("hello") == ["Hello from the fixture assistant."]


def test_claiming_a_case_rasa_never_saw(api):
    case_id = api.escalate(escalation(conversation_id="never-talked-" + uuid.uuid4().hex[:6])).json()["id"]
    claimed = api.act(case_id, "claim").json()
    assert claimed["live"] == {"bot_paused": False, "error": "no live conversation in the assistant"}
    assert "no live conversation" in api.case(case_id)["messages"][-1]["content"]


def test_when_rasa_is_down_the_claim_says_so_and_the_reply_is_not_recorded(db_url, tokens, tmp_path):
    clear_cases(db_url)
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(tmp_path), "SERVICE_TOKEN": tokens["service"],
                        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": f"http://127.0.0.1:{free_port()}",
                        "RASA_TOKEN": "x"}, tmp_path / "web.log").start()
    try:
        api = Api(server.url, tokens["service"], tokens["advisor"])
        case_id = api.escalate(escalation()).json()["id"]
        claimed = api.act(case_id, "claim")
        assert claimed.status_code == 200  # the claim itself stands
        assert claimed.json()["live"]["bot_paused"] is False
        assert "unreachable" in claimed.json()["live"]["error"]
        before = api.case(case_id)
        assert "could not be paused" in before["messages"][-1]["content"]
        assert "unreachable" in before["transcript_error"]
        reply = api.act(case_id, "reply", {"content": "Hello"})
        assert reply.status_code == 502 and "did not reach the taxpayer" in reply.json()["error"]
        after = api.case(case_id)
        assert after["messages"] == before["messages"] and after["first_reply_created_at"] is None
    finally:
        server.stop()


def test_a_resume_that_failed_is_retried_until_rasa_answers(rasa, db_url, tokens, tmp_path, taxpayer, queue_door):
    gate = Gate(int(rasa["RASA_PORT"]))
    clear_cases(db_url)
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(tmp_path), "SERVICE_TOKEN": tokens["service"],
                        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": gate.url, "RASA_TOKEN": RASA_TOKEN,
                        "HANDOFF_RESUME_RETRY_SECONDS": "0.5"}, tmp_path / "web.log").start()
    reporting_to(queue_door, server)
    try:
        api = Api(server.url, tokens["service"], tokens["advisor"])
        taxpayer.say("hello")
        case_id, claimed = escalate_and_claim(api, taxpayer)
        assert claimed["live"]["bot_paused"] is True
        gate.open = False  # Rasa unreachable for the queue
        resolved = api.act(case_id, "resolve", {}).json()
        assert resolved["status"] == "resolved" and resolved["live"]["bot_paused"] is True
        assert "unreachable" in resolved["live"]["error"]
        assert taxpayer.tracker()["paused"] is True
        # The queue cannot resume it either (Rasa unreachable for it): the taxpayer is told to call.
        assert taxpayer.say("hello") == [STILL_PAUSED.format(firm=FIRM.name, phone=FIRM.phone, hours=FIRM.hours_text)]
        gate.open = True
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and api.case(case_id)["bot_paused"]:
            time.sleep(0.2)
        assert api.case(case_id)["bot_paused"] is False  # set once resumed and told
        assert taxpayer.tracker()["paused"] is False
        assert ADVISOR_LEFT.format(name="Dev Advisor") in taxpayer.bot_texts()
        assert taxpayer.say("hello") == ["Hello from the fixture assistant."]
    finally:
        server.stop()
        gate.close()


# --- issue 14: who said what, the away answer, hand back and rejoin ---------------------------------
def bot_events(taxpayer):
    return [e for e in taxpayer.tracker()["events"] if e["event"] == "bot"]


def conversation_event(api, taxpayer, kind, **extra):
    response = api.post("/api/conversation-events", {"conversation_id": taxpayer.sender, "channel": "rest",
                                                     "type": kind, **extra}, api.service_token)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_away_answer_is_delivered_and_recorded_as_the_assistant(api, taxpayer):
    from bot.handoff.service import AWAY_AGAIN
    from tests.integration.handoff.sse import EventStream

    taxpayer.say("hello")
    case_id, _ = escalate_and_claim(api, taxpayer)
    api.act(case_id, "reply", {"content": "Hi, this is Dev. One moment."})

    # The holder has the dashboard open: the message is theirs to answer, the assistant stays quiet
    # (the REST channel reported it to the queue, which pushed it to the dashboard).
    stream = EventStream(api.base, api.advisor_token)
    try:
        stream.next("ping")
        before = len(bot_events(taxpayer))
        assert taxpayer.say("are you still there?") == []
        assert stream.next("taxpayer_message", where={"case_id": case_id})["preview"] == "are you still there?"
        assert len(bot_events(taxpayer)) == before
        assert api.cases()["cases"][0]["taxpayer"]["unread"] == 1
    finally:
        stream.close()

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and conversation_event(api, taxpayer, "online")["advisor_live"]:
        time.sleep(0.1)
    replies = taxpayer.say("hello?")
    assert is_away_answer(replies)
    said = bot_events(taxpayer)[-1]
    assert said["text"] == replies[0]  # delivered through Rasa, so it is in the tracker
    assert "Dev Advisor from" in said["text"] and "when they're back" in said["text"]  # Dev already replied
    assert {k: said["metadata"].get(k) for k in ("from", "handoff", "away")} == {
        "from": "assistant", "handoff": {"case_id": case_id, "advisor": "Dev Advisor"}, "away": True}
    assert taxpayer.say("hello??") == [AWAY_AGAIN.format(first="Dev")]
    assert bot_events(taxpayer)[-1]["text"] == AWAY_AGAIN.format(first="Dev")

    transcript = api.case(case_id)["transcript"]["messages"]
    outgoing = [(m["content"], m["sender"]) for m in transcript if m["message_type"] == "outgoing"]
    assert (ADVISOR_JOINED.format(name="Dev Advisor"), {"type": "bot"}) in outgoing
    assert ("Hi, this is Dev. One moment.", {"type": "advisor", "name": "Dev Advisor"}) in outgoing
    assert (said["text"], {"type": "bot"}) in outgoing
    assert outgoing[-1] == (AWAY_AGAIN.format(first="Dev"), {"type": "bot"})
    assert [m for m in outgoing if m[1]["type"] == "advisor"] == [("Hi, this is Dev. One moment.",
                                                                    {"type": "advisor", "name": "Dev Advisor"})]


def test_hand_back_resumes_the_bot_and_rejoin_pauses_it_again(api, taxpayer):
    from bot.handoff.service import HANDED_BACK, REJOINED

    taxpayer.say("hello")
    case_id, _ = escalate_and_claim(api, taxpayer)
    handed = api.act(case_id, "handback", {"note": "Waiting for their bank statement."})
    assert handed.status_code == 200, handed.text
    body = handed.json()
    assert body["status"] == "open" and body["assignee"]["name"] == "Dev Advisor" and body["bot_paused"] is False
    assert body["live"] == {"bot_paused": False, "error": None}
    assert taxpayer.tracker()["paused"] is False
    notice = bot_events(taxpayer)[-1]
    assert notice["text"] == HANDED_BACK.format(first="Dev") and notice["metadata"]["from"] == "assistant"
    assert taxpayer.say("hello") == ["Hello from the fixture assistant."]  # the bot answers again
    detail = api.case(case_id)
    assert detail["audit"][-1]["action"] == "handed_back"
    assert any(m["private"] and m["content"] == "Waiting for their bank statement." for m in detail["messages"])
    assert api.act(case_id, "handback", {}).status_code == 409  # already with the bot

    rejoined = api.act(case_id, "rejoin", {})
    assert rejoined.status_code == 200 and rejoined.json()["bot_paused"] is True
    assert taxpayer.tracker()["paused"] is True
    assert bot_events(taxpayer)[-1]["text"] == REJOINED.format(name="Dev Advisor")
    assert is_away_answer(taxpayer.say("hello"))  # with the advisor again (who has no dashboard open)
    assert api.act(case_id, "rejoin", {}).status_code == 409
    labels = {m["content"]: m["sender"] for m in api.case(case_id)["transcript"]["messages"]
              if m["message_type"] == "outgoing"}
    assert labels[HANDED_BACK.format(first="Dev")] == {"type": "bot"}
    assert labels[REJOINED.format(name="Dev Advisor")] == {"type": "bot"}


def test_a_taxpayer_left_paused_after_resolve_is_resumed_when_they_write(rasa, db_url, tokens, tmp_path, taxpayer,
                                                                        queue_door):
    from bot.handoff.service import RESUMED_AFTER_RESOLVE

    gate = Gate(int(rasa["RASA_PORT"]))
    clear_cases(db_url)
    server = WebServer({"HANDOFF_DB_URL": db_url, "STATE_DIR": str(tmp_path), "SERVICE_TOKEN": tokens["service"],
                        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": gate.url, "RASA_TOKEN": RASA_TOKEN,
                        "HANDOFF_RESUME_RETRY_SECONDS": "3600"}, tmp_path / "web.log").start()
    reporting_to(queue_door, server)
    try:
        api = Api(server.url, tokens["service"], tokens["advisor"])
        taxpayer.say("hello")
        case_id, _ = escalate_and_claim(api, taxpayer)
        gate.open = False
        assert api.act(case_id, "resolve", {}).json()["live"]["bot_paused"] is True
        gate.open = True  # the retry is an hour away, but the taxpayer writes now:
        assert taxpayer.say("hello?") == [RESUMED_AFTER_RESOLVE]
        assert taxpayer.tracker()["paused"] is False
        assert bot_events(taxpayer)[-1]["text"] == RESUMED_AFTER_RESOLVE
        assert api.case(case_id)["bot_paused"] is False
        assert taxpayer.say("hello") == ["Hello from the fixture assistant."]
    finally:
        server.stop()
        gate.close()


def test_a_reply_to_a_taxpayer_who_texted_stop_is_refused_and_says_why(api, taxpayer):
    taxpayer.say("hello")
    case_id = api.escalate(escalation(conversation_id=taxpayer.sender, channel="sms")).json()["id"]
    assert api.act(case_id, "claim").status_code == 200
    stop = api.post("/api/conversation-events", {"conversation_id": taxpayer.sender, "channel": "sms",
                                                 "type": "opted_out"}, api.service_token)
    assert stop.status_code == 200 and stop.json()["case_id"] == case_id
    before = len(bot_events(taxpayer))
    refused = api.act(case_id, "reply", {"content": "Can I text you the form?"})
    assert refused.status_code == 502 and "opted out of texts" in refused.json()["error"]
    assert len(bot_events(taxpayer)) == before  # nothing was sent
    case = api.case(case_id)
    assert case["taxpayer"]["opted_out_at"] is not None
    assert "texted STOP" in [m for m in case["messages"] if m["message_type"] == "activity"][-1]["content"]
