"""What the taxpayer's side did, as the channels report it (POST /api/conversation-events).

The Rasa process's channels send these (bot/channels/handoff_events.py): a message the
assistant left unanswered because an advisor holds the conversation, a widget tab that
connected or the last one that closed, an SMS STOP or START. `parse_event` checks the body and
names the field that is wrong; nothing here touches the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot.handoff.store import BadRequest, check_text

UNANSWERED, ONLINE, OFFLINE, OPTED_OUT, OPTED_IN = "unanswered", "online", "offline", "opted_out", "opted_in"
TYPES = (UNANSWERED, ONLINE, OFFLINE, OPTED_OUT, OPTED_IN)
CHANNELS = ("socketio", "sms", "rest")
FIELDS = ("conversation_id", "channel", "type", "at", "text")
MAX_TEXT = 2000
MAX_ID = 255
# An event is about something that just happened; one older than this is a replay gone wrong.
MAX_AGE = dt.timedelta(days=1)
# The channel's clock and ours may differ a little (same machine in the stack; not always).
CLOCK_SKEW = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ConversationEvent:
    conversation_id: str
    channel: str
    type: str
    at: dt.datetime
    text: Optional[str]


def standing_opt_out(taxpayer: Optional[Mapping[str, Any]]) -> Optional[dt.datetime]:
    """When the taxpayer texted STOP, while that still stands (no START after it); else None."""
    taxpayer = taxpayer or {}
    out, back = taxpayer.get("opted_out_at"), taxpayer.get("opted_in_at")
    return out if out and (back is None or back < out) else None


def parse_event(body: Mapping[str, Any], now: dt.datetime) -> ConversationEvent:
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(map(str, unknown))} (allowed: {', '.join(FIELDS)})")
    conversation_id = body.get("conversation_id")
    if not isinstance(conversation_id, str) or not conversation_id.strip() or len(conversation_id) > MAX_ID:
        raise BadRequest(f"conversation_id must be a non-empty string of at most {MAX_ID} characters")
    check_text(conversation_id, "conversation_id")
    channel = body.get("channel")
    if channel not in CHANNELS:
        raise BadRequest(f"channel must be one of {', '.join(CHANNELS)}")
    kind = body.get("type")
    if kind not in TYPES:
        raise BadRequest(f"type must be one of {', '.join(TYPES)}")
    at = _moment(body.get("at"), now)
    text = body.get("text")
    if text is not None:
        if kind != UNANSWERED:
            raise BadRequest("text is only for type unanswered")
        if not isinstance(text, str):
            raise BadRequest("text must be a string")
        if len(text) > MAX_TEXT:
            raise BadRequest(f"text is longer than {MAX_TEXT} characters")
        check_text(text, "text")
    return ConversationEvent(conversation_id, channel, kind, at, text)


def _moment(value: Any, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if not isinstance(value, str) or len(value) > 64:
        raise BadRequest("at must be an ISO 8601 timestamp with its zone, such as 2025-06-10T14:05:00Z")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise BadRequest("at must carry its time zone (e.g. a trailing Z)")
        moment = moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):  # not a timestamp, or year 1 with a zone that leaves the calendar
        raise BadRequest("at must be an ISO 8601 timestamp with its zone, such as 2025-06-10T14:05:00Z") from None
    if moment > now + CLOCK_SKEW:
        raise BadRequest("at is in the future")
    if moment < now - MAX_AGE:
        raise BadRequest("at is more than a day old")
    return moment
