"""The queue service's settings, all from the environment (docs/handoff.md lists them)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from bot.firm import Firm
from bot.handoff.db import database_url
from bot.handoff.rasa_api import RasaClient
from bot.handoff.sla import SlaPolicy
from bot.handoff.webhooks import WebhookConfig


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class QueueSettings:
    db_url: str
    state_dir: Path
    service_token: str
    advisor_token: str
    rasa: Optional[RasaClient]
    webhooks: WebhookConfig
    sla: SlaPolicy

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "QueueSettings":
        env = os.environ if env is None else env
        service_token = env.get("SERVICE_TOKEN") or ""
        advisor_token = env.get("ADVISOR_TOKEN") or ""
        if service_token and service_token == advisor_token:
            raise SettingsError("SERVICE_TOKEN and ADVISOR_TOKEN must differ: they grant different rights")
        # RASA_URL=off runs the queue without the live side (no pause, no replies, no transcript).
        rasa = None if (env.get("RASA_URL") or "").strip().lower() == "off" else RasaClient.from_env(env)
        try:
            webhooks = WebhookConfig.from_env(env)
            sla = SlaPolicy.from_env(env)
            # The firm's details are in every away answer, /firm.json and the demo page: a typo
            # stops the start with its reason, not each request later.
            Firm.from_env(env)
        except ValueError as error:
            raise SettingsError(str(error)) from None
        return cls(
            db_url=database_url(env),
            state_dir=Path(env.get("STATE_DIR") or "var"),
            service_token=service_token,
            advisor_token=advisor_token,
            rasa=rasa,
            webhooks=webhooks,
            sla=sla,
        )
