"""The running stack, started once per test session: Rasa server, action server, web service.

Tests that drive real conversations use `intake_stack`; it talks to the stack the way a
channel or an advisor does (REST webhook, Rasa's HTTP API, the queue API)."""
from __future__ import annotations

import secrets
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

from bot.stack import MODEL, Stack, settings

ROOT = Path(__file__).resolve().parents[2]
# The conversations' dates are written for this day (the one clock, INTAKE_TODAY).
STACK_TODAY = "2026-11-27"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class IntakeStack:
    stack: Stack
    env: Dict[str, str]

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    def new_sender(self) -> str:
        return f"test-{uuid.uuid4().hex[:12]}"

    def say(self, sender: str, text: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str) -> str:
        """Everything the assistant answered, as one string (buttons' titles included)."""
        parts = []
        for message in self.say(sender, text):
            parts.append(message.get("text") or "")
            parts.extend(button["title"] for button in message.get("buttons") or [])
        return "\n".join(parts)

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.env["RASA_TOKEN"]}, timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def slots(self, sender: str) -> Dict[str, Any]:
        return self.tracker(sender)["slots"]

    def queue(self, method: str, path: str, token: str, body: Any = None) -> requests.Response:
        """A queue API call with a token named by its key in `env` ("ADVISOR_TOKEN", ...)."""
        return requests.request(method, f"{self.web_url}{path}", json=body, timeout=30,
                                headers={"Authorization": f"Bearer {self.env[token]}"})

    def case(self, case_id: int) -> Dict[str, Any]:
        """The case as the development advisor opens it (which marks it read)."""
        response = self.queue("GET", f"/api/handoffs/{case_id}", "ADVISOR_TOKEN")
        response.raise_for_status()
        return response.json()

    def cases(self, **params) -> List[Dict[str, Any]]:
        """Every case in the queue, page by page: the stack is shared by the whole run, whose
        conversation scripts leave more cases than one page holds."""
        found: List[Dict[str, Any]] = []
        while True:
            response = requests.get(
                f"{self.web_url}/api/handoffs", params={**params, "limit": 500, "offset": len(found)},
                headers={"Authorization": f"Bearer {self.env['ADVISOR_TOKEN']}"}, timeout=30,
            )
            response.raise_for_status()
            body = response.json()
            found += body["cases"]
            if not body["cases"] or len(found) >= body["total"]:
                return found


def stack_env(state: Path, **extra_env: str) -> Dict[str, str]:
    """The settings of a whole stack on free ports, its state in `state`; `extra_env` on top.
    bench/offscript.py starts its stack with the same."""
    env = settings({
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "RASA_TOKEN": "rasa-" + secrets.token_urlsafe(12),
        "SERVICE_TOKEN": "svc-" + secrets.token_urlsafe(12),
        "ADVISOR_TOKEN": "adv-" + secrets.token_urlsafe(12),
        "STATE_DIR": str(state),
        "INTAKE_TODAY": STACK_TODAY,
        "HANDOFF_DB_URL": f"sqlite:///{state / 'handoff.db'}",
    })
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["HANDOFF_API_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}/api"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env.update(extra_env)
    return env


def start_intake_stack(tmp_path_factory, **extra_env: str) -> IntakeStack:
    """A whole stack with its own state folder (`stack_env`)."""
    if not MODEL.exists():
        pytest.fail("no trained model at models/intake.tar.gz: run `make train` (make test does)")
    state = tmp_path_factory.mktemp("stack")
    env = stack_env(state, **extra_env)
    return IntakeStack(Stack(env, state / "log").start(), env)


@pytest.fixture(scope="session")
def intake_stack(tmp_path_factory) -> IntakeStack:
    running = start_intake_stack(tmp_path_factory)
    yield running
    running.stack.stop()
