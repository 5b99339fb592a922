"""Every door opens only for whom it is meant (issue 7, "Doors").

Against the running stack (started as `make run` starts it): Rasa's HTTP API answers 401/403
without the token on every route it has; the action server, Rasa and the web service listen on
loopback only; the widget socket refuses pages of other origins; a REST client cannot write
into a widget or SMS conversation; a conversation over its rate gets 429; no secret appears
in a log or an error. In-process, with the channel tests' fixture assistant and settings the
stack does not use: per-IP limits from loopback, the widget's "slow down" and the SMS one,
signed widget sessions. A web service of their own: the failed sign-in limit.
"""
from __future__ import annotations

import asyncio
import queue
import re
import secrets
import socket
import subprocess
import time
import uuid
from pathlib import Path

import aiohttp
import pytest
import requests
import socketio as socketio_client

from bot.channels.door import SLOW_DOWN_REPLY, SLOW_DOWN_SMS_REPLY, door_for
from bot.channels.rest import IntakeRestInput
from bot.channels.socketio import IntakeSocketIOInput
from bot.channels.widget_sessions import SessionSigner
from tests.integration.channels.conftest import new_phone as channel_phone, rasa_app, serve, sms_harness
from tests.integration.handoff.support import ROOT, WebServer
from tests.integration.security.conftest import WidgetChat, new_phone

# --- Rasa's HTTP API ------------------------------------------------------------------------------
PUBLIC_ROUTES = {"", "version"}  # "Hello from Rasa" and the version: nothing about any conversation


def rasa_api_routes():
    from sanic import Sanic

    Sanic.test_mode = True
    from rasa.server import create_app

    app = create_app(auth_token="enumerating-the-routes")
    app.router.finalize()
    found = []
    for route in app.router.routes:
        path = route.path.replace("<conversation_id:path>", "someone-else")
        for method in route.methods - {"HEAD", "OPTIONS"}:
            found.append((method, path))
    return sorted(found)


@pytest.mark.stack
def test_every_route_of_rasas_api_refuses_a_request_without_the_token(security_stack):
    routes = rasa_api_routes()
    assert len(routes) >= 18  # Rasa 3.6's API: status, model, domain, conversations...
    checked = 0
    for method, path in routes:
        url = f"{security_stack.rasa_url}/{path}"
        if path in PUBLIC_ROUTES:
            assert requests.request(method, url, timeout=30).status_code == 200
            continue
        for params in ({}, {"token": "wrong"}):
            response = requests.request(method, url, params=params, json=[], timeout=30)
            assert response.status_code in (401, 403), (method, path, params, response.status_code)
        checked += 1
    assert checked == len(routes) - len(PUBLIC_ROUTES)
    status = requests.get(f"{security_stack.rasa_url}/status", params={"token": security_stack.env["RASA_TOKEN"]}, timeout=30)
    assert status.status_code == 200  # and the token opens them


def listening_addresses(port: int):
    """The local addresses with a socket listening on `port` (/proc/net/tcp and tcp6)."""
    found = set()
    for table, size in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if size == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.mark.stack
@pytest.mark.parametrize("service", ["ACTION_PORT", "RASA_PORT", "WEB_PORT"])
def test_the_servers_listen_on_loopback_only(security_stack, service):
    addresses = listening_addresses(int(security_stack.env[service]))
    assert addresses and addresses <= {"127.0.0.1", "::1"}, addresses


# --- the widget socket -----------------------------------------------------------------------------
@pytest.mark.stack
def test_the_widget_socket_refuses_other_sites_pages_and_serves_its_own(security_stack):
    evil = WidgetChat(security_stack.rasa_url, origin="https://evil.example")
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        evil.open()
    evil.close()
    own = WidgetChat(security_stack.rasa_url, origin=security_stack.web_url)
    try:
        assert re.fullmatch(r"[0-9a-f]{32}", own.open())
        own.send("hello")
        assert own.replies()
    finally:
        own.close()


@pytest.mark.stack
def test_a_rest_client_cannot_write_into_a_widget_or_sms_conversation(security_stack, widget):
    chat = widget()
    session = chat.open()
    chat.send("I got an LT11")
    chat.replies()
    phone = new_phone()
    security_stack.sms(phone, "I got an LT11")
    security_stack.wait_stored_user_texts(phone, 1)
    for conversation in (session, phone):
        before = security_stack.stored_user_texts(conversation)
        response = security_stack.rest(conversation, "what did I tell you?")
        assert response.status_code == 403
        assert response.json()["error"] == "this conversation belongs to another channel; use a new sender id"
        assert security_stack.stored_user_texts(conversation) == before


@pytest.mark.stack
def test_a_rest_conversation_over_its_rate_gets_429_and_others_go_on(security_stack):
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    # The default: a burst of 30 per conversation, then one more every 2 seconds.
    started, accepted, limited = time.monotonic(), 0, None
    for n in range(80):
        response = security_stack.rest(sender, f"hello {n}")
        if response.status_code == 429:
            limited = response
            break
        assert response.status_code == 200
        accepted += 1
    elapsed = time.monotonic() - started
    assert limited is not None
    assert 30 <= accepted <= 30 + elapsed / 2 + 1
    assert limited.json() == {"error": SLOW_DOWN_REPLY, "status": 429}
    assert 1 <= int(limited.headers["Retry-After"]) <= 3
    assert len(security_stack.stored_user_texts(sender)) == accepted  # the refused one never reached the NLU
    assert security_stack.rest(f"calm-{uuid.uuid4().hex[:8]}", "hello").status_code == 200


@pytest.mark.stack
def test_no_secret_in_the_logs_or_in_error_messages(security_stack):
    env = security_stack.env
    secrets_ = [env["RASA_TOKEN"], env["SERVICE_TOKEN"], env["ADVISOR_TOKEN"], env["TWILIO_AUTH_TOKEN"]]
    # Use every secret, rightly and wrongly, so anything that logs requests would log them.
    requests.get(f"{security_stack.rasa_url}/status", params={"token": env["RASA_TOKEN"]}, timeout=30)
    wrong = requests.get(f"{security_stack.rasa_url}/status", params={"token": env["SERVICE_TOKEN"]}, timeout=30)
    queue = security_stack.queue("GET", "/api/handoffs", env["ADVISOR_TOKEN"])
    refused = security_stack.queue("GET", "/api/handoffs", env["RASA_TOKEN"])
    assert queue.status_code == 200 and refused.status_code == 401 and wrong.status_code == 401
    for answer in (wrong.text, refused.text):
        assert not any(secret in answer for secret in secrets_)
    for service in security_stack.stack.services:
        text = service.log_path.read_text(errors="replace")
        leaked = [name for name, secret in zip(("RASA", "SERVICE", "ADVISOR", "TWILIO"), secrets_) if secret in text]
        assert leaked == [], f"{service.name} logs {leaked}"


def test_the_repository_holds_no_env_file_and_ignores_it():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert ".env" not in tracked and not any(path.endswith("/.env") for path in tracked)
    ignored = subprocess.run(["git", "check-ignore", ".env"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.returncode == 0


# --- in-process channels with settings of their own --------------------------------------------------
async def post_rest(base_url, sender, text):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
            return response.status, await response.json(), response.headers.get("Retry-After")


async def test_the_per_ip_limit_spans_conversations(agent):
    door = door_for("rest", env={"RATE_LIMIT_IP": "3/min", "RATE_LIMIT_EXEMPT_IPS": ""})
    async with serve(rasa_app([IntakeRestInput(door)], agent)) as base_url:
        results = [await post_rest(base_url, f"ip-{n}", "hello") for n in range(4)]
    assert [status for status, _, _ in results] == [200, 200, 200, 429]
    assert results[3][1]["error"] == SLOW_DOWN_REPLY and int(results[3][2]) >= 1


def widget_channel(**kwargs):
    return IntakeSocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered",
                               session_persistence=True, **kwargs)


async def run(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def test_the_widget_says_slow_down_once_then_waits(agent):
    channel = widget_channel(door=door_for("socketio", env={"RATE_LIMIT_SESSION": "2/min"}), allowed_origins=frozenset({"*"}))
    async with serve(rasa_app([channel], agent)) as base_url:
        chat = WidgetChat(base_url)
        await run(chat.open)
        for _ in range(2):
            await run(chat.send, "hello")
            assert await run(chat.replies, 20, 0.5)
        await run(chat.send, "hello")
        assert await run(chat.replies, 20, 0.5) == [{"text": SLOW_DOWN_REPLY}]
        await run(chat.send, "hello")
        with pytest.raises(queue.Empty):
            await run(chat.replies, 2, 0.5)  # silence: the flood got its one answer
        await run(chat.close)


async def test_sms_says_slow_down_once_per_number(agent, tmp_path):
    door = door_for("sms", env={"RATE_LIMIT_SESSION_SMS": "2/min"}, default_max=1600)
    async with sms_harness(agent, tmp_path, door=door) as sms:
        phone = channel_phone()
        assert len(await sms.text(phone, "hello")) == 1
        assert len(await sms.text(phone, "hello")) == 1
        assert await sms.text(phone, "hello") == [SLOW_DOWN_SMS_REPLY]
        assert await sms.text(phone, "hello") == []
        assert len(await sms.text(channel_phone(), "hello")) == 1  # other numbers go on


async def test_signed_widget_sessions_reopen_only_with_the_servers_token(agent):
    signer = SessionSigner("a-test-secret-of-some-length", 30 * 86400)
    channel = widget_channel(door=door_for("socketio", env={}), signer=signer, allowed_origins=frozenset({"*"}))
    async with serve(rasa_app([channel], agent)) as base_url:
        first = WidgetChat(base_url)
        token = await run(first.open)
        session_id = signer.verify(token)
        assert session_id and token.startswith(session_id + ".")
        await run(first.send, "hello")
        await run(first.replies, 20, 0.5)
        await run(first.close)

        again = WidgetChat(base_url)
        assert await run(again.open, token) == token  # the same conversation, confirmed with what the widget stored
        await run(again.close)
        for forged in (session_id, token[:-2] + "xx", session_id + ".1.AAAAAAAAAAAAAAAAAAAAAA"):
            stranger = WidgetChat(base_url)
            got = await run(stranger.open, forged)
            assert signer.verify(got) not in (None, session_id)  # a fresh conversation instead
            await run(stranger.close)


# --- the web service's failed sign-ins -----------------------------------------------------------------
def test_failed_sign_ins_lock_the_address_out_valid_token_or_not(tmp_path):
    advisor = "adv-" + secrets.token_urlsafe(16)
    server = WebServer({"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'queue.db'}", "STATE_DIR": str(tmp_path),
                        "SERVICE_TOKEN": "svc-" + secrets.token_urlsafe(16), "ADVISOR_TOKEN": advisor,
                        "RASA_URL": "off", "SIGNIN_FAILURES": "5/min", "PRIVACY_PURGE_INTERVAL_HOURS": "0"},
                       tmp_path / "web.log").start()
    try:
        def me(token):
            return requests.get(f"{server.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)

        assert me(advisor).status_code == 200
        assert [me(f"guess-{n}").status_code for n in range(5)] == [401] * 5
        locked = me(advisor)
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
        assert locked.json()["error"].startswith("too many failed sign-ins from your address")
        assert me("guess-6").status_code == 429
        # Requests without a token are not sign-in attempts and never count.
        assert requests.get(f"{server.url}/api/me", timeout=10).status_code == 401
        assert advisor not in server.log()
    finally:
        server.stop()
