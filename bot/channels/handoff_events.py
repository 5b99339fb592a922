"""What the taxpayer's side of a conversation did, told to the advisor queue.

The channels run in the Rasa process; the queue (bot/web, bot/handoff) runs in the web service.
While an advisor holds a conversation Rasa is paused, so a taxpayer's message gets no answer
from the assistant: the channel reports it here ("unanswered") and the queue either knows the
advisor is at the dashboard, or answers honestly for them (who holds the case, when they will be
in touch, how to reach the firm). Presence (a widget tab connected or gone) and SMS opt-outs are
reported the same way, so the advisor sees them. Contract: docs/handoff.md, "Conversation events".

POST {HANDOFF_API_URL}/conversation-events with the service token (SERVICE_TOKEN). Without a
token the reports are off and the channel's own fallback answers an unanswered message.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Set

import aiohttp

from bot import firm
from bot.privacy import logs

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8080/api"
# The queue answers from its own database and posts its answer through Rasa; on a busy machine
# that can take seconds. A slow queue must not hold a taxpayer's turn for long either.
TIMEOUT_SECONDS = 8.0
UNANSWERED, ONLINE, OFFLINE, OPTED_OUT, OPTED_IN = "unanswered", "online", "offline", "opted_out", "opted_in"
MAX_TEXT = 2000


def fallback_reply(channel: str, details: Optional[firm.Firm] = None) -> str:
    """When the queue cannot be asked: true whoever holds the case, and never silence."""
    details = details or firm.current()
    if channel == "sms":
        return (f"Got your text: it's saved with your case, and an advisor from {details.name} will get back "
                f"to you. If it can't wait, call {details.phone} ({details.hours_text}).")
    return (f"I've saved your message with your case, and an advisor from {details.name} will get back to "
            f"you. If it can't wait, call {details.phone} ({details.hours_text}).")


@dataclass(frozen=True)
class Answer:
    """The queue's word on an unanswered message."""

    case_id: Optional[int]
    text: Optional[str]  # the answer the taxpayer gets (None: the advisor is live and has it)
    delivered: bool  # already sent through Rasa (and in the transcript); else the channel sends it
    advisor_live: bool
    # The queue did not say (unreachable, too slow): it may still have answered through Rasa, so
    # the channel looks at the conversation before it sends its own fallback.
    unsure: bool = False

    def to_send(self) -> Optional[str]:
        """What a channel that pushes messages (widget, SMS) must still send itself."""
        return None if self.delivered else self.text


class HandoffEvents:
    def __init__(self, api_url: str, token: str, timeout: float = TIMEOUT_SECONDS):
        self.url = api_url.rstrip("/") + "/conversation-events"
        self.token = token
        self.timeout = timeout
        self._tasks: Set[asyncio.Task] = set()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "HandoffEvents":
        env = os.environ if env is None else env
        return cls((env.get("HANDOFF_API_URL") or DEFAULT_API_URL).strip(), (env.get("SERVICE_TOKEN") or "").strip())

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    async def report(self, conversation_id: str, channel: str, kind: str, text: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The queue's JSON answer, or None when it could not be reached (logged, never raised)."""
        if not self.enabled:
            return None
        body: Dict[str, Any] = {"conversation_id": conversation_id, "channel": channel, "type": kind,
                                "at": dt.datetime.now(dt.timezone.utc).isoformat()}
        if text and kind == UNANSWERED:
            body["text"] = text[:MAX_TEXT]
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
                async with session.post(self.url, json=body, headers={"Authorization": f"Bearer {self.token}"}) as response:
                    if response.status != 200:
                        logger.warning("queue refused the %s event of conversation %s: HTTP %s",
                                       kind, logs.log_id(conversation_id), response.status)
                        return None
                    answer = await response.json()
                    return answer if isinstance(answer, dict) else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("could not tell the queue about the %s event of conversation %s: %s",
                           kind, logs.log_id(conversation_id), type(error).__name__)
            return None

    async def unanswered(self, conversation_id: str, channel: str, text: Optional[str],
                         details: Optional[firm.Firm] = None) -> Answer:
        """Reports a message the assistant did not answer; says what the channel must send."""
        answer = await self.report(conversation_id, channel, UNANSWERED, text)
        if answer is None:
            return Answer(None, fallback_reply(channel, details), False, False, unsure=True)
        case_id = answer.get("case_id") if isinstance(answer.get("case_id"), int) and not isinstance(answer.get("case_id"), bool) else None
        live = answer.get("advisor_live") is True
        raw = answer.get("reply")
        reply = raw if isinstance(raw, str) and raw.strip() else None
        if reply is None and not live:
            # Paused with no case the queue knows of, or a queue with nothing to say: still an
            # answer, never silence.
            return Answer(case_id, fallback_reply(channel, details), False, False)
        return Answer(case_id, reply, reply is not None and answer.get("delivered") is True, live)

    def report_later(self, conversation_id: str, channel: str, kind: str) -> None:
        """Fire and forget (presence, opt-outs): the turn does not wait for the queue."""
        if not self.enabled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.report(conversation_id, channel, kind))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits for reports still on their way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
