"""Signed widget session tokens (optional; on when WIDGET_SESSION_SECRET is set).

Without them a widget conversation's id (32 random hex digits) is all it takes to join it, so
an id that leaks (a screenshot, a log line, a shared computer's storage dump) opens the
conversation. With them the server hands the widget `<id>.<issued>.<signature>` at
session_request, and accepts back only tokens it signed, for WIDGET_SESSION_MAX_AGE_DAYS
(default 30): a bare id, a forged or an expired token starts a fresh conversation instead. The
conversation id in Rasa stays the 32-hex id; the widget just stores the token in its place.
No Rasa imports.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import Callable, Mapping, Optional

from bot import clock

TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{1,12})\.([A-Za-z0-9_-]{22,64})$")
MIN_SECRET_CHARS = 16
DEFAULT_MAX_AGE_DAYS = 30


def _now() -> float:
    return clock.utcnow().timestamp()


class SessionSigner:
    def __init__(self, secret: str, max_age_seconds: float, now: Callable[[], float] = _now):
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"WIDGET_SESSION_SECRET must be at least {MIN_SECRET_CHARS} characters")
        self._key = secret.encode()
        self.max_age_seconds = max_age_seconds
        self.now = now

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Optional["SessionSigner"]:
        secret = (env.get("WIDGET_SESSION_SECRET") or "").strip()
        if not secret:
            return None
        raw_days = (env.get("WIDGET_SESSION_MAX_AGE_DAYS") or "").strip() or str(DEFAULT_MAX_AGE_DAYS)
        try:
            days = float(raw_days)
        except ValueError:
            raise ValueError(f"WIDGET_SESSION_MAX_AGE_DAYS must be a number of days, not {raw_days!r}") from None
        if days <= 0:
            raise ValueError("WIDGET_SESSION_MAX_AGE_DAYS must be more than 0")
        return cls(secret, days * 86400.0)

    def _signature(self, session_id: str, issued_hex: str) -> str:
        digest = hmac.new(self._key, f"{session_id}.{issued_hex}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, session_id: str) -> str:
        issued_hex = format(int(self.now()), "x")
        return f"{session_id}.{issued_hex}.{self._signature(session_id, issued_hex)}"

    def verify(self, token: object) -> Optional[str]:
        """The conversation id inside a token this server signed and that has not expired."""
        if not isinstance(token, str):
            return None
        match = TOKEN.match(token)
        if not match:
            return None
        session_id, issued_hex, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(session_id, issued_hex)):
            return None
        age = self.now() - int(issued_hex, 16)
        if age < -300 or age > self.max_age_seconds:  # a little clock skew between servers
            return None
        return session_id
