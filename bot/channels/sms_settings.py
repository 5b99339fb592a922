"""SMS configuration, from the environment only (secrets never live in credentials.yml)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional

from bot import firm as firm_details
from bot.firm import Firm


def _env(env: Mapping[str, str], key: str) -> Optional[str]:
    value = env.get(key, "").strip()
    return value or None


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{key} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class SmsSettings:
    account_sid: Optional[str] = None
    auth_token: Optional[str] = None
    from_number: Optional[str] = None
    messaging_service_sid: Optional[str] = None
    # The exact URL Twilio calls (Twilio signs it). Set it behind a proxy / TLS terminator,
    # where the URL the server sees differs: https://sms.firm.example/webhooks/sms/webhook
    public_url: Optional[str] = None
    # Who the texts are from: STOP/START/HELP name the brand and HELP gives its number (carriers
    # expect both). One source for the firm's details: bot/firm.py.
    firm: Firm = field(default_factory=firm_details.current)
    # Twilio's Advanced Opt-Out can answer STOP/START/HELP itself; then ours stay quiet.
    keyword_replies: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "SmsSettings":
        return cls(
            account_sid=_env(env, "TWILIO_ACCOUNT_SID"),
            auth_token=_env(env, "TWILIO_AUTH_TOKEN"),
            from_number=_env(env, "TWILIO_FROM_NUMBER"),
            messaging_service_sid=_env(env, "TWILIO_MESSAGING_SERVICE_SID"),
            public_url=_env(env, "SMS_PUBLIC_URL"),
            firm=Firm.from_env(env),
            keyword_replies=_flag(env, "SMS_KEYWORD_REPLIES", True),
        )

    @property
    def can_send(self) -> bool:
        """Twilio credentials and a sender: otherwise the channel runs in local mode."""
        return bool(self.account_sid and self.auth_token and (self.from_number or self.messaging_service_sid))

    @property
    def can_verify(self) -> bool:
        """Without the auth token no request can be verified, so every request is refused."""
        return bool(self.auth_token)
