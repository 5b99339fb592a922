"""Outbound webhooks, shaped like Chatwoot's, signed with HMAC-SHA256, retried with backoff.

Events: conversation_created, conversation_updated, conversation_status_changed,
message_created. A change and its webhook rows are written in the same transaction (the
store calls `payloads`), so a webhook is never lost and never sent for a change that did not
happen; `WebhookSender` then delivers the rows and retries failures with exponential backoff.

Signature (receivers check it; docs/handoff.md has a verifier):
  X-Handoff-Timestamp: unix seconds
  X-Handoff-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
  X-Handoff-Delivery:  the delivery's id, the same on every retry (receivers deduplicate on it)
  X-Handoff-Event:     the event name
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import random
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

logger = logging.getLogger(__name__)

CONVERSATION_CREATED = "conversation_created"
CONVERSATION_UPDATED = "conversation_updated"
CONVERSATION_STATUS_CHANGED = "conversation_status_changed"
MESSAGE_CREATED = "message_created"


@dataclass(frozen=True)
class WebhookConfig:
    urls: Tuple[str, ...] = ()
    secret: str = ""
    max_attempts: int = 10
    backoff_seconds: float = 2.0  # first retry; doubles each time
    backoff_cap_seconds: float = 600.0
    timeout_seconds: float = 10.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "WebhookConfig":
        env = os.environ if env is None else env
        urls = tuple(u.strip() for u in (env.get("HANDOFF_WEBHOOK_URLS") or "").replace("\n", ",").split(",") if u.strip())
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"HANDOFF_WEBHOOK_URLS: '{url}' is not an http(s) URL")
        if urls and not env.get("HANDOFF_WEBHOOK_SECRET"):
            raise ValueError("HANDOFF_WEBHOOK_URLS is set but HANDOFF_WEBHOOK_SECRET is not: webhooks must be signed")
        return cls(
            urls=urls,
            secret=env.get("HANDOFF_WEBHOOK_SECRET") or "",
            max_attempts=int(env.get("HANDOFF_WEBHOOK_MAX_ATTEMPTS") or 10),
            backoff_seconds=float(env.get("HANDOFF_WEBHOOK_BACKOFF_SECONDS") or 2.0),
            backoff_cap_seconds=float(env.get("HANDOFF_WEBHOOK_BACKOFF_CAP_SECONDS") or 600.0),
            timeout_seconds=float(env.get("HANDOFF_WEBHOOK_TIMEOUT_SECONDS") or 10.0),
        )

    def next_delay(self, attempts: int) -> float:
        """Seconds before retry number `attempts` (1 = the first retry), with ±20% jitter."""
        delay = min(self.backoff_seconds * (2 ** (attempts - 1)), self.backoff_cap_seconds)
        return delay * random.uniform(0.8, 1.2)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def signed_headers(secret: str, event: str, delivery_key: str, body: bytes, now: dt.datetime) -> Dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "intake-handoff-webhooks/1",
        "X-Handoff-Event": event,
        "X-Handoff-Delivery": delivery_key,
        "X-Handoff-Timestamp": timestamp,
        "X-Handoff-Signature": sign(secret, timestamp, body),
    }


# --- Chatwoot-shaped payloads -------------------------------------------------------------------
def _unix(moment: Optional[dt.datetime]) -> Optional[int]:
    return int(moment.timestamp()) if moment else None


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def contact_payload(case: Mapping[str, Any]) -> Dict[str, Any]:
    contact = case["contact"]
    return {
        "id": None,
        "type": "contact",
        "name": contact["name"],
        "phone_number": contact["phone"],
        "email": contact["email"],
        "additional_attributes": {
            "preferred_contact_method": contact["method"],
            "best_time": contact["best_time"],
            "consent": contact["consent"],
        },
    }


def assignee_payload(case: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    assignee = case.get("assignee")
    if not assignee:
        return None
    return {"id": assignee["id"], "name": assignee["name"], "type": "user"}


def conversation_payload(case: Mapping[str, Any], event: Optional[str] = None,
                         changed: Optional[Dict[str, Tuple[Any, Any]]] = None) -> Dict[str, Any]:
    """A Chatwoot conversation (webhook_data / push_event_data) with our fields as custom attributes."""
    body: Dict[str, Any] = {
        "id": case["id"],
        "status": case["status"],
        "priority": case["priority"],
        "channel": case["channel"],
        "inbox": {"id": None, "name": case["channel"]},
        "can_reply": case["status"] != "resolved",
        "meta": {"sender": contact_payload(case), "assignee": assignee_payload(case)},
        "messages": [],
        "labels": [case["reason"]],
        "additional_attributes": {"conversation_id": case["conversation_id"], "summary": case["summary"]},
        "custom_attributes": {
            "reason": case["reason"],
            "risk_level": case["risk"]["level"],
            "risk_score": case["risk"]["score"],
            "risk_factors": case["risk"]["factors"],
            "risk_unknown": case["risk"]["unknown"],
            "notice_code": case["notice_code"],
            "notice_date": _iso(case["notice_date"]),
            "cdp_deadline": _iso(case["cdp_deadline"]),
            "days_left": case["days_left"],
            "first_response_due": _iso(case["first_response_due"]),
            "facts": case["facts"],
        },
        "waiting_since": _unix(case["waiting_since"]),
        "first_reply_created_at": _unix(case["first_reply_created_at"]),
        "snoozed_until": _unix(case["snoozed_until"]),
        "created_at": _unix(case["created_at"]),
        "updated_at": case["updated_at"].timestamp(),
        "timestamp": _unix(case["updated_at"]),
    }
    if event:
        body["event"] = event
    if changed:
        body["changed_attributes"] = [
            {name: {"previous_value": _iso(old), "current_value": _iso(new)}} for name, (old, new) in changed.items()
        ]
    return body


def message_payload(message: Mapping[str, Any], case: Mapping[str, Any]) -> Dict[str, Any]:
    sender = message.get("sender")
    return {
        "event": MESSAGE_CREATED,
        "id": message["id"],
        "content": message["content"],
        "content_type": "text",
        "content_attributes": {},
        "message_type": message["message_type"],
        "private": message["private"],
        "created_at": _iso(message["created_at"]),
        "source_id": None,
        "sender": {"id": sender["id"], "name": sender["name"], "type": "user"} if sender else None,
        "conversation": conversation_payload(case),
        "inbox": {"id": None, "name": case["channel"]},
    }


def encode(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=_iso)


# --- delivery ------------------------------------------------------------------------------------
class WebhookSender:
    """Delivers due rows from the store; one pass per `deliver_due` call (the web app loops it)."""

    def __init__(self, store, config: WebhookConfig):
        self.store = store
        self.config = config

    def deliver_due(self, limit: int = 20) -> List[Tuple[int, bool]]:
        import requests  # a rasa dependency; imported here so the pure parts stay light

        results = []
        for row in self.store.lease_webhook_deliveries(limit, lease_seconds=self.config.timeout_seconds * 3):
            body = row["payload"].encode()
            headers = signed_headers(self.config.secret, row["event"], row["delivery_key"], body, self.store.now())
            error = None
            try:
                response = requests.post(row["url"], data=body, headers=headers,
                                         timeout=self.config.timeout_seconds, allow_redirects=False)
                if not 200 <= response.status_code < 300:
                    error = f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
            if error:
                logger.warning("webhook %s to %s failed (attempt %s): %s", row["event"], row["url"], row["attempts"] + 1, error)
            self.store.finish_webhook_delivery(row["id"], error, self.config)
            results.append((row["id"], error is None))
        return results
