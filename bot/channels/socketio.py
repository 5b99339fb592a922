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
  wrong types, unreadable metadata) gets a clear reply instead of an exception;
- a browser may connect only from an allowed origin (WIDGET_ALLOWED_ORIGINS; default the web
  service's own, http://127.0.0.1:$WEB_PORT and http://localhost:$WEB_PORT), which stops other
  sites' pages from opening a socket in a visitor's name (clients without an Origin header,
  which no browser is, are let through: the rate limits are what holds them);
- with WIDGET_SESSION_SECRET set, the widget gets a signed session token instead of the bare
  id, and only tokens this server signed reopen a conversation (bot/channels/widget_sessions.py);
- the client's IP is kept with the socket for the per-IP rate limit; message metadata is
  redacted and capped (door.MAX_METADATA_BYTES) before Rasa stores it;
- every bot message carries `at` (its event's timestamp, as stored), `id` and `sender`
  (the assistant, or the advisor who typed it), so the widget labels each by who sent it;
- a returning widget asks for what it missed (`session_request` with `since`, the last `at`
  it holds) and gets those bot messages from the tracker: an advisor's reply sent while the
  tab was closed is not lost (Rasa itself replays nothing to a socket);
- a message is acknowledged (socket.io ack `{"ok": true, "id": ...}`) once its turn has run,
  so the widget marks it sent only then; a resent id is acknowledged and not run twice;
- a message the assistant leaves unanswered because an advisor holds the conversation is
  reported to the queue, which answers for an away advisor (bot/channels/handoff_events.py);
  a widget connecting or leaving is reported too, so the advisor sees whether they are online.
"""
from __future__ import annotations

import inspect
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Text
from urllib.parse import urlsplit

import rasa.core.channels.channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.door import Arrival, Door, OfferedPayloads, _Remembered, clean_metadata, door_for
from bot.channels.handoff_events import OFFLINE, ONLINE, Answer, HandoffEvents
from bot.channels.rasa_app import AgentRef, answer_while_paused, stored_tracker
from bot.channels.widget_sessions import SessionSigner
from bot.privacy import logs

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
ANY_ORIGIN = "*"
NO_SESSION_REPLY = "This chat lost its connection. Please reload the page to continue."
NO_TEXT_REPLY = "Please type a message."
TROUBLE_REPLY = "Sorry, something went wrong on our side. Please try again in a minute."
# A returning widget gets at most this many missed bot messages (the newest).
MAX_REPLAY = 100
CLIENT_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def sender_of(message: Mapping[str, Any]) -> Dict[str, Any]:
    """Who a bot message is from (docs/handoff.md): the advisor only when they typed it."""
    handoff = message.get("handoff") if isinstance(message.get("handoff"), dict) else {}
    advisor = handoff.get("advisor") if isinstance(handoff.get("advisor"), str) else None
    said_by = message.get("from")
    if said_by == "advisor" or (said_by is None and advisor and not message.get("custom")):
        return {"kind": "advisor", "name": advisor or "Advisor"}
    return {"kind": "assistant"}


def normalise_origin(origin: str) -> str:
    """scheme://host[:port], lower case, default ports dropped, no path or trailing slash."""
    parts = urlsplit(origin.strip())
    if not parts.scheme or not parts.hostname:
        return origin.strip().lower().rstrip("/")
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port and not (scheme, port) in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def allowed_origins_from_env(env: Mapping[str, str] = os.environ) -> FrozenSet[str]:
    """WIDGET_ALLOWED_ORIGINS (comma-separated, or *), else the web service's own origin."""
    raw = (env.get("WIDGET_ALLOWED_ORIGINS") or "").strip()
    if raw:
        entries = [entry for entry in raw.split(",") if entry.strip()]
        if any(entry.strip() == ANY_ORIGIN for entry in entries):
            return frozenset({ANY_ORIGIN})
        return frozenset(normalise_origin(entry) for entry in entries)
    port = (env.get("WEB_PORT") or "8080").strip()
    return frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}"})


def origin_allowed(origin: Optional[str], allowed: FrozenSet[str]) -> bool:
    if not origin:  # not a browser: no page of another site can be behind it
        return True
    return ANY_ORIGIN in allowed or normalise_origin(origin) in allowed


def client_ip(environ: Mapping[str, Any]) -> Optional[str]:
    """The socket's client address as Sanic sees it (proxy headers per SANIC_* settings)."""
    request = environ.get("sanic.request") if isinstance(environ, Mapping) else None
    if request is None:
        return None
    try:
        return request.remote_addr or request.ip or None
    except Exception:
        return None


def new_session_id() -> str:
    """32 random hex digits, never with a run of nine digits in it: conversation ids are stored
    in the clear, and a scanner looking for SSN-shaped numbers should find none."""
    while True:
        session_id = uuid.uuid4().hex
        if not re.search(r"\d{9}", session_id):
            return session_id


def valid_session_id(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and SESSION_ID.match(value) else None


async def maybe_await(result: Any) -> Any:
    """python-socketio made some server methods coroutines in 5.10; work with either."""
    return await result if inspect.isawaitable(result) else result


class IntakeSocketIOOutput(SocketIOOutput):
    def __init__(self, sio: Any, bot_message_evt: Text, offered: Optional[OfferedPayloads] = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.offered = offered
        self.sent = 0  # bot messages sent through this output
        self._stamp: Dict[str, Any] = {}
        self._part = 0

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        # Rasa passes each bot event's message(): its timestamp and metadata ride along, and
        # every socket message it becomes is stamped with them.
        at = message.get("timestamp")
        self._stamp = {"sender": sender_of(message)}
        if isinstance(at, (int, float)):
            self._stamp["at"] = at
        self._part = 0
        self.sent += 1
        try:
            await super().send_response(recipient_id, dict(message))
        finally:
            self._stamp = {}

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if self._stamp and isinstance(response, dict):
            response = {**response, **self._stamp}
            if "at" in self._stamp:
                response["id"] = f"{self._stamp['at']!r}:{self._part}"
            self._part += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        if self.offered is not None:  # a click sends the payload back: the door lets it through
            self.offered.remember(recipient_id, buttons)
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        elements = list(elements)
        if self.offered is not None:
            for element in elements:
                if isinstance(element, dict):
                    self.offered.remember(recipient_id, element.get("buttons"))
        await super().send_elements(recipient_id, elements, **kwargs)


class IntakeSocketIOInput(SocketIOInput):
    def __init__(
        self,
        *args: Any,
        door: Optional[Door] = None,
        allowed_origins: Optional[FrozenSet[str]] = None,
        signer: Optional[SessionSigner] = None,
        events: Optional[HandoffEvents] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.door = door or door_for(self.name())
        self.allowed_origins = allowed_origins if allowed_origins is not None else allowed_origins_from_env()
        self.signer = signer if signer is not None else SessionSigner.from_env()
        self.events = events if events is not None else HandoffEvents.from_env()
        self.rasa = AgentRef()
        self._handled = _Remembered()  # (conversation, client message id) already run

    def session_from(self, value: Any) -> Optional[str]:
        """The conversation id a client may reopen: a token we signed, or (unsigned mode) an id."""
        if self.signer is not None:
            return self.signer.verify(value)
        return valid_session_id(value)

    def session_handle(self, session_id: str) -> str:
        """What the widget stores: the signed token, or the bare id."""
        return self.signer.issue(session_id) if self.signer is not None else session_id

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return IntakeSocketIOOutput(self.sio, self.bot_message_evt, self.door.offered)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)  # health route, connect, disconnect
        self.rasa.attach(blueprint)
        sio = self.sio

        @blueprint.listener("before_server_stop")
        async def all_offline(_app: Any, _loop: Any) -> None:
            # Sockets die with this server without a disconnect event: the advisor must not go on
            # seeing these taxpayers online. (A killed server cannot say so; see docs/channels.md.)
            for session_id in self._conversations_here():
                self.events.report_later(session_id, self.name(), OFFLINE)
            await self.events.drain()

        async def say(sid_or_room: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid_or_room)

        async def join(sid: Text, session_id: Text) -> None:
            if self.session_persistence:
                await maybe_await(sio.enter_room(sid, session_id, namespace=self.namespace))
            session = await sio.get_session(sid, namespace=self.namespace)
            session = dict(session) if isinstance(session, dict) else {}
            session["session_id"] = session_id
            await sio.save_session(sid, session, namespace=self.namespace)

        # Registering a handler again for the same event replaces Rasa's.
        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN") if isinstance(environ, dict) else None
            if not origin_allowed(origin, self.allowed_origins):
                logger.info("socket refused: origin %s is not in WIDGET_ALLOWED_ORIGINS", logs.log_id(origin))
                return False
            if self.jwt_key:  # Rasa's own optional JWT check, kept
                token = auth.get("token") if isinstance(auth, dict) else None
                if not token or not rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm):
                    return False
            await sio.save_session(sid, {"ip": client_ip(environ)}, namespace=self.namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = self.session_from(asked)
            # The widget keeps its history only when it gets back exactly what it stored.
            handle = asked if session_id else None
            if not session_id:
                session_id = new_session_id()
                handle = self.session_handle(session_id)
            await join(sid, session_id)
            await sio.emit("session_confirm", handle, room=sid, namespace=self.namespace)
            logger.debug("socket %s joined conversation %s", sid, session_id)
            since = data.get("since") if isinstance(data, dict) and handle == asked else None
            if isinstance(since, (int, float)) and not isinstance(since, bool):
                await self._replay(sid, session_id, float(since))
            self.events.report_later(session_id, self.name(), ONLINE)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            session = await sio.get_session(sid, namespace=self.namespace)
            session_id = session.get("session_id") if isinstance(session, dict) else None
            if session_id and not self._others_in(session_id, sid):
                self.events.report_later(session_id, self.name(), OFFLINE)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> Dict[str, Any]:
            # The return value is the socket.io acknowledgement the widget waits for.
            if not isinstance(data, dict):
                await say(sid, NO_TEXT_REPLY)
                return {"ok": False, "error": "not a message"}
            client_id = data.get("id") if isinstance(data.get("id"), str) and CLIENT_MESSAGE_ID.match(data["id"]) else None
            sender_id = await self._sender_for(sid, data, join)
            if sender_id is None:
                await say(sid, NO_SESSION_REPLY)
                return {"ok": False, "id": client_id, "error": "no conversation"}
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                await say(sid, NO_TEXT_REPLY)
                return {"ok": False, "id": client_id, "error": "no text"}
            if client_id and not self._handled.add(f"{sender_id}:{client_id}"):
                # Sent again after a lost acknowledgement (reload, reconnect): it has been run.
                return {"ok": True, "id": client_id, "duplicate": True}
            answer = await self._turn(sid, sender_id, text, data, say, on_new_message)
            # The turn's replies went out before this: the widget stops its typing dots on it.
            return {"ok": True, "id": client_id, "advisor_live": bool(answer and answer.advisor_live)}

        return blueprint

    async def _turn(self, sid: Text, sender_id: Text, text: Text, data: Dict[Text, Any],
                    say: Callable[[Text, Text], Awaitable[None]],
                    on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Optional[Answer]:
        """Runs one message through the door and Rasa; the queue's answer when it was unanswered."""
        sio = self.sio
        output = IntakeSocketIOOutput(sio, self.bot_message_evt, self.door.offered)
        target = sender_id if self.session_persistence else sid
        session = await sio.get_session(sid, namespace=self.namespace)
        ip = session.get("ip") if isinstance(session, dict) else None
        arrival = await self.door.admit(Arrival(text, sender_id, self.name(), client_ip=ip))
        if arrival.refused is not None:
            # A refused message is answered on this socket only, not the conversation's room.
            for notice in arrival.notices:
                await say(sid, notice)
            if arrival.refused.strip():
                await say(sid, arrival.refused)
            return None
        for notice in arrival.notices:
            await say(target, notice)
        message = UserMessage(
            arrival.text,
            output,
            sender_id,
            input_channel=self.name(),
            metadata=_metadata(data.get(self.metadata_key)),
        )
        with logs.conversation(sender_id):
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("conversation %s: the turn failed", logs.log_id(sender_id))
                await say(target, TROUBLE_REPLY)
                return None
            if output.sent:
                return None
            # Paused: an advisor holds the conversation; the queue answers for them if away.
            paused = await answer_while_paused(self.rasa.app, self.events, sender_id, self.name(), arrival.text)
            if paused is None:
                return None
            answer, to_say = paused
            if to_say:
                await say(target, to_say)
            return answer

    def _conversations_here(self) -> List[Text]:
        """The conversations with a socket on this server (their rooms are named by their id)."""
        try:
            rooms = self.sio.manager.rooms.get(self.namespace or "/", {})
        except Exception:
            return []
        return [room for room in rooms if isinstance(room, str) and SESSION_ID.match(room)]

    def _others_in(self, session_id: Text, sid: Text) -> bool:
        """Another socket of this server is still in the conversation's room."""
        try:
            return any(other != sid for other, _ in self.sio.manager.get_participants(self.namespace or "/", session_id))
        except Exception:  # no such room
            return False

    async def _replay(self, sid: Text, session_id: Text, since: float) -> None:
        """Sends this socket the bot messages stored after `since` (what the widget missed)."""
        tracker = await stored_tracker(self.rasa.app, session_id)
        if tracker is None:
            return
        missed = [event for event in tracker.events
                  if getattr(event, "type_name", None) == "bot" and (event.timestamp or 0) > since]
        output = IntakeSocketIOOutput(self.sio, self.bot_message_evt, self.door.offered)
        for event in missed[-MAX_REPLAY:]:
            await output.send_response(sid, event.message())

    async def _sender_for(self, sid: Text, data: Dict[Text, Any], join: Callable[[Text, Text], Awaitable[None]]) -> Optional[Text]:
        if not self.session_persistence:
            return sid
        session = await self.sio.get_session(sid, namespace=self.namespace)
        confirmed = session.get("session_id") if isinstance(session, dict) else None
        if confirmed:
            return confirmed
        # A message before any session_request (a client that skipped it): adopt a
        # well-formed id (a valid token, when tokens are signed) once, as session_request would.
        asked = self.session_from(data.get("session_id"))
        if asked:
            await join(sid, asked)
        return asked


def _metadata(raw: Any) -> Dict[Text, Any]:
    return clean_metadata(raw)
