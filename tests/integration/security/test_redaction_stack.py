"""Redaction at the door, checked where it matters: the tracker store of a running Rasa server
(PostgreSQL, read directly), the NLU's results, and the logs of every process."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.privacy.redaction import SSN_SHAPE
from tests.integration.security.conftest import new_phone
from tests.unit.privacy.test_redaction_properties import ssn, texts

pytestmark = pytest.mark.stack


def ssn_shaped_in(text: str):
    return [m.group(0) for m in SSN_SHAPE.finditer(text) if m.group(2) or not m.group(4)]


# Rasa's own identifiers and numbers: random hex and floats, not anything a person typed.
RASA_OWN = {"model_id", "message_id", "timestamp", "confidence", "assistant_id"}


def strings_in(value, key=None):
    """Every string in a stored event (text, parse data, entities, slots, metadata), and keys."""
    if key in RASA_OWN:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield str(name)
            yield from strings_in(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item, key)


def stored_strings(stack, sender: str):
    rows = stack.sql("SELECT sender_id, type_name, intent_name, action_name, data FROM events WHERE sender_id = %s", sender)
    for sender_id, type_name, intent, action, data in rows:
        yield from (value for value in (sender_id, type_name, intent, action) if value)
        yield from strings_in(json.loads(data))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.tuples(texts, ssn(), texts).map(lambda parts: f"{parts[0]} {parts[1]} {parts[2]}"))
def test_no_ssn_shaped_number_ever_reaches_the_tracker_store(security_stack, text):
    """Whatever is typed around it (hypothesis), no nine-digit SSN-shaped number is stored:
    not in the text, the parse data, the entities or the metadata of any event."""
    stack = security_stack
    sender = "prop-" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:12])
    response = stack.rest(sender, text, metadata={"typed": text[:500]})
    assert response.status_code in (200, 429), response.text[:200]
    stored = list(stored_strings(stack, sender))
    assert sender in stored  # the conversation was stored
    found = [(value[:80], shaped) for value in stored for shaped in ssn_shaped_in(value)]
    assert found == []


CONVERSATION = "I got an LT11 dated November 10, 2026. My SSN is 123-45-6789, card 4111 1111 1111 1111."


def assert_redacted_but_understood(stack, sender: str, texts_before: int = 0) -> None:
    stored = stack.stored_events(sender)
    blob = json.dumps(stored)
    for secret in ("123-45-6789", "123456789", "4111 1111 1111 1111", "4111111111111111"):
        assert secret not in blob
    user = [e for e in stored if e.get("event") == "user"][texts_before]
    assert user["text"] == "I got an LT11 dated November 10, 2026. My SSN is [ssn removed], card [card number removed]."
    # The NLU still reads the notice and its date from the masked text.
    entities = {(e["entity"], e["value"]) for e in user["parse_data"]["entities"]}
    assert {("notice_code", "LT11"), ("notice_date", "2026-11-10")} <= entities


def test_rest_masks_the_numbers_tells_the_taxpayer_and_keeps_the_notice_and_date(security_stack):
    sender = f"redact-rest-{uuid.uuid4().hex[:8]}"
    replies = security_stack.rest(sender, CONVERSATION).json()
    assert replies[0]["text"].startswith(
        "I removed what looked like a Social Security number and a card number from your message, so it isn't stored. "
        "Please don't share")
    assert_redacted_but_understood(security_stack, sender)


def test_the_widget_masks_the_numbers(security_stack, widget):
    chat = widget()
    session = chat.open()
    chat.send(CONVERSATION)
    replies = chat.replies()
    assert replies[0]["text"].startswith("I removed what looked like a Social Security number and a card number")
    assert_redacted_but_understood(security_stack, session)


def test_sms_masks_the_numbers(security_stack):
    phone = new_phone()
    assert security_stack.sms(phone, CONVERSATION).status_code == 200
    security_stack.wait_stored_user_texts(phone, 1)
    security_stack.wait_sms_replies(phone, 1)
    assert_redacted_but_understood(security_stack, phone)


def test_a_callback_number_given_in_the_contact_form_is_kept(security_stack):
    """The contact form asks for a phone number: the redactor must let it through whole."""
    stack = security_stack
    sender = f"callback-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, "I want to talk to a real person")
    for _ in range(6):
        slots = stack.tracker(sender)["slots"]
        asked = slots.get("requested_slot")
        if asked == "contact_phone":
            break
        answers = {"contact_method": "Phone", "contact_name": "Dana Reyes", "handoff_consent": "yes",
                   "best_time": "mornings", "contact_email": "dana@example.com"}
        stack.rest(sender, answers.get(asked, "yes"))
    assert stack.tracker(sender)["slots"].get("requested_slot") == "contact_phone"
    stack.rest(sender, "(555) 201-4477, and my ssn is 123-45-6789")
    stored = json.dumps(stack.stored_events(sender))
    assert "(555) 201-4477" in stored and "123-45-6789" not in stored
    assert re.sub(r"\D", "", stack.tracker(sender)["slots"]["contact_phone"] or "").endswith("5552014477")


def test_info_logs_carry_conversation_ids_never_message_text(security_stack):
    """A phrase typed through every channel appears in no log line of any process, while the
    conversations' ids do (Rasa, the action server and the web service log at INFO)."""
    stack = security_stack
    phrase = f"zebra{uuid.uuid4().hex[:6]}kumquat"
    sender = f"logs-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, f"I got an LT11 {phrase} and my ssn is 123-45-6789")
    phone = new_phone()
    stack.sms(phone, f"hello {phrase}")
    stack.wait_sms_replies(phone, 1)
    logs = {service.name: service.log_path.read_text(errors="replace") for service in stack.stack.services}
    for name, text in logs.items():
        assert phrase not in text, name
        assert "123-45-6789" not in text, name
    assert f"...{phone[-4:]}" in logs["rasa server"]
