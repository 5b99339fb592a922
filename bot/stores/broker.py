"""The event broker: every stored event of every conversation, published to RabbitMQ for
analytics or a Chatwoot-style integration, when EVENT_BROKER_URL says where.

Rasa's PikaEventBroker does the publishing (a fanout exchange, durable queues, persistent
messages, unpublished events kept and resent after a reconnect); this class only reads its
settings from the environment, because endpoints.yml cannot default a missing variable.
EVENT_BROKER_EXCHANGE (default Rasa's `rasa-exchange`) and EVENT_BROKER_QUEUES (comma-separated,
default Rasa's `rasa_core_events`) name where events go. Unset EVENT_BROKER_URL: no broker.
"""
from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from typing import Optional
from urllib.parse import unquote, urlsplit

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.stores.settings import BrokerSettings, event_broker_url, redact

logger = logging.getLogger(__name__)


class IntakeEventBroker(EventBroker):
    """endpoints.yml: `event_broker: {type: bot.stores.broker.IntakeEventBroker}`."""

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: Optional[EndpointConfig], event_loop: Optional[AbstractEventLoop] = None
    ) -> Optional[EventBroker]:
        url = (broker_config.url if broker_config else None) or event_broker_url()
        if not url:
            logger.info("No event broker (EVENT_BROKER_URL is not set)")
            return None
        from rasa.core.brokers.pika import PikaEventBroker

        settings = BrokerSettings.from_env()
        parts = urlsplit(url)
        broker = PikaEventBroker(
            host=url,
            username=unquote(parts.username or "guest"),
            password=unquote(parts.password or "guest"),
            port=parts.port or (5671 if parts.scheme == "amqps" else 5672),
            queues=list(settings.queues),
            exchange_name=settings.exchange,
            event_loop=event_loop,
            connection_attempts=settings.connect_attempts,
            retry_delay_in_seconds=settings.retry_delay_seconds,
        )
        await broker.connect()
        logger.info(
            f"Publishing conversation events to {redact(url)}, exchange '{settings.exchange}', "
            f"queues {', '.join(settings.queues)}"
        )
        return broker
