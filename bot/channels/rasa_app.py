"""The Rasa server a channel runs in, for what a channel must read there itself.

Rasa hands an input channel only `on_new_message`; a channel that must also know whether a
conversation is paused (an advisor holds it) or replay what a returning widget missed needs the
agent's tracker store. A listener on the channel's blueprint keeps a reference to the Sanic app
(whose `ctx.agent` Rasa sets before the server starts).
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Tuple

from sanic import Blueprint

from bot.channels.handoff_events import Answer, HandoffEvents
from bot.firm import Firm
from bot.privacy import logs

logger = logging.getLogger(__name__)


async def stored_tracker(app: Any, sender_id: str) -> Any:
    """The stored tracker, or None (no agent, no such conversation, store unreadable)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        return await store.retrieve(sender_id)
    except Exception as error:  # the caller answers without it
        logger.warning("conversation %s: could not read the tracker (%s)", logs.log_id(sender_id), type(error).__name__)
        return None


async def is_paused(app: Any, sender_id: str) -> Optional[bool]:
    """True/False as stored, None when it cannot be known."""
    tracker = await stored_tracker(app, sender_id)
    return None if tracker is None else bool(tracker.is_paused())


async def reply_after_last_message(app: Any, sender_id: str) -> Optional[str]:
    """The text of a bot message stored after the taxpayer's latest message, if any (the queue's
    answer, when it came through Rasa but its HTTP answer to the channel did not)."""
    tracker = await stored_tracker(app, sender_id)
    if tracker is None:
        return None
    for event in reversed(tracker.events):
        kind = getattr(event, "type_name", None)
        if kind == "user":
            return None
        if kind == "bot" and getattr(event, "text", None):
            return event.text
    return None


async def answer_while_paused(app: Any, events: HandoffEvents, sender_id: str, channel: str, text: Optional[str],
                              *, pushes: bool = True, details: Optional[Firm] = None) -> Optional[Tuple[Answer, Optional[str]]]:
    """For a turn in which the assistant said nothing: None when the conversation is not paused;
    else the queue's answer and the text this channel must still say. A channel that pushes its
    messages (widget, SMS) repeats nothing the queue already delivered through Rasa; one that
    answers in its HTTP response (REST) gets the text either way."""
    if await is_paused(app, sender_id) is False:
        return None
    answer = await events.unanswered(sender_id, channel, text, details)
    if answer.unsure:  # the queue may have answered through Rasa after all
        already = await reply_after_last_message(app, sender_id)
        if already:
            return answer, (None if pushes else already)
    return answer, (answer.to_send() if pushes else answer.text)


class AgentRef:
    """The app of the server a channel's blueprint was registered with (`.app`)."""

    def __init__(self) -> None:
        self.app: Any = None

    def attach(self, blueprint: Blueprint) -> None:
        @blueprint.listener("before_server_start")
        async def keep_app(app: Any, _loop: Any) -> None:
            self.app = app
