"""The production-shape stack, started once per test session and shared by the scale-out and
fault tests: two Rasa servers on PostgreSQL (through a proxy the tests can cut), the Redis lock
store (through another), RabbitMQ, and one action server."""
from __future__ import annotations

import pytest

from bot.stack import MODEL
from tests.integration.production.support import LT11_SCRIPT, start_scaled_stack

# Short enough that a test can outlast it, long enough to ride out a quick database restart.
RETRY_SECONDS = 8


@pytest.fixture(scope="session")
def scaled(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does)")
    stack = start_scaled_stack(
        tmp_path_factory.mktemp("scaled-stack"), servers=2, TRACKER_STORE_RETRY_SECONDS=str(RETRY_SECONDS)
    )
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def scaled_reference(scaled):
    """The scripted conversation on one server, start to end: what every other run must match."""
    sender = scaled.new_sender()
    return [scaled.texts(sender, text, server=0) for text in LT11_SCRIPT]
