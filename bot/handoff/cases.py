"""What a handoff case is: Chatwoot's statuses and priorities, and the escalation's shape.

`validate_case` checks the body the escalation action sends (POST /api/handoffs); the queue
and the client both call it, so a malformed case is caught in the action server's tests
before it ever travels. The priority comes from the risk level (`priority_for`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.clock import parse_iso_date
from bot.handoff.sla import HIGH, LOW, MEDIUM, PRIORITIES, URGENT

# Chatwoot conversation statuses.
PENDING, OPEN, SNOOZED, RESOLVED = "pending", "open", "snoozed", "resolved"
STATUSES = (PENDING, OPEN, SNOOZED, RESOLVED)
ACTIVE_STATUSES = (PENDING, OPEN, SNOOZED)
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}  # urgent 0 ... low 3

REASONS = ("risk", "user_requested", "fallback")
RISK_LEVELS = (LOW, MEDIUM, HIGH, URGENT)
CONTACT_METHODS = ("phone", "email")
# Chatwoot message types; `private` marks advisor notes.
INCOMING, OUTGOING, ACTIVITY = "incoming", "outgoing", "activity"

MAX_TEXT = 10_000
MAX_SHORT = 255
FIELDS = (
    "conversation_id", "channel", "reason", "contact", "notice_code", "notice_date",
    "cdp_deadline", "days_left", "risk", "facts", "summary", "escalated_at",
)
CONTACT_FIELDS = ("name", "method", "phone", "email", "best_time", "consent")
RISK_FIELDS = ("level", "score", "escalate", "factors", "unknown")
FACTOR_FIELDS = ("code", "points", "reason", "source")


class InvalidCase(ValueError):
    """The escalation body does not have the agreed shape; the message says what is wrong."""


@dataclass(frozen=True)
class NewCase:
    """A validated escalation, ready to store."""

    conversation_id: str
    channel: str
    reason: str
    contact: Dict[str, Any]
    notice_code: Optional[str]
    notice_date: Optional[dt.date]
    cdp_deadline: Optional[dt.date]
    days_left: Optional[int]
    risk: Dict[str, Any]
    facts: Dict[str, Any]
    summary: str
    escalated_at: Optional[dt.datetime]

    @property
    def priority(self) -> str:
        return priority_for(self.reason, self.risk["level"])


def priority_for(reason: str, risk_level: str) -> str:
    """urgent→urgent … low→low; a taxpayer who asked for a person gets at least medium."""
    if risk_level not in RISK_LEVELS:
        raise ValueError(f"unknown risk level '{risk_level}'")
    priority = risk_level
    if reason == "user_requested" and PRIORITY_RANK[priority] > PRIORITY_RANK[MEDIUM]:
        priority = MEDIUM
    return priority


def higher_priority(a: str, b: str) -> str:
    return a if PRIORITY_RANK[a] <= PRIORITY_RANK[b] else b


# --- validation --------------------------------------------------------------------------------
def _text(value: Any, where: str, *, optional: bool = False, limit: int = MAX_SHORT, empty: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        kind = "a string or null" if optional else "a string"
        raise InvalidCase(f"{where} must be {kind}")
    value = value.strip()
    if not value and not empty:
        if optional:
            return None
        raise InvalidCase(f"{where} must not be empty")
    if len(value) > limit:
        raise InvalidCase(f"{where} is longer than {limit} characters")
    if "\x00" in value:
        raise InvalidCase(f"{where} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # JSON can carry a lone surrogate; no database can store it
        raise InvalidCase(f"{where} contains an unpaired surrogate (not valid Unicode text)") from None
    return value


def _int(value: Any, where: str, *, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    # bool is an int in Python; a true/false here is a bug upstream, not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidCase(f"{where} must be an integer" + (" or null" if optional else ""))
    if abs(value) > 1_000_000:
        raise InvalidCase(f"{where} is out of range")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidCase(f"{where} must be true or false")
    return value


def _date(value: Any, where: str) -> Optional[dt.date]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidCase(f"{where} must be a date YYYY-MM-DD or null")
    try:
        return parse_iso_date(value)
    except ValueError as error:
        raise InvalidCase(f"{where}: {error}") from None


def _choice(value: Any, where: str, choices: Tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidCase(f"{where} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _object(value: Any, where: str, allowed: Tuple[str, ...], required: Tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidCase(f"{where} must be an object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InvalidCase(f"{where} has unknown field(s): {', '.join(map(str, unknown))}")
    missing = [key for key in required if key not in value]
    if missing:
        raise InvalidCase(f"{where} is missing {', '.join(missing)}")
    return value


def _contact(value: Any) -> Dict[str, Any]:
    raw = _object(value, "contact", CONTACT_FIELDS, ("method", "consent"))
    contact = {
        "name": _text(raw.get("name"), "contact.name", optional=True),
        "method": _choice(raw.get("method"), "contact.method", CONTACT_METHODS),
        "phone": _text(raw.get("phone"), "contact.phone", optional=True, limit=40),
        "email": _text(raw.get("email"), "contact.email", optional=True),
        "best_time": _text(raw.get("best_time"), "contact.best_time", optional=True),
        "consent": _bool(raw.get("consent"), "contact.consent"),
    }
    if contact["phone"] is not None:
        # Lenient on purpose ("555-010-4477 ext 12" is a fine number to call): a case is never
        # refused over formatting, only when there is no number in it at all.
        digits = sum(ch.isdigit() for ch in contact["phone"])
        if not 7 <= digits <= 20:
            raise InvalidCase("contact.phone must be a phone number (7 to 20 digits)")
    if contact["email"] is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact["email"]):
        raise InvalidCase("contact.email must be an email address")
    if contact[contact["method"]] is None:
        raise InvalidCase(f"contact.method is {contact['method']} but contact.{contact['method']} is empty")
    return contact


def _risk(value: Any) -> Dict[str, Any]:
    raw = _object(value, "risk", RISK_FIELDS, RISK_FIELDS)
    factors: List[Dict[str, Any]] = []
    if not isinstance(raw["factors"], list):
        raise InvalidCase("risk.factors must be a list")
    if len(raw["factors"]) > 100:
        raise InvalidCase("risk.factors has more than 100 entries")
    for index, factor in enumerate(raw["factors"]):
        where = f"risk.factors[{index}]"
        item = _object(factor, where, FACTOR_FIELDS, FACTOR_FIELDS)
        factors.append({
            "code": _text(item["code"], f"{where}.code"),
            "points": _int(item["points"], f"{where}.points"),
            "reason": _text(item["reason"], f"{where}.reason", limit=2_000),
            "source": _text(item["source"], f"{where}.source", limit=1_000, empty=True),
        })
    if not isinstance(raw["unknown"], list) or not all(isinstance(u, str) for u in raw["unknown"]):
        raise InvalidCase("risk.unknown must be a list of strings")
    return {
        "level": _choice(raw["level"], "risk.level", RISK_LEVELS),
        "score": _int(raw["score"], "risk.score"),
        "escalate": _bool(raw["escalate"], "risk.escalate"),
        "factors": factors,
        "unknown": [u[:MAX_SHORT] for u in raw["unknown"][:100]],
    }


def _facts(value: Any) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidCase("facts must be an object with string keys")
    return value


def _moment(value: Any, where: str) -> Optional[dt.datetime]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidCase(f"{where} must be an ISO 8601 timestamp or null")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidCase(f"{where} must be an ISO 8601 timestamp such as 2025-03-01T14:05:00Z") from None
    if moment.tzinfo is None:
        raise InvalidCase(f"{where} must carry its time zone (e.g. a trailing Z)")
    return moment.astimezone(dt.timezone.utc)


def validate_case(body: Any) -> NewCase:
    """A NewCase from an escalation body, or InvalidCase naming the first problem found."""
    required = ("conversation_id", "channel", "reason", "contact", "risk", "summary")
    raw = _object(body, "the body", FIELDS, required)
    return NewCase(
        conversation_id=_text(raw["conversation_id"], "conversation_id"),
        channel=_text(raw["channel"], "channel", limit=64),
        reason=_choice(raw["reason"], "reason", REASONS),
        contact=_contact(raw["contact"]),
        notice_code=_text(raw.get("notice_code"), "notice_code", optional=True, limit=32),
        notice_date=_date(raw.get("notice_date"), "notice_date"),
        cdp_deadline=_date(raw.get("cdp_deadline"), "cdp_deadline"),
        days_left=_int(raw.get("days_left"), "days_left", optional=True),
        risk=_risk(raw["risk"]),
        facts=_facts(raw.get("facts")),
        summary=_text(raw["summary"], "summary", limit=MAX_TEXT),
        escalated_at=_moment(raw.get("escalated_at"), "escalated_at"),
    )
