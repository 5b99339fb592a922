""""Delete my data" in the chat, end to end: Rasa (a fixture assistant trained with the
project's privacy data and domain entries), the project's action server and the web service,
with the SQL tracker store and the queue in SQLite files the test reads directly.

The taxpayer asks, is asked to confirm, says yes: the conversation's tracker events, its case
and the case's notes are gone, and the deletion record holds a keyed hash, who and when. "No"
keeps everything; a form in progress stops; while an advisor holds the chat the bot stays quiet
and the advisor deletes through the API; a forged call to the action server erases nothing.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from bot.privacy.eraser import ERASE_ACTION
from bot.privacy.settings import conversation_hash
from bot.stack import Stack, settings
from tests.integration.conftest import free_port
from tests.integration.handoff.support import ROOT
from tests.unit.handoff.cases import escalation

pytestmark = pytest.mark.stack

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture_bot"
PRIVACY_DOMAIN = HERE / "privacy_domain.yml"
PRIVACY_DATA = [ROOT / "data" / "nlu" / "privacy.yml", ROOT / "data" / "rules" / "privacy.yml"]
DOMAIN = __import__("yaml").safe_load(PRIVACY_DOMAIN.read_text())["responses"]
ASK = DOMAIN["utter_ask_delete_my_data"][0]["text"]
ASK_WITH_CASE = DOMAIN["utter_ask_delete_my_data_with_case"][0]["text"]
DELETED = DOMAIN["utter_data_deleted"][0]["text"]
KEPT = DOMAIN["utter_data_kept"][0]["text"]


@pytest.fixture(scope="module")
def privacy_model() -> Path:
    inputs = sorted(p for p in FIXTURE.rglob("*") if p.is_file()) + [PRIVACY_DOMAIN, *PRIVACY_DATA]
    digest = hashlib.sha256(b"".join(str(p.relative_to(ROOT)).encode() + p.read_bytes() for p in inputs)).hexdigest()[:16]
    out = ROOT / "test-output" / "privacy-fixture-model"
    model = out / f"privacy-{digest}.tar.gz"
    if not model.exists():
        domain = out / f"domain-{digest}"
        domain.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURE / "domain.yml", domain / "fixture.yml")
        shutil.copy(PRIVACY_DOMAIN, domain / "privacy.yml")
        trained = subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--config", str(FIXTURE / "config.yml"), "--domain", str(domain),
             "--data", str(FIXTURE / "data"), *map(str, PRIVACY_DATA), "--out", str(out),
             "--fixed-model-name", model.name[:-len(".tar.gz")]],
            cwd=out, capture_output=True, text=True)
        assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    return model


class ChatStack:
    def __init__(self, stack: Stack, env: Dict[str, str], state: Path):
        self.stack, self.env, self.state = stack, env, state

    @property
    def rasa_url(self) -> str:
        return self.env["RASA_URL"]

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    def say(self, sender: str, text: str) -> List[str]:
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                 timeout=60)
        assert response.status_code == 200, response.text
        return [m.get("text") or "" for m in response.json()]

    def events(self, sender: str) -> List[dict]:
        with sqlite3.connect(self.state / "rasa.db") as conn:
            rows = conn.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def queue_rows(self, sql: str, *args) -> List[tuple]:
        with sqlite3.connect(self.state / "queue.db") as conn:
            return conn.execute(sql, args).fetchall()

    def deletions(self, sender: str) -> List[tuple]:
        key = (self.state / "privacy-hash.key").read_text().strip().encode()
        return self.queue_rows("SELECT requested_by, actor_name, complete FROM privacy_deletions WHERE conversation_hash = ?",
                               conversation_hash(sender, key))

    def wait_erased(self, sender: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.events(sender) and self.deletions(sender):
                return
            time.sleep(0.2)
        raise AssertionError(f"{sender} still has {len(self.events(sender))} events, {self.deletions(sender)}")

    def api(self, method: str, path: str, token: str, body=None) -> requests.Response:
        return requests.request(method, f"{self.web_url}{path}", json=body, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})

    def escalate(self, sender: str) -> int:
        created = self.api("POST", "/api/handoffs", self.env["SERVICE_TOKEN"],
                           escalation(conversation_id=sender, channel="rest"))
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        assert self.api("POST", f"/api/handoffs/{case_id}/notes", self.env["ADVISOR_TOKEN"],
                        {"content": "Called the bank"}).status_code == 201
        return case_id

    def set_slot(self, sender: str, name: str, value) -> None:
        response = requests.post(f"{self.rasa_url}/conversations/{sender}/tracker/events",
                                 params={"token": self.env["RASA_TOKEN"]},
                                 json=[{"event": "slot", "name": name, "value": value}], timeout=30)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def chat(privacy_model, tmp_path_factory) -> ChatStack:
    state = tmp_path_factory.mktemp("chat-deletion")
    env = settings({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
        "RASA_TOKEN": "rasa-" + secrets.token_urlsafe(12), "SERVICE_TOKEN": "svc-" + secrets.token_urlsafe(12),
        "ADVISOR_TOKEN": "adv-" + secrets.token_urlsafe(12), "STATE_DIR": str(state),
        "HANDOFF_DB_URL": f"sqlite:///{state / 'queue.db'}", "PRIVACY_PURGE_INTERVAL_HOURS": "0",
        "HANDOFF_SLA": "urgent=15m,high=1h,medium=4bh,low=1bd",
    })
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["HANDOFF_API_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}/api"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    endpoints = state / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {env['ACTION_SERVER_URL']}\n"
                         f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {state / 'rasa.db'}\n")
    env["RASA_ENDPOINTS"] = str(endpoints)
    stack = Stack(env, state / "log", model=privacy_model)
    try:
        stack.start(timeout=240)
        yield ChatStack(stack, env, state)
    finally:
        stack.stop()


def new_sender() -> str:
    return "chat-" + uuid.uuid4().hex[:10]


def test_yes_erases_the_conversation_and_its_case_and_records_only_that(chat):
    sender = new_sender()
    chat.say(sender, "hello")
    case_id = chat.escalate(sender)
    assert chat.say(sender, "please delete my data") == [ASK]
    replies = chat.say(sender, "Yes")
    assert replies == [DELETED]
    chat.wait_erased(sender)
    assert chat.queue_rows("SELECT count(*) FROM handoff_cases WHERE conversation_id = ?", sender) == [(0,)]
    assert chat.queue_rows("SELECT count(*) FROM handoff_messages WHERE case_id = ?", case_id) == [(0,)]
    assert chat.queue_rows("SELECT count(*) FROM handoff_audit WHERE case_id = ?", case_id) == [(0,)]
    assert chat.deletions(sender) == [("taxpayer", None, 1)]
    # The record holds no trace of the id itself.
    assert sender not in json.dumps(chat.queue_rows("SELECT * FROM privacy_deletions"))
    # Writing again starts a new conversation with nothing of the old one.
    assert chat.say(sender, "hello") == ["Hello from the privacy fixture."]
    assert [e["text"] for e in chat.events(sender) if e["event"] == "user"] == ["hello"]


def test_the_question_comes_with_buttons_and_no_keeps_everything(chat):
    sender = new_sender()
    chat.say(sender, "hello")
    response = requests.post(f"{chat.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": "delete my data"}, timeout=60).json()
    assert response[0]["text"] == ASK
    assert [b["title"] for b in response[0]["buttons"]] == ["Yes, delete it", "No, keep it"]
    assert chat.say(sender, "No") == [KEPT]
    time.sleep(2)
    assert [e["text"] for e in chat.events(sender) if e["event"] == "user"] == ["hello", "delete my data", "No"]
    assert chat.deletions(sender) == []


def test_a_form_in_progress_stops_and_the_deletion_goes_through(chat):
    sender = new_sender()
    assert chat.say(sender, "got a notice") == ["Which notice did you get?"]
    assert chat.say(sender, "delete my data") == [ASK]
    tracker = requests.get(f"{chat.rasa_url}/conversations/{sender}/tracker",
                           params={"token": chat.env["RASA_TOKEN"]}, timeout=30).json()
    assert not tracker["active_loop"].get("name")  # the form stopped
    assert chat.say(sender, "Yes") == [DELETED]
    chat.wait_erased(sender)


def test_the_question_says_an_advisor_request_is_withdrawn(chat):
    sender = new_sender()
    chat.say(sender, "hello")
    chat.escalate(sender)
    chat.set_slot(sender, "case_id", "1")
    assert chat.say(sender, "delete my data") == [ASK_WITH_CASE]
    assert chat.say(sender, "Yes") == [DELETED]
    chat.wait_erased(sender)


def test_while_an_advisor_holds_the_chat_the_advisor_deletes_through_the_api(chat):
    sender = new_sender()
    chat.say(sender, "hello")
    case_id = chat.escalate(sender)
    claimed = chat.api("POST", f"/api/handoffs/{case_id}/claim", chat.env["ADVISOR_TOKEN"], {})
    assert claimed.status_code == 200 and claimed.json()["live"]["bot_paused"]
    # Paused: the assistant does not act on it; the queue's answer for the away advisor is all.
    said = [t for t in chat.say(sender, "delete my data") if t]
    assert len(said) == 1 and said[0].startswith("Your message is saved with your case."), said
    assert chat.deletions(sender) == [] and chat.events(sender)
    deleted = chat.api("POST", "/api/privacy/deletions", chat.env["ADVISOR_TOKEN"], {"case_id": case_id})
    assert deleted.status_code == 200, deleted.text
    body = deleted.json()["deleted"]
    assert body["cases"] == 1 and body["tracker_events"] > 0 and body["complete"]
    assert chat.events(sender) == [] and chat.deletions(sender) == [("advisor", "Dev Advisor", 1)]
    assert chat.api("GET", f"/api/handoffs/{case_id}", chat.env["ADVISOR_TOKEN"]).status_code == 404


def test_a_forged_call_to_the_action_server_erases_nothing(chat):
    victim = new_sender()
    chat.say(victim, "hello")

    def said():
        return [(e["event"], e.get("text")) for e in chat.events(victim) if e["event"] in ("user", "bot")]

    before = said()
    forged = {
        "next_action": ERASE_ACTION, "sender_id": victim, "version": "3.6.2",
        "tracker": {"sender_id": victim, "slots": {}, "latest_message": {"text": "Yes", "intent": {"name": "affirm"}},
                    "events": [{"event": "user", "text": "Yes"}, {"event": "action", "name": ERASE_ACTION}],
                    "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": ERASE_ACTION},
        "domain": {"responses": {}},
    }
    response = requests.post(chat.env["ACTION_SERVER_URL"], json=forged, timeout=30)
    assert response.status_code == 200  # the action server ran it and the web service took the request...
    time.sleep(3)
    assert said() == before  # ...but Rasa's tracker shows no confirmation: nothing erased
    assert chat.deletions(victim) == []
    log = (chat.state / "log" / "web-service.log").read_text(errors="replace")
    assert "chat deletion not done: the conversation's latest turn did not confirm a deletion" in log
