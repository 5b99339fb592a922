"""Log hygiene (bot/privacy/logs.py): records are redacted and carry the conversation id."""
import logging

import pytest

from bot.privacy import logs


@pytest.fixture
def captured():
    logs.install()
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.privacy.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, records
    logger.removeHandler(handler)


def test_numbers_are_masked_in_messages_and_arguments(captured):
    logger, records = captured
    logger.info("parsed %s for %s", "ssn 123-45-6789", "card 4111 1111 1111 1111")
    assert records == ["INFO parsed ssn [ssn removed] for card [card number removed]"]


def test_tracebacks_are_masked(captured):
    logger, records = captured
    try:
        int("123-45-6789")
    except ValueError:
        logger.exception("could not read a number")
    assert "123-45-6789" not in records[0] and "[ssn removed]" in records[0]


def test_records_during_a_turn_carry_the_conversation_id(captured):
    logger, records = captured
    with logs.conversation("+15550104477"):
        logger.info("the turn failed")
        logger.debug("details")
    logger.info("outside")
    assert records == ["INFO the turn failed [conversation ...4477]", "DEBUG details", "INFO outside"]


@pytest.mark.parametrize("raw, shown", [
    ("+15550104477", "...4477"), ("5550104477", "...4477"), ("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
    ("evil\nINFO forged line", "evil?INFO forged line"), ("x" * 100, "x" * 64 + "..."), ("ssn 123-45-6789", "ssn [ssn removed]"),
])
def test_log_id(raw, shown):
    assert logs.log_id(raw) == shown
