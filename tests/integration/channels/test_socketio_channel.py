"""The widget's socket.io channel in a real Rasa app, driven by python-socketio's sync client
over polling (its async websocket client needs an aiohttp newer than rasa allows)."""
from __future__ import annotations

import asyncio
import queue
import re
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
import socketio

from rasa.core.channels.socketio import SocketIOInput

from bot.channels.socketio import IntakeSocketIOInput, NO_SESSION_REPLY, NO_TEXT_REPLY

from tests.integration.channels.conftest import API_TOKEN, rasa_app, serve

WAIT = 10.0
STAMP = ("at", "id", "sender")  # on every bot message from a Rasa turn (checked in the stamp tests)


class Chat:
    """One browser tab: a sync socket.io client collecting what the bot sends."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.client = socketio.Client(reconnection=False)
        self.received: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.confirmed: "queue.Queue[str]" = queue.Queue()
        self.client.on("bot_uttered", self.received.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.session_id: Optional[str] = None

    def open(self, session_id: Optional[str] = None, **request: Any) -> str:
        self.client.connect(self.base_url, transports=["polling"], socketio_path="socket.io", wait_timeout=WAIT)
        self.client.emit("session_request", {"session_id": session_id, **request})
        self.session_id = self.confirmed.get(timeout=WAIT)
        return self.session_id

    def call(self, text: str, message_id: Optional[str] = None) -> Any:
        """Sends a message and waits for the server's acknowledgement (what the widget does)."""
        data = {"message": text, "session_id": self.session_id, **({"id": message_id} if message_id else {})}
        return self.client.call("user_uttered", data, timeout=WAIT)

    def say(self, text: Any, session_id: Optional[str] = "mine", **extra: Any) -> None:
        data = {"message": text, "session_id": self.session_id if session_id == "mine" else session_id, **extra}
        self.client.emit("user_uttered", data)

    def emit_raw(self, data: Any) -> None:
        self.client.emit("user_uttered", data)

    def stamped(self, count: int) -> List[Dict[str, Any]]:
        return [self.received.get(timeout=WAIT) for _ in range(count)]

    def replies(self, count: int) -> List[Dict[str, Any]]:
        return [{k: v for k, v in m.items() if k not in STAMP} for m in self.stamped(count)]

    def nothing_more(self, wait: float = 1.0) -> bool:
        try:
            self.received.get(timeout=wait)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.client.disconnect()


async def run(fn, *args, **kwargs):
    return await asyncio.to_thread(fn, *args, **kwargs)


def channel(cls=IntakeSocketIOInput):
    return cls(user_message_evt="user_uttered", bot_message_evt="bot_uttered", session_persistence=True)


@pytest.fixture
async def widget_server(agent):
    web = channel()
    async with serve(rasa_app([web], agent)) as base_url:
        yield base_url, web


async def tracker(base_url: str, conversation_id: str) -> Dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/conversations/{conversation_id}/tracker", params={"token": API_TOKEN}) as r:
            return await r.json()


def user_texts(tracker_json):
    return [e["text"] for e in tracker_json["events"] if e["event"] == "user"]


async def test_a_persistent_session_gets_the_bots_replies(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    session_id = await run(chat.open)
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    await run(chat.say, "hello")
    assert await run(chat.replies, 2) == [
        {"text": "Hello! I help people with IRS notices."},
        {"text": "Which notice did you get?"},
    ]
    await run(chat.close)
    assert user_texts(await tracker(base_url, session_id)) == ["hello"]


async def test_a_reconnect_with_the_stored_id_continues_the_same_conversation(widget_server):
    base_url, _ = widget_server
    first = Chat(base_url)
    session_id = await run(first.open)
    await run(first.say, "hello")
    await run(first.replies, 2)
    await run(first.close)

    again = Chat(base_url)  # a reload: new socket, the id from storage
    assert await run(again.open, session_id) == session_id
    await run(again.say, "deadline")
    text, card = await run(again.replies, 2)
    assert text == {"text": "Your last day to ask for a hearing is Monday, December 28, 2026: 31 days left."}
    assert card == {
        "custom": {
            "type": "deadline_card", "kind": "cdp", "title": "Last day to request a Collection Due Process hearing",
            "notice": "LT11", "notice_date": "2026-11-27", "last_day": "2026-12-28", "weekday": "Monday",
            "days_left": 31, "status": "open", "equivalent_hearing_last_day": "2027-11-29",
        }
    }
    await run(again.close)
    assert user_texts(await tracker(base_url, session_id)) == ["hello", "deadline"]


async def test_buttons_arrive_as_quick_replies(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    await run(chat.open)
    await run(chat.say, "advisor")
    (message,) = await run(chat.replies, 1)
    assert message["text"] == "Do you want an advisor to call you?"
    assert [(q["title"], q["payload"]) for q in message["quick_replies"]] == [("Yes, call me", "/affirm"), ("No thanks", "/deny")]
    await run(chat.say, "/affirm")
    assert await run(chat.replies, 1) == [{"text": "Good. An advisor will call you today."}]
    await run(chat.close)


async def test_pushed_messages_reach_every_tab_of_the_conversation(widget_server):
    """What the handoff queue does: bot events through Rasa's API with output_channel=latest."""
    base_url, _ = widget_server
    tab1, tab2 = Chat(base_url), Chat(base_url)
    session_id = await run(tab1.open)
    await run(tab2.open, session_id)
    await run(tab1.say, "hello")
    await run(tab1.replies, 2)
    await run(tab2.replies, 2)  # both tabs are in the conversation's room
    url = f"{base_url}/conversations/{session_id}/tracker/events"
    params = {"token": API_TOKEN, "execute_side_effects": "true", "output_channel": "latest"}
    events = [
        {"event": "bot", "text": None, "data": {"custom": {"type": "handoff", "state": "joined", "advisor": "Dana"}}},
        {"event": "bot", "text": "Hi, I'm Dana. I've read your case."},
    ]
    async with aiohttp.ClientSession() as http:
        async with http.post(url, params=params, json=events) as response:
            assert response.status == 200, await response.text()
    expected = [{"custom": {"type": "handoff", "state": "joined", "advisor": "Dana"}}, {"text": "Hi, I'm Dana. I've read your case."}]
    assert await run(tab1.replies, 2) == expected
    assert await run(tab2.replies, 2) == expected
    await run(tab1.close)
    await run(tab2.close)


async def test_a_session_id_that_is_not_ours_is_replaced(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    # An SMS conversation's id is a phone number: a browser must not be able to join it.
    session_id = await run(chat.open, "+15550100199")
    assert session_id != "+15550100199" and re.fullmatch(r"[0-9a-f]{32}", session_id)
    await run(chat.close)


async def test_a_message_naming_another_conversation_stays_in_its_own(widget_server):
    base_url, _ = widget_server
    victim, attacker = Chat(base_url), Chat(base_url)
    victim_id = await run(victim.open)
    attacker_id = await run(attacker.open)
    await run(attacker.say, "hello", session_id=victim_id)
    await run(attacker.replies, 2)
    assert await run(victim.nothing_more)
    assert user_texts(await tracker(base_url, victim_id)) == []
    assert user_texts(await tracker(base_url, attacker_id)) == ["hello"]
    await run(victim.close)
    await run(attacker.close)


async def test_bad_messages_get_clear_replies(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    session_id = await run(chat.open)
    await run(chat.emit_raw, "just a string")
    await run(chat.say, "")
    await run(chat.say, {"not": "text"})
    await run(chat.say, "hello", metadata="{not json")
    replies = await run(chat.replies, 5)
    assert replies[:3] == [{"text": NO_TEXT_REPLY}] * 3
    assert replies[3:] == [{"text": "Hello! I help people with IRS notices."}, {"text": "Which notice did you get?"}]
    assert user_texts(await tracker(base_url, session_id)) == ["hello"]
    await run(chat.close)


async def test_a_message_before_any_session_request_is_answered(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    await run(chat.client.connect, base_url, transports=["polling"], socketio_path="socket.io", wait_timeout=WAIT)
    chat.session_id = None
    await run(chat.say, "hello")
    assert await run(chat.replies, 1) == [{"text": NO_SESSION_REPLY}]
    await run(chat.close)


async def test_an_overlong_message_is_cut_with_a_notice(agent, monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS_SOCKETIO", "50")
    web = channel()
    async with serve(rasa_app([web], agent)) as base_url:
        chat = Chat(base_url)
        session_id = await run(chat.open)
        await run(chat.say, "hello " + "x" * 200)
        notice, *_ = await run(chat.replies, 3)
        assert notice == {"text": "Your message was very long, so I read only the first 50 characters. Short messages work best."}
        assert len(user_texts(await tracker(base_url, session_id))[0]) <= 50
        await run(chat.close)


def make_enter_room_a_coroutine(sio) -> None:
    """What python-socketio 5.10 did: AsyncServer.enter_room became `async def`."""
    sync_enter_room = sio.enter_room

    async def enter_room(sid, room, namespace=None):
        return sync_enter_room(sid, room, namespace=namespace)

    sio.enter_room = enter_room


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # Rasa's un-awaited coroutine
@pytest.mark.parametrize("cls, delivered", [(SocketIOInput, False), (IntakeSocketIOInput, True)])
async def test_with_a_coroutine_enter_room_only_our_channel_delivers(agent, cls, delivered):
    web = channel(cls)
    async with serve(rasa_app([web], agent)) as base_url:
        make_enter_room_a_coroutine(web.sio)
        chat = Chat(base_url)
        await run(chat.open)
        await run(chat.say, "hello")
        if delivered:
            assert len(await run(chat.replies, 2)) == 2
        else:
            assert await run(chat.nothing_more, 3.0)  # Rasa 3.6.21's bug, reproduced
        await run(chat.close)


async def test_rasas_own_channel_fails_on_a_custom_payload_and_ours_does_not(agent):
    """Rasa passes a custom payload flat to emit(**payload): our card is not emit's kwargs."""
    for cls, expect_card in [(SocketIOInput, False), (IntakeSocketIOInput, True)]:
        web = channel(cls)
        async with serve(rasa_app([web], agent)) as base_url:
            chat = Chat(base_url)
            await run(chat.open)
            await run(chat.say, "deadline")
            (text,) = await run(chat.replies, 1)
            assert text["text"].startswith("Your last day")
            if expect_card:
                (card,) = await run(chat.replies, 1)
                assert card["custom"]["type"] == "deadline_card"
            else:
                assert await run(chat.nothing_more, 2.0)
            await run(chat.close)


# --- who sent it, what a returning widget missed, acknowledgements (issue 14) ---------------------

async def post_bot_events(base_url: str, session_id: str, events: List[Dict[str, Any]]) -> None:
    """What the handoff queue does (bot/handoff/rasa_api.py): deliver through the latest channel."""
    params = {"token": API_TOKEN, "execute_side_effects": "true", "output_channel": "latest"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/conversations/{session_id}/tracker/events", params=params, json=events) as r:
            assert r.status == 200, await r.text()


async def test_every_bot_message_carries_its_stored_time_and_who_sent_it(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    session_id = await run(chat.open)
    await run(chat.say, "hello")
    first, second = await run(chat.stamped, 2)
    stored = [e for e in (await tracker(base_url, session_id))["events"] if e["event"] == "bot"]
    # One stored bot event whose two paragraphs arrive as two messages: one time, two ids.
    assert [first["at"], second["at"]] == [stored[0]["timestamp"]] * 2 and len(stored) == 1
    assert first["sender"] == second["sender"] == {"kind": "assistant"}
    assert first["id"] != second["id"]
    await post_bot_events(base_url, session_id, [
        # The queue's own notice names the advisor but is the assistant speaking ...
        {"event": "bot", "text": "Dana Reyes, an advisor at the firm, has joined.",
         "data": {"custom": {"type": "handoff", "state": "joined", "advisor": "Dana Reyes"}},
         "metadata": {"from": "assistant", "handoff": {"case_id": 1, "advisor": "Dana Reyes"}}},
        # ... the advisor's reply is theirs.
        {"event": "bot", "text": "Hi, I'm Dana.", "metadata": {"from": "advisor", "handoff": {"case_id": 1, "advisor": "Dana Reyes"}}},
    ])
    notice_text, notice_custom, reply = await run(chat.stamped, 3)
    assert notice_text["sender"] == notice_custom["sender"] == {"kind": "assistant"}
    assert notice_text["at"] == notice_custom["at"] and notice_text["id"] != notice_custom["id"]
    assert reply["text"] == "Hi, I'm Dana." and reply["sender"] == {"kind": "advisor", "name": "Dana Reyes"}
    await run(chat.close)


async def test_a_returning_widget_gets_what_the_advisor_sent_while_it_was_closed(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    session_id = await run(chat.open)
    await run(chat.say, "hello")
    seen = await run(chat.stamped, 2)
    await run(chat.close)  # the tab is closed ...
    await post_bot_events(base_url, session_id, [
        {"event": "bot", "text": None, "data": {"custom": {"type": "handoff", "state": "joined", "advisor": "Dana Reyes"}},
         "metadata": {"from": "assistant", "handoff": {"case_id": 7, "advisor": "Dana Reyes"}}},
        {"event": "bot", "text": "Hi, it's Dana. Is now a good time to call?",
         "metadata": {"from": "advisor", "handoff": {"case_id": 7, "advisor": "Dana Reyes"}}},
    ])
    back = Chat(base_url)  # ... and opened again: it asks for what came after the last it saw
    assert await run(back.open, session_id, since=seen[-1]["at"]) == session_id
    missed = await run(back.stamped, 2)
    assert missed[0]["custom"] == {"type": "handoff", "state": "joined", "advisor": "Dana Reyes"}
    assert missed[1]["text"] == "Hi, it's Dana. Is now a good time to call?"
    assert missed[1]["sender"] == {"kind": "advisor", "name": "Dana Reyes"}
    assert await run(back.nothing_more)  # nothing it had already
    await run(back.close)

    fresh = Chat(base_url)  # a widget that holds nothing to compare with is not flooded
    await run(fresh.open, session_id)
    assert await run(fresh.nothing_more)
    await run(fresh.close)


async def test_a_replay_is_only_for_the_conversation_the_socket_may_open(widget_server):
    base_url, _ = widget_server
    owner = Chat(base_url)
    session_id = await run(owner.open)
    await run(owner.say, "hello")
    await run(owner.replies, 2)
    stranger = Chat(base_url)  # a made-up id is replaced by a new conversation: nothing replayed
    assert await run(stranger.open, "f" * 32, since=0) != session_id
    assert await run(stranger.nothing_more)
    await run(owner.close)
    await run(stranger.close)


async def test_a_message_is_acknowledged_after_its_turn_and_a_resend_is_not_run_twice(widget_server):
    base_url, _ = widget_server
    chat = Chat(base_url)
    session_id = await run(chat.open)
    ack = await run(chat.call, "hello", "m-1")
    assert ack == {"ok": True, "id": "m-1", "advisor_live": False}
    assert len(await run(chat.replies, 2)) == 2  # the replies came before the acknowledgement
    again = await run(chat.call, "hello", "m-1")  # the widget lost the ack (reload) and resends
    assert again == {"ok": True, "id": "m-1", "duplicate": True}
    assert await run(chat.nothing_more)
    assert user_texts(await tracker(base_url, session_id)) == ["hello"]
    assert (await run(chat.call, "   ", "m-2"))["ok"] is False
    await run(chat.close)


async def test_a_paused_conversation_is_never_silent_even_without_the_queue(widget_server):
    """The queue cannot be asked here (no SERVICE_TOKEN): the channel's own honest answer."""
    base_url, web = widget_server
    assert not web.events.enabled
    chat = Chat(base_url)
    session_id = await run(chat.open)
    await run(chat.say, "hello")
    await run(chat.replies, 2)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/conversations/{session_id}/tracker/events",
                             params={"token": API_TOKEN}, json=[{"event": "pause"}]) as r:
            assert r.status == 200
    ack = await run(chat.call, "hello? is anyone there?", "m-9")
    assert ack["ok"] is True
    (answer,) = await run(chat.replies, 1)
    assert "saved your message" in answer["text"] and "(555) 010-0142" in answer["text"]
    assert user_texts(await tracker(base_url, session_id))[-1] == "hello? is anyone there?"
    await run(chat.close)


# --- presence, reported to the real queue (issue 14) -------------------------------------------

@pytest.fixture
def queue_service(tmp_path):
    from tests.integration.handoff.support import Api, WebServer

    tokens = {"SERVICE_TOKEN": "svc-presence-test", "ADVISOR_TOKEN": "adv-presence-test"}
    web = WebServer({**tokens, "RASA_URL": "off", "STATE_DIR": str(tmp_path),
                     "HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'handoff.db'}"}, tmp_path / "web.log").start()
    try:
        yield web, Api(web.url, tokens["SERVICE_TOKEN"], tokens["ADVISOR_TOKEN"])
    finally:
        web.stop()


async def eventually(check, timeout: float = WAIT) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.1)


async def test_the_case_shows_the_taxpayer_online_and_offline_when_the_server_stops(agent, queue_service):
    """Closing tabs is tested in Chromium (test_stack_handoff.py, the dashboard's live tests): the
    sync test client's disconnect is noticed only at the next ping timeout."""
    from bot.channels.handoff_events import HandoffEvents
    from tests.unit.handoff.cases import escalation

    web_service, api = queue_service
    events = HandoffEvents(f"{web_service.url}/api", api.service_token)
    web = IntakeSocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered",
                              session_persistence=True, events=events)
    online = lambda case_id: api.case(case_id)["taxpayer"]["online"]  # noqa: E731
    async with serve(rasa_app([web], agent)) as base_url:
        tab = Chat(base_url)
        session_id = await run(tab.open)
        case_id = (await run(api.escalate, escalation(conversation_id=session_id, channel="socketio"))).json()["id"]
        await events.drain()
        assert online(case_id) is True  # reported before the case existed, kept with the conversation
    # The server stopped with the tab still open: no disconnect event came, the channel said so.
    assert online(case_id) is False
    await run(tab.close)
