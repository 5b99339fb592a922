"""The three ways a taxpayer talks to the live stack, as `Chat`s for the conversation scripts:
Rasa's REST webhook, the widget's socket.io channel, and signed SMS."""
from __future__ import annotations

import queue
import time
import uuid
from typing import Any, Dict, List

import aiohttp
import socketio

from tests.integration.conversations.script import Chat, in_thread

TURN_TIMEOUT = 60.0


class RestChat(Chat):
    channel = "rest"

    def __init__(self, stack, http: aiohttp.ClientSession, sender: str = ""):
        self.stack = stack
        self.http = http
        self.sender = sender or stack.new_sender()

    async def send(self, text: str) -> List[Dict[str, Any]]:
        async with self.http.post(f"{self.stack.rasa_url}/webhooks/rest/webhook",
                                  json={"sender": self.sender, "message": text}) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def tracker(self) -> Dict[str, Any]:
        return await rasa_tracker(self.http, self.stack, self.sender)


async def rasa_tracker(http: aiohttp.ClientSession, stack, sender: str) -> Dict[str, Any]:
    async with http.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                        params={"token": stack.env["RASA_TOKEN"]}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


class SocketChat(Chat):
    """The widget's channel, through python-socketio's sync client (long polling: its
    websocket transport needs a newer aiohttp than Rasa allows)."""

    channel = "socketio"

    def __init__(self, stack, http: aiohttp.ClientSession):
        self.stack = stack
        self.http = http
        self.received: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.confirmed: "queue.Queue[Any]" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.received.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.sender = ""

    def _open(self) -> None:
        self.client.connect(self.stack.rasa_url, transports=["polling"], socketio_path="socket.io", wait_timeout=10)
        self.client.emit("session_request", {"session_id": uuid.uuid4().hex})
        confirmed = self.confirmed.get(timeout=10)
        self.sender = confirmed.get("session_id") if isinstance(confirmed, dict) else confirmed

    async def open(self) -> "SocketChat":
        await in_thread(self._open)
        return self

    async def close(self) -> None:
        await in_thread(self.client.disconnect)

    async def send(self, text: str) -> List[Dict[str, Any]]:
        before = await self._turns()
        self.client.emit("user_uttered", {"message": text, "session_id": self.sender})
        deadline = time.monotonic() + TURN_TIMEOUT
        while time.monotonic() < deadline:
            tracker = await self.tracker()
            if _turns(tracker) > before and _listening(tracker):
                break
            await _sleep(0.05)
        await _sleep(0.2)  # the last emits of the turn are on their way
        replies = []
        while not self.received.empty():
            replies.append(_normalise(self.received.get_nowait()))
        return replies

    async def _turns(self) -> int:
        return _turns(await self.tracker()) if self.sender else 0

    async def tracker(self) -> Dict[str, Any]:
        return await rasa_tracker(self.http, self.stack, self.sender)


def _turns(tracker: Dict[str, Any]) -> int:
    return sum(1 for e in tracker.get("events", []) if e.get("event") == "user")


def _listening(tracker: Dict[str, Any]) -> bool:
    return (tracker.get("latest_action") or {}).get("action_name") == "action_listen" or (
        tracker.get("latest_action_name") == "action_listen"
    )


def _normalise(message: Dict[str, Any]) -> Dict[str, Any]:
    """socket.io's shape (quick_replies, attachment) as REST's (buttons, custom)."""
    out = {"text": message.get("text")}
    if message.get("quick_replies"):
        out["buttons"] = [{"title": b.get("title"), "payload": b.get("payload")} for b in message["quick_replies"]]
    if message.get("buttons"):
        out["buttons"] = message["buttons"]
    for key in ("attachment", "custom"):
        if message.get(key) is not None:
            out["custom"] = message[key]
    return out


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


class SmsChat(Chat):
    """Signed texts to the SMS webhook of a Rasa app running the project's model; what Twilio
    would deliver is captured (tests/integration/channels/conftest.py, SmsHarness)."""

    channel = "sms"
    checks_wording = False

    def __init__(self, harness, phone: str):
        self.harness = harness
        self.phone = phone

    async def send(self, text: str) -> List[Dict[str, Any]]:
        return [{"text": body} for body in await self.harness.text(self.phone, text)]

    async def tracker(self) -> Dict[str, Any]:
        return await self.harness.tracker(self.phone)
