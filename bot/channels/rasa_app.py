"""The Rasa server a channel runs in, for what a channel must read there itself.

Rasa hands an input channel only `on_new_message`; a channel that must also know whether a
conversation is paused (an advisor holds it) or replay what a returning widget missed needs the
agent's tracker store. A listener on the channel's blueprint keeps a reference to the Sanic app
(whose `ctx.agent` Rasa sets before the server starts).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from sanic import Blueprint

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


class AgentRef:
    """The app of the server a channel's blueprint was registered with."""

    def __init__(self) -> None:
        self.app: Any = None

    def attach(self, blueprint: Blueprint) -> None:
        @blueprint.listener("before_server_start")
        async def keep_app(app: Any, _loop: Any) -> None:
            self.app = app

    async def tracker(self, sender_id: str) -> Any:
        return await stored_tracker(self.app, sender_id)

    async def is_paused(self, sender_id: str) -> Optional[bool]:
        return await is_paused(self.app, sender_id)

    async def reply_after_last_message(self, sender_id: str) -> Optional[str]:
        return await reply_after_last_message(self.app, sender_id)
