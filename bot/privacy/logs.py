"""Log hygiene: logs carry conversation ids, never what the taxpayer typed (issue 7).

`install()` (idempotent) hooks Python's log-record factory, so it reaches every logger of the
process (ours, Rasa's, Sanic's, rasa_sdk's) whatever handlers they have:
- every record's message, and its traceback, passes the redactor: a number that slipped into
  an exception message or a DEBUG line is masked before any handler formats it;
- while a turn runs (`conversation(...)`, set by the channels around the turn), records at
  INFO and above get `[conversation <id>]` appended, so an operator can follow one
  conversation through the logs without any message text being logged.

Our own code logs ids and sizes at INFO and message text only at DEBUG, which no deployment
runs in production; tests/integration/security/test_logs.py checks the stack's INFO logs.
Ids are logged through `log_id()`: a phone number (an SMS conversation's id) shows only its
last four digits, and control characters cannot forge log lines.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import threading
from typing import Any, Iterator, Optional

from bot.privacy.redaction import redact

_conversation: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("intake_conversation", default=None)
_installed = False
_lock = threading.Lock()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PHONE = re.compile(r"^\+?\d{7,15}$")
MAX_ID_CHARS = 64


def log_id(conversation_id: Any) -> str:
    """A conversation id as logs show it: phone numbers masked, control characters removed."""
    text = _CONTROL.sub("?", str(conversation_id))
    if _PHONE.match(text):
        return f"...{text[-4:]}"
    if len(text) > MAX_ID_CHARS:
        text = text[:MAX_ID_CHARS] + "..."
    return redact(text).text


@contextlib.contextmanager
def conversation(conversation_id: Any) -> Iterator[None]:
    """Marks the records logged inside (this task and the tasks it starts) with the id."""
    token = _conversation.set(log_id(conversation_id))
    try:
        yield
    finally:
        _conversation.reset(token)


def current_conversation() -> Optional[str]:
    return _conversation.get()


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to the handler's own error path
        return
    cleaned = redact(message).text
    ref = _conversation.get()
    if ref and record.levelno >= logging.INFO and ref not in cleaned:
        cleaned = f"{cleaned} [conversation {ref}]"
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info)).text
    record.conversation = ref or "-"


def install() -> None:
    """Hooks the log-record factory of this process once."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _clean(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
