"""Real channels in a real Rasa server app, in the test's own event loop.

The app is Rasa's own (`rasa.core.run.configure_app`, the HTTP API included) with our input
channels and a real Agent loaded from a small fixture assistant (fixture_bot/: keyword intents
and rules, trained once and cached under test-output/), so these tests do not depend on the
project's model and its replies are known. Twilio's REST API is the one thing replaced: a
capturing http_client, through which twilio's own client builds every request.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Sequence, Tuple

import aiohttp
import pytest
from sanic import Sanic
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator

from bot.channels.door import Door, door_for
from bot.channels.gsm import MAX_BODY_CHARS
from bot.channels.handoff_events import HandoffEvents
from bot.channels.sms import SmsInput
from bot.channels.sms_settings import SmsSettings
from bot.channels.sms_store import SmsStore
from bot.firm import Firm

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_BOT = Path(__file__).parent / "fixture_bot"
API_TOKEN = "channel-tests-api-token"
AUTH_TOKEN = "12345678901234567890123456789012"
ACCOUNT_SID = "AC" + "a" * 32
FROM_NUMBER = "+15005550006"

# Rasa creates its Sanic app under a fixed name; each test builds a fresh one.
Sanic.test_mode = True


def fixture_files() -> List[Path]:
    return sorted(p for p in FIXTURE_BOT.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def fixture_model() -> Path:
    digest = hashlib.sha256()
    for path in fixture_files():
        digest.update(str(path.relative_to(FIXTURE_BOT)).encode())
        digest.update(path.read_bytes())
    name = f"fixture-{digest.hexdigest()[:16]}"
    out = ROOT / "test-output" / "channel-fixture-model"
    model = out / f"{name}.tar.gz"
    if not model.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable, "-m", "rasa", "train",
                "--config", str(FIXTURE_BOT / "config.yml"),
                "--domain", str(FIXTURE_BOT / "domain.yml"),
                "--data", str(FIXTURE_BOT / "data"),
                "--out", str(out), "--fixed-model-name", name,
            ],
            cwd=out, check=True, capture_output=True,
        )
    return model


@pytest.fixture(scope="session")
def agent(fixture_model):
    from rasa.core.agent import Agent

    return Agent.load(str(fixture_model))


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def serve(app: Sanic) -> AsyncIterator[str]:
    """Runs `app` in this event loop on a free port; yields its base URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


def rasa_app(channels: Sequence[Any], agent) -> Sanic:
    from rasa.core.run import configure_app

    app = configure_app(input_channels=list(channels), enable_api=True, auth_token=API_TOKEN)
    app.ctx.agent = agent
    return app


def new_phone() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


class CapturingTwilioHttp(AsyncHttpClient):
    """Stands in for Twilio's REST API: records what twilio's client sends, answers 201.

    `refuse` maps a destination number to a Twilio error code to answer with instead.
    """

    def __init__(self) -> None:
        super().__init__(logger=__import__("logging").getLogger("tests.twilio"), is_async=True)
        self.requests: List[Dict[str, Any]] = []
        self.refuse: Dict[str, int] = {}

    async def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        to = (data or {}).get("To")
        if to in self.refuse:
            code = self.refuse[to]
            return TwilioResponse(400, json.dumps({"code": code, "message": f"error {code}", "status": 400}))
        body = {"sid": "SM" + uuid.uuid4().hex, "to": to, "body": (data or {}).get("Body"), "status": "queued"}
        return TwilioResponse(201, json.dumps(body))

    def bodies(self, to: Optional[str] = None) -> List[str]:
        return [r["data"]["Body"] for r in self.requests if to is None or r["data"].get("To") == to]


def sign(url: str, params: Dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@dataclass
class SmsHarness:
    base_url: str
    channel: SmsInput
    twilio: CapturingTwilioHttp
    store: SmsStore
    settings: SmsSettings
    http: aiohttp.ClientSession
    handled: List[str] = field(default_factory=list)

    @property
    def webhook(self) -> str:
        return f"{self.base_url}/webhooks/sms/webhook"

    def params(self, phone: str, body: Optional[str], sid: Optional[str] = None, **extra: str) -> Dict[str, str]:
        params = {
            "MessageSid": sid or new_sid(),
            "SmsSid": sid or "",
            "AccountSid": ACCOUNT_SID,
            "From": phone,
            "To": FROM_NUMBER,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        params["SmsSid"] = params["MessageSid"]
        if body is not None:
            params["Body"] = body
        params.update(extra)
        return params

    async def post(
        self,
        params: Dict[str, str],
        *,
        signature: Optional[str] = "auto",
        signed_url: Optional[str] = None,
        wait: bool = True,
    ) -> Tuple[int, str]:
        """POSTs like Twilio does; signs unless told otherwise; waits for the replies."""
        headers = {}
        if signature == "auto":
            signature = sign(signed_url or self.settings.public_url or self.webhook, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        async with self.http.post(self.webhook, data=params, headers=headers) as response:
            text = await response.text()
            status = response.status
        if wait:
            await self.channel.drain()
        return status, text

    async def text(self, phone: str, body: Optional[str], **extra: str) -> List[str]:
        """Texts `body` from `phone`; returns the SMS bodies sent back to `phone`."""
        before = len(self.twilio.bodies(phone))
        status, _ = await self.post(self.params(phone, body, **extra))
        assert status == 200
        return self.twilio.bodies(phone)[before:]

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        async with self.http.get(
            f"{self.base_url}/conversations/{conversation_id}/tracker", params={"token": API_TOKEN}
        ) as response:
            assert response.status == 200, await response.text()
            return await response.json()


def sms_settings(**overrides: Any) -> SmsSettings:
    values = dict(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=FROM_NUMBER,
        firm=Firm.from_env({"FIRM_NAME": "Levy Help Partners", "FIRM_PHONE": "(555) 010-0100"}),
    )
    values.update(overrides)
    return SmsSettings(**values)


@contextlib.asynccontextmanager
async def sms_harness(agent, tmp_path: Path, settings: Optional[SmsSettings] = None, door: Optional[Door] = None,
                      events: Optional[HandoffEvents] = None, store: Optional[SmsStore] = None) -> AsyncIterator[SmsHarness]:
    settings = settings or sms_settings()
    store = store or SmsStore(f"sqlite:///{tmp_path / 'sms.sqlite3'}")
    twilio = CapturingTwilioHttp()
    # Reports to the advisor queue only when a test names one (the environment may hold a token).
    channel = SmsInput(settings, store, http_client=twilio, door=door, events=events or HandoffEvents("http://127.0.0.1:9/api", ""))
    app = rasa_app([channel], agent)
    async with serve(app) as base_url, aiohttp.ClientSession() as http:
        yield SmsHarness(base_url, channel, twilio, store, settings, http)
        await channel.drain()


@pytest.fixture
async def sms(agent, tmp_path) -> AsyncIterator[SmsHarness]:
    async with sms_harness(agent, tmp_path) as harness:
        yield harness
