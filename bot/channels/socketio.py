"""The website widget's channel: Rasa's socket.io channel with its 3.6 flaws fixed.

Register it in credentials.yml as `bot.channels.socketio.IntakeSocketIOInput:` with
`session_persistence: true`. Its name stays "socketio", so `output_channel=latest` on Rasa's
API (advisor replies, handoff state) still finds it. What it changes:
- `enter_room` is awaited when python-socketio makes it a coroutine (>= 5.10); Rasa 3.6.21
  calls it without await, so persistent sessions received no bot messages;
- a custom payload is sent as `{"custom": {...}}` on the bot event; Rasa passes it flat to
  `emit(**payload)`, which fails for any payload that is not emit's own keyword arguments;
- the conversation id is the one confirmed to this socket at `session_request`, not whatever
  id a message names, and only our own id shape (32 hex digits) is accepted, so a browser
  cannot join an SMS conversation (whose id is a phone number) or someone else's;
- every message passes the channel door (bot/channels/door.py) first; bad input (no text,
  wrong types, unreadable metadata) gets a clear reply instead of an exception.
"""
from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.door import Arrival, Door, door_for

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
NO_SESSION_REPLY = "This chat lost its connection. Please reload the page to continue."
NO_TEXT_REPLY = "Please type a message."
TROUBLE_REPLY = "Sorry, something went wrong on our side. Please try again in a minute."


def new_session_id() -> str:
    return uuid.uuid4().hex


def valid_session_id(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and SESSION_ID.match(value) else None


async def maybe_await(result: Any) -> Any:
    """python-socketio made some server methods coroutines in 5.10; work with either."""
    return await result if inspect.isawaitable(result) else result


class IntakeSocketIOOutput(SocketIOOutput):
    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class IntakeSocketIOInput(SocketIOInput):
    def __init__(self, *args: Any, door: Optional[Door] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.door = door or door_for(self.name())

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return IntakeSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)  # health route, connect, disconnect
        sio = self.sio

        async def say(sid_or_room: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid_or_room)

        async def join(sid: Text, session_id: Text) -> None:
            if self.session_persistence:
                await maybe_await(sio.enter_room(sid, session_id, namespace=self.namespace))
            await sio.save_session(sid, {"session_id": session_id}, namespace=self.namespace)

        # Registering a handler again for the same event replaces Rasa's.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = valid_session_id(asked) or new_session_id()
            await join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("socket %s joined conversation %s", sid, session_id)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                await say(sid, NO_TEXT_REPLY)
                return
            sender_id = await self._sender_for(sid, data, join)
            if sender_id is None:
                await say(sid, NO_SESSION_REPLY)
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                await say(sid, NO_TEXT_REPLY)
                return
            output = IntakeSocketIOOutput(sio, self.bot_message_evt)
            target = sender_id if self.session_persistence else sid
            arrival = await self.door.admit(Arrival(text, sender_id, self.name()))
            for notice in arrival.notices:
                await say(target, notice)
            if arrival.refused is not None:
                if arrival.refused.strip():
                    await say(target, arrival.refused)
                return
            message = UserMessage(
                arrival.text,
                output,
                sender_id,
                input_channel=self.name(),
                metadata=_metadata(data.get(self.metadata_key)),
            )
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("conversation %s: the turn failed", sender_id)
                await say(target, TROUBLE_REPLY)

        return blueprint

    async def _sender_for(self, sid: Text, data: Dict[Text, Any], join: Callable[[Text, Text], Awaitable[None]]) -> Optional[Text]:
        if not self.session_persistence:
            return sid
        session = await self.sio.get_session(sid, namespace=self.namespace)
        confirmed = session.get("session_id") if isinstance(session, dict) else None
        if confirmed:
            return confirmed
        # A message before any session_request (a client that skipped it): adopt a
        # well-formed id once, exactly as session_request would.
        asked = valid_session_id(data.get("session_id"))
        if asked:
            await join(sid, asked)
        return asked


def _metadata(raw: Any) -> Dict[Text, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}
