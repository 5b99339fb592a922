"""The door every channel's inbound text passes before the assistant (NLU, tracker) sees it.

A door is an ordered list of checks. Each check sees the text as the previous one left it and
may change it (cut it, mask it), add a notice for the user, or turn the message away with a
reply. The channels (widget socket, SMS, REST) call `Door.admit` at one place, so the privacy
and security rules live here instead of in each channel. The standard door (`door_for`):

1. RateLimit: per conversation (per phone number for SMS) and per client IP; a refused message
   gets a friendly "slow down" once, then silence until the sender is within the limit again;
2. the channel's own checks, if any;
3. CleanText: control characters, bidi overrides and unpaired surrogates out (they break
   databases, logs and what an advisor sees);
4. CommandGuard: a message that starts with "/" is read by Rasa as `/intent{entities}`, which
   skips the NLU and can set slots. It passes only when it is exactly the payload of a button
   the bot offered this conversation (`OfferedPayloads`; SMS menu choices too); typed by a
   person, "/restart" or `/inform{"notice_code": "x"}` reach the NLU as words instead;
5. Redaction: SSNs, ITINs, EINs, bank and card numbers, IRS PINs and passwords are masked
   (bot/privacy/redaction.py), with a notice (the full one once per conversation);
6. LengthLimit: a message over MAX_MESSAGE_CHARS is cut, with a notice.
"""
from __future__ import annotations

import inspect
import json
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from bot.channels.ratelimit import AddressSet, TokenBuckets, rate_from_env
from bot.privacy import logs
from bot.privacy.redaction import describe, redact, redact_value

# Longest message the assistant reads whole; a longer one is cut with a notice (issue 7).
DEFAULT_MAX_CHARS = 2000
# Rate limits (RATE_LIMIT_* in the environment; docs/security.md). A person types far slower.
DEFAULT_SESSION_RATE = "30/min"
DEFAULT_SMS_RATE = "10/min"  # every SMS reply costs money and lands on a phone
DEFAULT_IP_RATE = "120/min"
# Loopback is exempt from the per-IP limit by default: tests and a reverse proxy on the same
# host connect from there. Behind a proxy, let Sanic see the client's address (SANIC_PROXIES_COUNT
# / SANIC_REAL_IP_HEADER / SANIC_FORWARDED_SECRET) and the limit applies per real client.
DEFAULT_EXEMPT_IPS = "127.0.0.1,::1"
RATE_LIMITED = "rate_limited"
SLOW_DOWN_REPLY = (
    "You're sending messages faster than I can read them. Please wait a few seconds, then send "
    "that again."
)
SLOW_DOWN_SMS_REPLY = "You're texting faster than I can keep up. Please wait a minute, then text again."
EMPTY_COMMAND_REPLY = "Please type a message."
# Metadata a client may attach to a message, stored with it by Rasa; more is dropped.
MAX_METADATA_BYTES = 4096
# Conversations remembered as already told not to share numbers (per process).
REMEMBERED_CONVERSATIONS = 50_000


@dataclass(frozen=True)
class Arrival:
    """One inbound message at the door."""

    text: str
    sender_id: str
    channel: str  # the Rasa input channel name: "socketio", "sms"...
    notices: Tuple[str, ...] = ()  # what to tell the user before the assistant answers
    refused: Optional[str] = None  # set: do not process; this reply (may be empty) instead
    client_ip: Optional[str] = None  # where the message came from, when the channel knows
    reason: Optional[str] = None  # why it was refused (RATE_LIMITED...), for the channel
    retry_after: float = 0.0  # seconds, when rate limited
    chosen_button: bool = False  # the text is the payload of a button the channel offered


Check = Callable[[Arrival], Union[Arrival, Awaitable[Arrival]]]


_NUMBER_AT_END = re.compile(r"\d[\d\-. ]*$")
_NUMBER_AT_START = re.compile(r"[\-. ]*\d")


@dataclass(frozen=True)
class LengthLimit:
    """Cuts a message longer than `max_chars` (at a word boundary) and says so."""

    max_chars: int = DEFAULT_MAX_CHARS

    def __call__(self, arrival: Arrival) -> Arrival:
        if len(arrival.text) <= self.max_chars:
            return arrival
        cut = arrival.text[: self.max_chars]
        space = cut.rfind(" ")
        if space > self.max_chars * 0.8:
            cut = cut[:space]
        # Never cut inside a number: the first nine digits of a longer one would be SSN-shaped.
        number = _NUMBER_AT_END.search(cut)
        if number and _NUMBER_AT_START.match(arrival.text, len(cut)):
            cut = cut[:number.start()]
        notice = (
            f"Your message was very long, so I read only the first {self.max_chars:,} "
            "characters. Short messages work best."
        )
        return replace(arrival, text=cut.rstrip(), notices=arrival.notices + (notice,))


class _Remembered:
    """A bounded set of keys (least recently added forgotten first)."""

    def __init__(self, size: int = REMEMBERED_CONVERSATIONS):
        self.size = size
        self._keys: "OrderedDict[str, None]" = OrderedDict()

    def add(self, key: str) -> bool:
        """True when `key` is new."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True

    def discard(self, key: str) -> None:
        self._keys.pop(key, None)


class RateLimit:
    """Per conversation and per client IP (either may be off)."""

    def __init__(self, per_sender: Optional[TokenBuckets], per_ip: Optional[TokenBuckets] = None,
                 exempt: AddressSet = AddressSet()):
        self.per_sender = per_sender
        self.per_ip = per_ip
        self.exempt = exempt
        self._told = _Remembered()

    def __call__(self, arrival: Arrival) -> Arrival:
        key = f"{arrival.channel}:{arrival.sender_id}"
        wait = self.per_sender.take(key) if self.per_sender else 0.0
        ip = arrival.client_ip
        if not wait and self.per_ip and ip and ip not in self.exempt:
            wait = self.per_ip.take(ip)
            key = f"ip:{ip}"
        if not wait:
            self._told.discard(f"{arrival.channel}:{arrival.sender_id}")
            if ip:
                self._told.discard(f"ip:{ip}")
            return arrival
        # Say it once per episode: a flood gets one reply, not one per message.
        reply = (SLOW_DOWN_SMS_REPLY if arrival.channel == "sms" else SLOW_DOWN_REPLY) if self._told.add(key) else ""
        return replace(arrival, refused=reply, reason=RATE_LIMITED, retry_after=wait)


# C0/C1 controls but tab and newlines, zero-width space, bidi embeddings/overrides/isolates, BOM.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str) -> str:
    # An unpaired surrogate (JSON allows "\ud800") cannot be encoded, stored or logged.
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    return _UNWANTED.sub("", text)


def CleanText(arrival: Arrival) -> Arrival:  # noqa: N802 (a check, named like the others)
    cleaned = clean_text(arrival.text)
    return arrival if cleaned == arrival.text else replace(arrival, text=cleaned)


class OfferedPayloads:
    """The "/intent..." payloads of the buttons recently offered to each conversation."""

    PER_CONVERSATION = 20

    def __init__(self, conversations: int = REMEMBERED_CONVERSATIONS):
        self.conversations = conversations
        self._offered: "OrderedDict[str, List[str]]" = OrderedDict()

    def remember(self, conversation_id: str, buttons: Any) -> None:
        payloads = [b.get("payload") for b in buttons or () if isinstance(b, dict)]
        payloads = [p.strip() for p in payloads if isinstance(p, str) and p.strip().startswith("/")]
        if not payloads:
            return
        known = [p for p in self._offered.pop(conversation_id, []) if p not in payloads] + payloads
        self._offered[conversation_id] = known[-self.PER_CONVERSATION:]
        while len(self._offered) > self.conversations:
            self._offered.popitem(last=False)

    def remember_messages(self, conversation_id: str, messages: Any) -> None:
        """From bot messages as Rasa's collecting channels hold them (`buttons` / `quick_replies`)."""
        for message in messages or ():
            if isinstance(message, dict):
                self.remember(conversation_id, message.get("buttons"))
                self.remember(conversation_id, message.get("quick_replies"))

    def was_offered(self, conversation_id: str, text: str) -> bool:
        return text.strip() in self._offered.get(conversation_id, ())


class CommandGuard:
    """Rasa reads a message starting with "/" as `/intent{entities}`; only our buttons send one."""

    def __init__(self, offered: Optional[OfferedPayloads] = None):
        self.offered = offered or OfferedPayloads()

    def __call__(self, arrival: Arrival) -> Arrival:
        stripped = arrival.text.lstrip()
        if not stripped.startswith("/"):
            return arrival
        if arrival.chosen_button or self.offered.was_offered(arrival.sender_id, stripped):
            return arrival
        words = stripped.lstrip("/").strip()
        if not words:
            return replace(arrival, refused=EMPTY_COMMAND_REPLY, reason="empty")
        return replace(arrival, text=words)


class Redaction:
    """Masks sensitive numbers; the full warning once per conversation, a short note after."""

    def __init__(self) -> None:
        self._told = _Remembered()

    def __call__(self, arrival: Arrival) -> Arrival:
        result = redact(arrival.text)
        if not result.changed:
            return arrival
        what = describe(result.kinds)
        first = self._told.add(f"{arrival.channel}:{arrival.sender_id}")
        if arrival.channel == "sms":
            notice = f"I removed what looked like {what} from your text, so it isn't stored."
            if first:
                notice += " Please don't text SSNs, bank or card numbers, PINs or passwords."
        else:
            notice = f"I removed what looked like {what} from your message, so it isn't stored."
            if first:
                notice += (" Please don't share Social Security, bank or card numbers, IRS PINs or "
                           "passwords here: we never need them in this chat.")
        return replace(arrival, text=result.text, notices=arrival.notices + (notice,))


def clean_metadata(raw: Any) -> Dict[str, Any]:
    """Message metadata as Rasa may store it: a JSON object (or its text), redacted and cleaned,
    at most MAX_METADATA_BYTES; anything else becomes {}."""
    parsed: Any = {}
    if isinstance(raw, dict):
        parsed = raw
    elif isinstance(raw, str) and raw.strip() and len(raw) <= MAX_METADATA_BYTES:
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(parsed, dict) or not parsed:
        return {}
    try:
        cleaned = redact_value(_clean_value(parsed))  # clean first: a removed control character can join digits
        encoded = json.dumps(cleaned, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return {}
    if len(encoded.encode("utf-8")) > MAX_METADATA_BYTES:
        return {}
    return cleaned if isinstance(cleaned, dict) else {}


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): _clean_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_value(item) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON")


@dataclass
class Door:
    checks: List[Check] = field(default_factory=list)
    # Shared with the door's CommandGuard; the channels record the buttons they send here.
    offered: OfferedPayloads = field(default_factory=OfferedPayloads)

    async def admit(self, arrival: Arrival) -> Arrival:
        for check in self.checks:
            result = check(arrival)
            arrival = await result if inspect.isawaitable(result) else result
            if arrival.refused is not None:
                break
        return arrival


def max_chars_from_env(channel: str, env: Mapping[str, str] = os.environ, default: int = DEFAULT_MAX_CHARS) -> int:
    """MAX_MESSAGE_CHARS_<CHANNEL> (e.g. _SMS), else MAX_MESSAGE_CHARS, else the default."""
    for key in (f"MAX_MESSAGE_CHARS_{channel.upper()}", "MAX_MESSAGE_CHARS"):
        raw = env.get(key, "").strip()
        if raw:
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(f"{key} must be a whole number of characters, not {raw!r}") from None
            if value < 1:
                raise ValueError(f"{key} must be at least 1")
            return value
    return default


def rate_limit_from_env(channel: str, env: Mapping[str, str] = os.environ) -> Optional[RateLimit]:
    """RATE_LIMIT_SESSION_<CHANNEL> or RATE_LIMIT_SESSION (per conversation; SMS: per number),
    RATE_LIMIT_IP (per client IP, not for SMS: Twilio sends every text), RATE_LIMIT_EXEMPT_IPS."""
    name = channel.upper()
    default = DEFAULT_SMS_RATE if channel == "sms" else DEFAULT_SESSION_RATE
    session = rate_from_env(env, [f"RATE_LIMIT_SESSION_{name}", "RATE_LIMIT_SESSION"], default)
    ip = None if channel == "sms" else rate_from_env(env, ["RATE_LIMIT_IP"], DEFAULT_IP_RATE)
    if session is None and ip is None:
        return None
    exempt = env.get("RATE_LIMIT_EXEMPT_IPS")
    return RateLimit(
        TokenBuckets(session) if session else None,
        TokenBuckets(ip) if ip else None,
        AddressSet.parse(DEFAULT_EXEMPT_IPS if exempt is None else exempt),
    )


def door_for(channel: str, extra: Sequence[Check] = (), env: Mapping[str, str] = os.environ, default_max: int = DEFAULT_MAX_CHARS) -> Door:
    """The standard door of a channel (the module docstring lists its checks); `extra` runs
    after the rate limit and before the rest."""
    logs.install()  # every process with a channel gets log hygiene
    limit = rate_limit_from_env(channel, env)
    offered = OfferedPayloads()
    return Door([
        *([limit] if limit else []),
        *extra,
        CleanText,
        CommandGuard(offered),
        Redaction(),
        LengthLimit(max_chars_from_env(channel, env, default_max)),
    ], offered)
