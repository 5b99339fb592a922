"""Rasa's REST channel with the door in front: same name, same path, same answers.

Register it in credentials.yml as `bot.channels.rest.IntakeRestInput:` in place of `rest:`.
`POST /webhooks/rest/webhook` with `{"sender": "...", "message": "..."}` answers a JSON list
of the bot's messages exactly as Rasa's own channel does. What it adds:
- every message passes the door (bot/channels/door.py): rate limits per sender and per client
  IP (a refused message gets 429 with a JSON error and Retry-After), cleaning, command guard,
  redaction, the length cut; the door's notices come first in the answer;
- a body of the wrong shape gets a 400 with a JSON error naming the field, never a 500:
  not JSON, not an object, `sender` missing / not text / longer than 255 characters / holding
  an SSN-shaped number, `message` not text, `metadata` not an object;
- an empty or blank message is answered ("Please type a message."), not run through the NLU;
- `input_channel` in the body is ignored: a REST client cannot pass itself off as the widget
  or SMS (Rasa's `output_channel=latest` would then text an advisor's reply to a number);
- a conversation another channel owns (its latest message came from the widget or by SMS)
  cannot be written to over REST (403): a REST client cannot inject into someone's chat or
  read the bot's answers to it by naming their phone number or session id;
- metadata is redacted and capped like the widget's;
- a message the assistant leaves unanswered because an advisor holds the conversation is
  reported to the queue (bot/channels/handoff_events.py), and its answer for an away advisor
  is in the response (Rasa records it; a REST client has no socket to push it to).
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.door import MAX_METADATA_BYTES, RATE_LIMITED, SLOW_DOWN_REPLY, Arrival, Door, clean_metadata, door_for
from bot.channels.handoff_events import HandoffEvents
from bot.channels.rasa_app import answer_while_paused
from bot.privacy import logs
from bot.stores.errors import StoreUnavailable
from bot.stores.rasa_hooks import tell_to_try_again

logger = logging.getLogger(__name__)

CHANNEL_NAME = "rest"
MAX_SENDER_CHARS = 255  # the SQL tracker store's sender_id column
NO_TEXT_REPLY = "Please type a message."
# A conversation id is stored in the clear (the SQL tracker store's sender_id): it may not be
# a nine-digit identifier on its own (123-45-6789, 12-3456789, user-123456789). Digits inside
# a random id (test-1a2b3c..., a hex uuid) and longer numbers (timestamps) are fine.
NUMBER_LIKE_AN_SSN = re.compile(
    r"(?<![A-Za-z0-9])(?:\d{3}([-. ]?)\d{2}\1\d{4}|\d{2}-\d{7})(?![A-Za-z0-9])"
)
TROUBLE_REPLY = "Sorry, something went wrong on our side. Please try again in a minute."


def error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": message, "status": status}, status=status, headers=headers)


class BadBody(ValueError):
    pass


def parse_body(raw: bytes) -> Dict[str, Any]:
    """The request body as the channel accepts it, or BadBody naming what is wrong."""
    if not raw:
        raise BadBody('the body must be JSON: {"sender": "...", "message": "..."}')
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadBody("the body is not valid JSON (UTF-8)") from None
    if not isinstance(body, dict):
        raise BadBody('the body must be a JSON object: {"sender": "...", "message": "..."}')
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise BadBody("sender must be a non-empty string (the conversation id)")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadBody(f"sender must be at most {MAX_SENDER_CHARS} characters")
    if any(ord(char) < 32 or 0xD800 <= ord(char) <= 0xDFFF for char in sender):
        raise BadBody("sender must not contain control characters")
    if NUMBER_LIKE_AN_SSN.search(sender):
        raise BadBody("sender looks like an SSN or a tax id: use another conversation id")
    message = body.get("message")
    if message is not None and not isinstance(message, str):
        raise BadBody("message must be a string")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadBody("metadata must be a JSON object")
    if metadata and len(json.dumps(metadata, ensure_ascii=False).encode("utf-8", errors="replace")) > MAX_METADATA_BYTES:
        raise BadBody(f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON")
    return body


def client_ip(request: Request) -> Optional[str]:
    try:
        return request.remote_addr or request.ip or None
    except Exception:
        return None


class IntakeRestInput(RestInput):
    """Rasa's REST channel behind the door (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self, door: Optional[Door] = None, events: Optional[HandoffEvents] = None) -> None:
        self.door = door or door_for(CHANNEL_NAME)
        self.events = events if events is not None else HandoffEvents.from_env()

    async def owner_of(self, request: Request, sender_id: str) -> Optional[str]:
        """The channel the conversation's latest message came from (None: a new conversation)."""
        agent = getattr(request.app.ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        if hasattr(store, "latest_input_channel"):  # ours: one row, not the whole conversation
            return await store.latest_input_channel(sender_id)
        tracker = await store.retrieve(sender_id)
        return tracker.get_latest_input_channel() if tracker is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = parse_body(request.body)
            except BadBody as problem:
                return error(400, str(problem))
            sender_id: str = body["sender"]
            text = body.get("message") or ""
            if not text.strip():
                return response.json([{"recipient_id": sender_id, "text": NO_TEXT_REPLY}])
            try:
                owner = await self.owner_of(request, sender_id)
            except StoreUnavailable as problem:
                # Same answer as when Rasa itself cannot reach the store (bot/stores/rasa_hooks.py).
                logger.error("conversation %s: not processed: %s", logs.log_id(sender_id), problem)
                collector = CollectingOutputChannel()
                await tell_to_try_again(request.app.ctx.agent, UserMessage(text, collector, sender_id))
                return response.json(collector.messages)
            if owner not in (None, CHANNEL_NAME):
                logger.info("REST message for conversation %s refused: it belongs to the %s channel",
                            logs.log_id(sender_id), owner)
                return error(403, "this conversation belongs to another channel; use a new sender id")
            arrival = await self.door.admit(Arrival(text, sender_id, CHANNEL_NAME, client_ip=client_ip(request)))
            notices = [{"recipient_id": sender_id, "text": notice} for notice in arrival.notices]
            if arrival.refused is not None:
                if arrival.reason == RATE_LIMITED:
                    wait = max(1, int(arrival.retry_after + 0.999))
                    # Every refused request says why: an API client has no earlier message to remember.
                    return error(429, SLOW_DOWN_REPLY, headers={"Retry-After": str(wait)})
                replies = [{"recipient_id": sender_id, "text": arrival.refused}] if arrival.refused.strip() else []
                return response.json(notices + replies)
            collector = CollectingOutputChannel()
            message = UserMessage(arrival.text, collector, sender_id, input_channel=CHANNEL_NAME,
                                  metadata=clean_metadata(body.get("metadata")))
            with logs.conversation(sender_id):
                try:
                    await on_new_message(message)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("conversation %s: the turn failed", logs.log_id(sender_id))
                    return response.json(notices + collector.messages +
                                         [{"recipient_id": sender_id, "text": TROUBLE_REPLY}])
                if not collector.messages:
                    paused = await answer_while_paused(request.app, self.events, sender_id, CHANNEL_NAME,
                                                       arrival.text, pushes=False)
                    if paused and paused[1]:
                        collector.messages.append({"recipient_id": sender_id, "text": paused[1]})
            self.door.offered.remember_messages(sender_id, collector.messages)
            return response.json(notices + collector.messages)

        return webhook
