"""The security tests' own stack: `bot.stack.Stack` with the project's trained model, as
`make run` starts it, but with stores the tests can inspect and the SMS channel switched on:

- Rasa's tracker store is the SQL tracker store in a PostgreSQL database of this test session
  (`security_<pid>_<random>`, dropped at the end), so tests read the stored events directly;
- the handoff queue and the deletion record live in the same database;
- TWILIO_AUTH_TOKEN is set (requests are signed with twilio's own RequestValidator), without
  an account SID, so the SMS channel runs in local mode: it logs "not sent to ...NNNN: N chars"
  instead of calling Twilio, which is how the tests see that a text was answered.

Channel tests that need other settings (rate limits from loopback, signed widget sessions)
run the channels in-process in a Rasa app with the channel tests' fixture assistant.
"""
from __future__ import annotations

import itertools
import json
import queue
import random
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import psycopg2
import pytest
import requests
import socketio
from twilio.request_validator import RequestValidator

from bot.stack import MODEL, Stack, settings
from tests.integration.conftest import STACK_TODAY, free_port
from tests.integration.handoff.support import PG_ADMIN, create_pg_database, drop_pg_database, pg_url

# The in-process channel fixtures (a Rasa app with the channel tests' fixture assistant).
from tests.integration.channels.conftest import agent, fixture_model  # noqa: F401

SMS_AUTH_TOKEN = "sec-" + "9" * 28
WAIT = 60.0


@dataclass
class SecurityStack:
    stack: Stack
    env: Dict[str, str]
    database: str

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    @property
    def sms_url(self) -> str:
        return f"{self.rasa_url}/webhooks/sms/webhook"

    # --- REST ------------------------------------------------------------------------------------
    def rest(self, sender: str, text: Any, **extra: Any) -> requests.Response:
        return requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text, **extra},
                             timeout=WAIT)

    def rest_raw(self, body: bytes, content_type: str = "application/json") -> requests.Response:
        return requests.post(f"{self.rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": content_type}, timeout=WAIT)

    # --- SMS -------------------------------------------------------------------------------------
    def sms_params(self, phone: str, body: Optional[str], **extra: str) -> Dict[str, str]:
        sid = "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": phone,
                  "To": "+15005550006", "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
                  "ApiVersion": "2010-04-01"}
        if body is not None:
            params["Body"] = body
        params.update(extra)
        return params

    def sms(self, phone: str, body: Optional[str], signature: Optional[str] = "auto", **extra: str) -> requests.Response:
        params = self.sms_params(phone, body, **extra)
        headers = {}
        if signature == "auto":
            signature = RequestValidator(SMS_AUTH_TOKEN).compute_signature(self.sms_url, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.sms_url, data=params, headers=headers, timeout=WAIT)

    def sms_raw(self, body: bytes, headers: Dict[str, str]) -> requests.Response:
        return requests.post(self.sms_url, data=body, headers=headers, timeout=WAIT)

    def rasa_log(self) -> str:
        return self.stack.service("rasa server").log_path.read_text(errors="replace")

    def sms_replies(self, phone: str) -> List[int]:
        """The sizes of the texts sent to `phone` (local mode logs them by the last 4 digits)."""
        return [int(n) for n in re.findall(rf"not sent to \.\.\.{phone[-4:]}: (\d+) chars", self.rasa_log())]

    def wait_sms_replies(self, phone: str, count: int, timeout: float = WAIT) -> List[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sms_replies(phone)
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"{phone} got {len(self.sms_replies(phone))} texts, expected {count}")

    # --- the stores --------------------------------------------------------------------------------
    def sql(self, query: str, *args: Any) -> List[tuple]:
        conn = psycopg2.connect(**{**PG_ADMIN, "dbname": self.database})
        try:
            with conn, conn.cursor() as cur:
                cur.execute(query, args)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def stored_events(self, sender: str) -> List[Dict[str, Any]]:
        return [json.loads(row[0]) for row in self.sql("SELECT data FROM events WHERE sender_id = %s ORDER BY id", sender)]

    def stored_user_texts(self, sender: str) -> List[str]:
        return [e.get("text") for e in self.stored_events(sender) if e.get("event") == "user"]

    def wait_stored_user_texts(self, sender: str, count: int, timeout: float = WAIT) -> List[str]:
        """The SMS channel answers Twilio first and runs the turn after: wait for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.stored_user_texts(sender)
            bots = [e for e in self.stored_events(sender) if e.get("event") == "bot"]
            if len(texts) >= count and bots:
                return texts
            time.sleep(0.2)
        return self.stored_user_texts(sender)

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                                params={"token": self.env["RASA_TOKEN"], "include_events": "ALL"}, timeout=WAIT)
        response.raise_for_status()
        return response.json()

    def queue(self, method: str, path: str, token: str, body: Any = None, **params: Any) -> requests.Response:
        return requests.request(method, f"{self.web_url}{path}", json=body, params=params, timeout=WAIT,
                                headers={"Authorization": f"Bearer {token}"})


class WidgetChat:
    """One browser tab without the browser: python-socketio's sync client over polling."""

    def __init__(self, rasa_url: str, origin: Optional[str] = None):
        self.rasa_url = rasa_url
        self.origin = origin
        self.client = socketio.Client(reconnection=False)
        self.received: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.confirmed: "queue.Queue[str]" = queue.Queue()
        self.client.on("bot_uttered", self.received.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.session: Optional[str] = None

    def open(self, session: Optional[str] = None) -> str:
        headers = {"Origin": self.origin} if self.origin else {}
        self.client.connect(self.rasa_url, transports=["polling"], socketio_path="socket.io", headers=headers,
                            wait_timeout=20)
        self.client.emit("session_request", {"session_id": session})
        self.session = self.confirmed.get(timeout=20)
        return self.session

    def send(self, message: Any) -> None:
        self.client.emit("user_uttered", {"message": message, "session_id": self.session})

    def send_raw(self, data: Any) -> None:
        self.client.emit("user_uttered", data)

    def replies(self, wait: float = WAIT, settle: float = 1.5) -> List[Dict[str, Any]]:
        """Everything the bot says until it has been quiet for `settle` seconds."""
        found = [self.received.get(timeout=wait)]
        while True:
            try:
                found.append(self.received.get(timeout=settle))
            except queue.Empty:
                return found

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture(scope="session")
def security_stack(tmp_path_factory) -> SecurityStack:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does) or set INTAKE_MODEL")
    database = create_pg_database("security")
    state = tmp_path_factory.mktemp("security-stack")
    env = settings({
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
        "RASA_TOKEN": "rasa-" + secrets.token_urlsafe(12), "SERVICE_TOKEN": "svc-" + secrets.token_urlsafe(12),
        "ADVISOR_TOKEN": "adv-" + secrets.token_urlsafe(12), "STATE_DIR": str(state), "INTAKE_TODAY": STACK_TODAY,
        "HANDOFF_DB_URL": pg_url(database), "TWILIO_AUTH_TOKEN": SMS_AUTH_TOKEN, "FIRM_NAME": "Levy Help Partners",
        "PRIVACY_PURGE_INTERVAL_HOURS": "0", "HANDOFF_SLA": "urgent=15m,high=1h,medium=4bh,low=1bd",
    })
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["HANDOFF_API_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}/api"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env["SMS_PUBLIC_URL"] = f"{env['RASA_URL']}/webhooks/sms/webhook"
    # Written out: Rasa 3.6 substitutes ${VAR} only in unquoted values (tests/integration/handoff).
    endpoints = state / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: {env['ACTION_SERVER_URL']}\n"
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 5432\n"
        f"  db: {database}\n  username: postgres\n"
    )
    env["RASA_ENDPOINTS"] = str(endpoints)
    stack = Stack(env, state / "log")
    try:
        stack.start(timeout=300)
        yield SecurityStack(stack, env, database)
    finally:
        stack.stop()
        drop_pg_database(database)


@pytest.fixture
def widget(security_stack):
    chats: List[WidgetChat] = []

    def open_chat(origin: Optional[str] = None) -> WidgetChat:
        chat = WidgetChat(security_stack.rasa_url, origin)
        chats.append(chat)
        return chat

    yield open_chat
    for chat in chats:
        chat.close()


_PHONE_SUFFIXES = itertools.count(random.randrange(1000, 5000))


def new_phone() -> str:
    """A number whose last four digits no other number of this session has (the local-mode
    log lines name a number by its last four digits)."""
    return f"+1555{random.randrange(100, 1000)}{next(_PHONE_SUFFIXES):04d}"
