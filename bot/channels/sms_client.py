"""One small client for every outbound SMS: Twilio's REST API, or a local mode that logs.

Every send passes the opt-out check first, so nothing (bot reply, advisor reply, keyword
confirmation after opt-out) reaches a number that texted STOP. Sends are async (twilio's
AsyncTwilioHttpClient on aiohttp): the event loop is never blocked, unlike Rasa's built-in
twilio connector. Without credentials it logs what it would send (local mode). Tests pass a
capturing `http_client` and exercise twilio's own request building.
Logs carry the number's last digits and sizes, never the message text above DEBUG.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Optional

from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient

from bot.channels import gsm
from bot.channels.sms_settings import SmsSettings
from bot.channels.sms_store import SmsStore, normalise_phone

logger = logging.getLogger(__name__)

# Twilio error 21610: "Attempt to send to unsubscribed recipient" -- the carrier/Twilio has the
# number opted out; record it so we stop trying too.
TWILIO_UNSUBSCRIBED = 21610
SEND_TIMEOUT_SECONDS = 15.0


def masked(phone: str) -> str:
    phone = normalise_phone(phone)
    return f"...{phone[-4:]}" if len(phone) > 4 else "..."


@dataclass(frozen=True)
class SendResult:
    to: str
    sent: bool
    reason: str  # "sent", "local", "opted_out", "error"
    sid: Optional[str] = None


class SmsClient:
    def __init__(self, settings: SmsSettings, store: SmsStore, http_client: Optional[AsyncHttpClient] = None):
        self.settings = settings
        self.store = store
        self._http_client = http_client
        self._twilio: Any = None

    @property
    def local_mode(self) -> bool:
        return not self.settings.can_send

    def _client(self) -> Any:
        # Built lazily inside the running loop: aiohttp sessions belong to a loop.
        if self._twilio is None:
            from twilio.http.async_http_client import AsyncTwilioHttpClient
            from twilio.rest import Client

            http_client = self._http_client or AsyncTwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS)
            self._twilio = Client(self.settings.account_sid, self.settings.auth_token, http_client=http_client)
        return self._twilio

    async def send(self, to: str, body: str, *, even_if_opted_out: bool = False) -> SendResult:
        """Sends `body` unless `to` opted out. `even_if_opted_out` is for the one opt-out
        confirmation only."""
        to = normalise_phone(to)
        if not even_if_opted_out and await asyncio.to_thread(self.store.is_opted_out, to):
            logger.info("SMS to %s held back: the number opted out", masked(to))
            return SendResult(to, False, "opted_out")
        if self.local_mode:
            logger.info(
                "SMS local mode (no Twilio credentials), not sent to %s: %d chars, %d segment(s)",
                masked(to), len(body), gsm.segments(body),
            )
            logger.debug("SMS local mode body to %s: %s", masked(to), body)
            return SendResult(to, False, "local")
        sender = (
            {"messaging_service_sid": self.settings.messaging_service_sid}
            if self.settings.messaging_service_sid
            else {"from_": self.settings.from_number}
        )
        try:
            message = await self._client().messages.create_async(to=to, body=body, **sender)
        except TwilioRestException as error:
            if error.code == TWILIO_UNSUBSCRIBED:
                await asyncio.to_thread(self.store.opt_out, to, "carrier")
                logger.info("Twilio reports %s unsubscribed (21610); recorded the opt-out", masked(to))
                return SendResult(to, False, "opted_out")
            logger.error("Twilio refused an SMS to %s: HTTP %s, code %s", masked(to), error.status, error.code)
            return SendResult(to, False, "error")
        except Exception as error:  # network, timeout: log and carry on, never crash the turn
            logger.error("SMS to %s failed: %s", masked(to), type(error).__name__)
            return SendResult(to, False, "error")
        logger.info("SMS sent to %s: %d chars, %d segment(s)", masked(to), len(body), gsm.segments(body))
        return SendResult(to, True, "sent", getattr(message, "sid", None))

    async def close(self) -> None:
        client = self._http_client or (self._twilio.http_client if self._twilio is not None else None)
        close = getattr(client, "close", None)
        if close is not None:
            await close()
