"""A small client for the Rasa server's HTTP API: pause, resume, advisor messages, transcript.

Rasa 3.6 behaviour this relies on (architecture doc, pitfalls):
- POST /conversations/{id}/tracker/events with {"event": "pause"} / {"event": "resume"}.
- An advisor message is a bot event posted with ?execute_side_effects=true&output_channel=latest:
  Rasa sends it through the channel the taxpayer last wrote from (socket.io, SMS) and records it.
- Rasa's sanic (21.12) does not percent-decode path parameters: `%2B1555` reaches Rasa as the
  id "%2B1555", another conversation than "+1555" (an SMS sender). So ids are sent literally;
  an id with a character that cannot appear literally in a URL path (space, ?, #, %, non-ASCII)
  cannot be addressed through the API at all, and the client says so instead of guessing.
- The token goes in the `token` query parameter (Rasa's --auth-token).
"""
from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import requests

DEFAULT_URL = "http://127.0.0.1:5005"


# Who really sent a bot event: metadata "from" (issue 14). Advisors type replies; everything else
# the queue posts (joined/left notices, away answers) is the assistant speaking.
ADVISOR_SENDER, ASSISTANT_SENDER = "advisor", "assistant"


class RasaError(Exception):
    """Rasa could not be reached or refused the call; the message says which."""


# RFC 3986 path characters (unreserved, sub-delims, ":", "@") and "/" (Rasa's route is <id:path>).
PATH_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/")


def conversation_path(conversation_id: str) -> str:
    """The id as it must appear in Rasa's URL: literally (see the module doc)."""
    if not conversation_id or any(ch not in PATH_SAFE for ch in conversation_id):
        raise RasaError(f"the conversation id {conversation_id!r} has characters Rasa's HTTP API cannot address")
    return conversation_id


@dataclass
class RasaClient:
    base_url: str = DEFAULT_URL
    token: str = ""
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "RasaClient":
        env = os.environ if env is None else env
        return cls(base_url=(env.get("RASA_URL") or DEFAULT_URL).rstrip("/"), token=env.get("RASA_TOKEN") or "")

    def _url(self, conversation_id: str, suffix: str, **params: str) -> str:
        query = dict(params)
        if self.token:
            query["token"] = self.token
        encoded = urllib.parse.urlencode(query)
        return f"{self.base_url}/conversations/{conversation_path(conversation_id)}/{suffix}" + (f"?{encoded}" if encoded else "")

    def _call(self, method: str, url: str, body: Any = None) -> Any:
        try:
            response = requests.request(method, url, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            raise RasaError(f"Rasa is unreachable at {self.base_url} ({type(error).__name__})") from None
        if response.status_code == 401 or response.status_code == 403:
            raise RasaError("Rasa refused the token (check RASA_TOKEN)")
        if response.status_code == 409:
            raise RasaError("Rasa has no model loaded")
        if not response.ok:
            raise RasaError(f"Rasa answered HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError:
            raise RasaError("Rasa answered something that is not JSON") from None

    def append_events(self, conversation_id: str, events: List[Dict[str, Any]], deliver: bool = False) -> Dict[str, Any]:
        params = {"execute_side_effects": "true", "output_channel": "latest"} if deliver else {}
        return self._call("POST", self._url(conversation_id, "tracker/events", **params), events)

    def pause(self, conversation_id: str) -> None:
        self.append_events(conversation_id, [{"event": "pause"}])

    def resume(self, conversation_id: str) -> None:
        self.append_events(conversation_id, [{"event": "resume"}])

    def send_bot_message(self, conversation_id: str, text: str, metadata: Optional[Dict[str, Any]] = None,
                         custom: Optional[Dict[str, Any]] = None) -> None:
        """Delivers `text` to the taxpayer in their latest channel and records it as a bot turn.

        `custom` rides along as the event's custom payload (the widget's advisor state,
        bot.channels.payloads.handoff); text-only channels say only `text`."""
        event = {"event": "bot", "text": text, "metadata": metadata or {}}
        if custom is not None:
            event["data"] = {"custom": custom}
        self.append_events(conversation_id, [event], deliver=True)

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return self._call("GET", self._url(conversation_id, "tracker", include_events="ALL"))

    def transcript(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation as the advisor reads it: messages in order, plus whether the bot is paused."""
        tracker = self.tracker(conversation_id)
        return {"paused": bool(tracker.get("paused")), "messages": transcript_from_events(tracker.get("events") or [])}


def _when(event: Mapping[str, Any]) -> Optional[str]:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return None
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).isoformat()


def advisor_of(metadata: Any, data: Any) -> Optional[str]:
    """The advisor who typed a bot event, or None when the assistant said it.

    metadata "from" decides; events recorded before it existed count as the advisor's only when
    they name one and carry no custom payload (joined/left notices carry the widget's state)."""
    if not isinstance(metadata, Mapping):
        return None
    handoff = metadata.get("handoff") if isinstance(metadata.get("handoff"), Mapping) else {}
    name = handoff.get("advisor") if isinstance(handoff.get("advisor"), str) and handoff.get("advisor") else None
    sender = metadata.get("from")
    if sender is not None:
        return (name or "Advisor") if sender == ADVISOR_SENDER else None
    custom = data.get("custom") if isinstance(data, Mapping) else None
    return name if custom is None else None


def transcript_from_events(events: List[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Chatwoot-shaped messages from Rasa tracker events (incoming / outgoing / activity)."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            messages.append({
                "message_type": "incoming", "content": event.get("text") or "",
                "sender": {"type": "contact"}, "created_at": _when(event),
                "channel": event.get("input_channel"),
                "intent": (event.get("parse_data") or {}).get("intent", {}).get("name"),
            })
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            data = event.get("data") or {}
            advisor = advisor_of(metadata, data)
            text = event.get("text") or ""
            buttons = [b.get("title") for b in (data.get("buttons") or []) if isinstance(b, dict)]
            if buttons:
                text = (text + "\n" if text else "") + "[buttons: " + " | ".join(str(b) for b in buttons) + "]"
            if not text and (data.get("custom") or data.get("attachment") or data.get("image")):
                text = "[non-text message]"
            messages.append({
                "message_type": "outgoing", "content": text,
                "sender": {"type": "advisor", "name": advisor} if advisor else {"type": "bot"},
                "created_at": _when(event),
            })
        elif kind in ("pause", "resume", "restart", "session_started"):
            words = {"pause": "The bot was paused (an advisor holds the conversation).",
                     "resume": "The bot was resumed.",
                     "restart": "The conversation was restarted.",
                     "session_started": "A new conversation session started."}[kind]
            messages.append({"message_type": "activity", "content": words, "sender": {"type": "system"},
                             "created_at": _when(event)})
    return messages
