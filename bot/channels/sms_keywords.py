"""What an inbound text means before the assistant reads it: opt-out, opt-in, help, or talk.

Carrier rules (CTIA Messaging Principles; Twilio's default opt-out keywords) make the exact
keywords binding when they are the whole message, in any case, with stray punctuation.
People also write what they mean in words ("stop texting me"): that is an opt-out too. A
keyword inside a sentence ("how do I stop the levy", "can I cancel my plan") is not.
"""
from __future__ import annotations

import re
from enum import Enum


class Keyword(str, Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NONE = "none"


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

_TEXTING = r"(?:text(?:s|ing)?|txt(?:s|ing)?|messag(?:e|es|ing)|sms|msgs?)"
# Whole-message and in-sentence requests to stop texting; each needs a texting word or an
# explicit "unsubscribe/opt out", so "stop the levy" never matches.
_PLAIN_OPT_OUT = [
    re.compile(rf"\b(?:stop|quit|cease|no\s+more)\s+(?:\w+\s+){{0,2}}{_TEXTING}\b"),
    re.compile(rf"\b(?:don'?t|do\s+not|dont|never)\s+(?:\w+\s+)?{_TEXTING}\s+(?:me|this\s+number)\b"),
    re.compile(r"\b(?:unsubscribe|opt\s*-?\s*out)\b"),
    re.compile(r"\bremove\s+(?:me|my\s+number|this\s+number)\s+from\b"),
]


def _normalise(body: str) -> str:
    return re.sub(r"\s+", " ", body).strip()


def _bare_word(body: str) -> str:
    """The message as one upper-case word without surrounding punctuation ("Stop." -> STOP)."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", _normalise(body)).upper()


def classify(body: str) -> Keyword:
    word = _bare_word(body)
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS:
        return Keyword.OPT_IN
    if word in HELP_WORDS:
        return Keyword.HELP
    text = _normalise(body).lower().replace("\u2019", "'")
    if any(pattern.search(text) for pattern in _PLAIN_OPT_OUT):
        return Keyword.OPT_OUT
    return Keyword.NONE
