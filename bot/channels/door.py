"""The door every channel's inbound text passes before the assistant (NLU, tracker) sees it.

A door is an ordered list of checks. Each check sees the text as the previous one left it and
may change it (cut it, mask it), add a notice for the user, or turn the message away with a
reply. The channels (widget socket, SMS) call `Door.admit` at one place, so the privacy and
security work (redaction, rate limits: issue 7) adds checks here instead of into each channel.
"""
from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field, replace
from typing import Awaitable, Callable, List, Mapping, Optional, Sequence, Tuple, Union

# Longest message the assistant reads whole; a longer one is cut with a notice (issue 7).
DEFAULT_MAX_CHARS = 2000


@dataclass(frozen=True)
class Arrival:
    """One inbound message at the door."""

    text: str
    sender_id: str
    channel: str  # the Rasa input channel name: "socketio", "sms"...
    notices: Tuple[str, ...] = ()  # what to tell the user before the assistant answers
    refused: Optional[str] = None  # set: do not process; this reply (may be empty) instead


Check = Callable[[Arrival], Union[Arrival, Awaitable[Arrival]]]


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
        notice = (
            f"Your message was very long, so I read only the first {self.max_chars:,} "
            "characters. Short messages work best."
        )
        return replace(arrival, text=cut.rstrip(), notices=arrival.notices + (notice,))


@dataclass
class Door:
    checks: List[Check] = field(default_factory=list)

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


def door_for(channel: str, extra: Sequence[Check] = (), env: Mapping[str, str] = os.environ, default_max: int = DEFAULT_MAX_CHARS) -> Door:
    """The standard door of a channel: the checks every channel shares, then `extra`."""
    return Door([*extra, LengthLimit(max_chars_from_env(channel, env, default_max))])
