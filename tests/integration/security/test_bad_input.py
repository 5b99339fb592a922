"""The bad-input suite: every input the issue lists, through every channel (REST, the widget's
socket.io, SMS signed with twilio's RequestValidator), against the running stack with the
project's model. For each: no 5xx, a clear reply or a clear error, nothing lost (what was
accepted is in the tracker store, cleaned, masked or cut as the door says), and no other
conversation touched (every other conversation's stored events are exactly as before).
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Dict, List, Tuple

import pytest

from bot.channels.door import DEFAULT_MAX_CHARS, EMPTY_COMMAND_REPLY
from bot.channels.gsm import MAX_BODY_CHARS
from bot.channels.rest import NO_TEXT_REPLY as REST_NO_TEXT
from bot.channels.socketio import NO_TEXT_REPLY as WIDGET_NO_TEXT
from tests.integration.security.conftest import new_phone

pytestmark = pytest.mark.stack

LONG = "I got an LT11 dated November 10 2026 " + "and then " * 11_108  # 100,000+ characters
assert len(LONG) >= 100_000
BINARY = "LT11 \x00\x01\x02\x07\x08\x0b\x1b[2J\x7f\x9b" + "".join(map(chr, range(1, 32)))

# (name, what is sent, what the tracker store must hold afterwards: the text, or None for
# "no turn ran", or a predicate)
INPUTS: List[Tuple[str, str, object]] = [
    ("empty", "", None),
    ("whitespace", " \n\t  \u00a0 ", None),
    ("100,000 characters", LONG, lambda stored: len(stored) <= DEFAULT_MAX_CHARS and stored.startswith("I got an LT11")),
    ("binary bytes", BINARY, lambda stored: stored.startswith("LT11") and not any(ord(c) < 32 and c not in "\t\n\r" for c in stored)),
    ("emoji only", "😱😱😱🙏", "😱😱😱🙏"),
    ("right-to-left text", "مرحبا، استلمت إشعار LT11 بتاريخ 10 نوفمبر", "مرحبا، استلمت إشعار LT11 بتاريخ 10 نوفمبر"),
    ("bidi override", "\u202eLT11 dated 11/10/2026\u202c", "LT11 dated 11/10/2026"),
    ("SQL injection", "'; DROP TABLE events; --", "'; DROP TABLE events; --"),
    ("SQL injection in quotes", "1' OR '1'='1\"; DELETE FROM handoff_cases; --", "1' OR '1'='1\"; DELETE FROM handoff_cases; --"),
    ("template injection", "{{7*7}} ${7*7} {slot} {0.__class__} <%= 7*7 %> #{7*7}", "{{7*7}} ${7*7} {slot} {0.__class__} <%= 7*7 %> #{7*7}"),
    ("a Rasa /restart", "/restart", "restart"),
    ("a Rasa intent payload with slots", '/inform{"case_id": "999", "risk_level": "low", "slot": "x"}',
     'inform{"case_id": "999", "risk_level": "low", "slot": "x"}'),
    ("a lone slash", "/", None),
]
IDS = [name for name, _, _ in INPUTS]
INJECTED_SLOTS = {"case_id": "999", "risk_level": "low"}


def snapshot(stack) -> Dict[str, Tuple[int, int]]:
    """Every conversation's (event count, last event id) in the tracker store."""
    return {sender: (count, last) for sender, count, last in
            stack.sql("SELECT sender_id, count(*), max(id) FROM events GROUP BY sender_id")}


def only_changed(before: Dict[str, Tuple[int, int]], after: Dict[str, Tuple[int, int]], sender: str) -> None:
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    assert changed <= {sender}, f"other conversations changed: {changed - {sender}}"


def check_stored(stack, sender: str, expected: object, wait: bool = False) -> None:
    texts = stack.wait_stored_user_texts(sender, 1) if (wait and expected is not None) else stack.stored_user_texts(sender)
    if expected is None:
        assert texts == []
        return
    assert len(texts) == 1, texts  # accepted once, not lost, not doubled
    if callable(expected):
        assert expected(texts[0]), texts[0][:200]
    else:
        assert texts[0] == expected
    slots = stack.tracker(sender)["slots"]
    for slot, value in INJECTED_SLOTS.items():
        assert slots.get(slot) != value, f"{slot} was set from a payload"


def parse_of_latest_user_message(stack, sender: str) -> Dict:
    return [e for e in stack.stored_events(sender) if e.get("event") == "user"][-1]["parse_data"]


@pytest.fixture(scope="module")
def bystander(security_stack):
    """A conversation that must never change while the suite runs."""
    sender = "bystander-" + time.strftime("%H%M%S")
    assert security_stack.rest(sender, "I got an LT11 dated November 10 2026").status_code == 200
    return sender


# --- REST ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, text, expected", INPUTS, ids=IDS)
def test_rest(security_stack, bystander, name, text, expected):
    stack = security_stack
    sender = f"rest-{name.replace(' ', '-')[:20]}-{uuid.uuid4().hex[:8]}"
    before = snapshot(stack)
    response = stack.rest(sender, text)
    assert response.status_code == 200, response.text[:300]
    replies = response.json()
    assert replies and all(r["recipient_id"] == sender for r in replies)
    assert any((r.get("text") or "").strip() for r in replies)
    if expected is None:
        assert replies[0]["text"] in (REST_NO_TEXT, EMPTY_COMMAND_REPLY)
    check_stored(stack, sender, expected)
    only_changed(before, snapshot(stack), sender)


WRONG_SHAPES = [
    (b"", "the body must be JSON"),
    (b"not json", "not valid JSON"),
    (b'{"sender": "x", "message": "\xff\xfe caf\xe9"}', "not valid JSON (UTF-8)"),
    (b"[]", "must be a JSON object"),
    (b'"hello"', "must be a JSON object"),
    (b'{"message": "hi"}', "sender must be a non-empty string"),
    (b'{"sender": 5, "message": "hi"}', "sender must be a non-empty string"),
    (b'{"sender": "", "message": "hi"}', "sender must be a non-empty string"),
    (b'{"sender": "' + b"x" * 300 + b'", "message": "hi"}', "at most 255 characters"),
    (b'{"sender": "a\\nb", "message": "hi"}', "control characters"),
    (b'{"sender": "123-45-6789", "message": "hi"}', "looks like an SSN or a tax id"),
    (b'{"sender": "x", "message": ["a", "b"]}', "message must be a string"),
    (b'{"sender": "x", "message": {"text": "hi"}}', "message must be a string"),
    (b'{"sender": "x", "message": 42}', "message must be a string"),
    (b'{"sender": "x", "message": "hi", "metadata": "str"}', "metadata must be a JSON object"),
    (b'{"sender": "x", "message": "hi", "metadata": {"a": "' + b"x" * 5000 + b'"}}', "at most 4096 bytes"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
]


@pytest.mark.parametrize("body, error", WRONG_SHAPES, ids=[e for _, e in WRONG_SHAPES])
def test_rest_wrong_shapes_get_a_400_naming_the_problem(security_stack, bystander, body, error):
    before = snapshot(security_stack)
    response = security_stack.rest_raw(body)
    assert response.status_code == 400
    assert error in response.json()["error"] and response.json()["status"] == 400
    assert snapshot(security_stack) == before  # nothing stored anywhere


def test_a_rest_client_cannot_claim_another_channel(security_stack):
    sender = f"rest-channel-{uuid.uuid4().hex[:8]}"
    assert security_stack.rest(sender, "hello", input_channel="sms").status_code == 200
    assert security_stack.tracker(sender)["latest_input_channel"] == "rest"


def test_an_intent_payload_neither_sets_slots_nor_skips_the_form(security_stack):
    stack = security_stack
    sender = f"rest-form-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, "I got an LT11")  # the notice form now asks for the date
    before = stack.tracker(sender)
    assert before["active_loop"].get("name") == "notice_form" and before["slots"]["requested_slot"] == "notice_date"
    stack.rest(sender, '/inform{"case_id": "999", "risk_level": "low", "handoff_consent": true, "slot": "x"}')
    after = stack.tracker(sender)
    assert after["active_loop"].get("name") == "notice_form" and after["slots"]["requested_slot"] == "notice_date"
    assert after["slots"]["case_id"] is None and after["slots"]["risk_level"] is None
    assert not after["slots"]["handoff_consent"]
    parse = parse_of_latest_user_message(stack, sender)
    assert parse["text"].startswith("inform{")  # read as words by the NLU, not as a command
    assert len(parse["intent_ranking"]) > 1  # classified, not dictated (a payload has one 1.0 intent)
    assert all(e.get("extractor") == "IntakeEntityExtractor" for e in parse.get("entities", []))


def test_a_typed_restart_is_read_as_the_word(security_stack):
    stack = security_stack
    sender = f"rest-restart-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, "I got an LT11")
    stack.rest(sender, "/restart")
    parse = parse_of_latest_user_message(stack, sender)
    assert parse["text"] == "restart" and len(parse["intent_ranking"]) > 1


# --- the widget (socket.io) -----------------------------------------------------------------------
def widget_text(reply: Dict) -> str:
    return reply.get("text") or json.dumps(reply.get("custom") or reply.get("quick_replies") or "")


@pytest.mark.parametrize("name, text, expected", INPUTS, ids=IDS)
def test_widget(security_stack, bystander, widget, name, text, expected):
    stack = security_stack
    chat = widget()
    session = chat.open()
    before = snapshot(stack)
    chat.send(text)
    replies = chat.replies()
    assert any(widget_text(r).strip() for r in replies)
    if expected is None:
        assert replies[0] == {"text": WIDGET_NO_TEXT if name != "a lone slash" else EMPTY_COMMAND_REPLY}
    check_stored(stack, session, expected)
    only_changed(before, snapshot(stack), session)


WIDGET_WRONG_SHAPES = [
    ("a list", ["hello"]),
    ("a string", "hello"),
    ("a number", 42),
    ("no message", {"session_id": None}),
    ("message a dict", {"message": {"text": "hi"}}),
    ("message a list", {"message": ["hi"]}),
    ("message a number", {"message": 7}),
    ("message bytes (binary attachment)", {"message": b"\x00\xff\xfe binary"}),
    ("a lone surrogate", {"message": "LT11 \ud800 dated"}),
    ("metadata not an object", {"message": "hello", "metadata": "{not json"}),
    ("metadata with an SSN", {"message": "hello", "metadata": {"note": "ssn 123-45-6789"}}),
]


@pytest.mark.parametrize("name, data", WIDGET_WRONG_SHAPES, ids=[n for n, _ in WIDGET_WRONG_SHAPES])
def test_widget_wrong_shapes_get_a_clear_reply(security_stack, bystander, widget, name, data):
    stack = security_stack
    chat = widget()
    session = chat.open()
    before = snapshot(stack)
    if isinstance(data, dict):
        data = {"session_id": session, **data}
    chat.send_raw(data)
    replies = chat.replies()
    assert replies and any(widget_text(r).strip() for r in replies)
    after = snapshot(stack)
    only_changed(before, after, session)
    stored = stack.stored_events(session)
    if name == "a lone surrogate":
        assert stack.stored_user_texts(session) == ["LT11 ? dated"]
    elif name == "metadata with an SSN":
        assert "123-45-6789" not in json.dumps(stored) and stack.stored_user_texts(session) == ["hello"]
    elif name == "metadata not an object":
        assert stack.stored_user_texts(session) == ["hello"]
    else:
        assert replies[0] == {"text": WIDGET_NO_TEXT} and stack.stored_user_texts(session) == []


# --- SMS -------------------------------------------------------------------------------------------
SMS_INPUTS = [(n, t, e) for n, t, e in INPUTS if n != "100,000 characters"] + [
    ("100,000 characters", LONG, lambda stored: len(stored) <= MAX_BODY_CHARS and stored.startswith("I got an LT11")),
]


@pytest.mark.parametrize("name, text, expected", SMS_INPUTS, ids=[n for n, _, _ in SMS_INPUTS])
def test_sms(security_stack, bystander, name, text, expected):
    stack = security_stack
    phone = new_phone()
    before = snapshot(stack)
    response = stack.sms(phone, text)
    assert response.status_code == 200 and "<Response>" in response.text
    sizes = stack.wait_sms_replies(phone, 1)
    assert sizes and sizes[0] > 0  # answered with a text
    check_stored(stack, phone, expected, wait=True)
    only_changed(before, snapshot(stack), phone)


def test_sms_invalid_utf8_is_read_with_replacement_characters(security_stack):
    stack = security_stack
    phone = new_phone()
    params = stack.sms_params(phone, "\ufffd\ufffd LT11 caf\ufffd")
    from urllib.parse import quote_plus
    from twilio.request_validator import RequestValidator
    from tests.integration.security.conftest import SMS_AUTH_TOKEN
    signature = RequestValidator(SMS_AUTH_TOKEN).compute_signature(stack.sms_url, params)
    body = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in params.items() if k != "Body")
    body += "&Body=%FF%FE+LT11+caf%E9"
    response = stack.sms_raw(body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                             "X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert stack.wait_stored_user_texts(phone, 1) == ["\ufffd\ufffd LT11 caf\ufffd"]


@pytest.mark.parametrize("case, status", [
    ("no signature", 403), ("a forged signature", 403), ("JSON instead of a form", 403),
    ("no From", 400), ("no MessageSid", 400),
])
def test_sms_wrong_shapes_get_a_clear_status_and_nothing_is_stored(security_stack, bystander, case, status):
    stack = security_stack
    before = snapshot(stack)
    phone = new_phone()
    if case == "no signature":
        response = stack.sms(phone, "LT11", signature=None)
    elif case == "a forged signature":
        response = stack.sms(phone, "LT11", signature="bm90IGEgc2lnbmF0dXJl")
    elif case == "JSON instead of a form":
        response = stack.sms_raw(json.dumps(stack.sms_params(phone, "LT11")).encode(),
                                 {"Content-Type": "application/json", "X-Twilio-Signature": "x"})
    else:
        from twilio.request_validator import RequestValidator
        from tests.integration.security.conftest import SMS_AUTH_TOKEN
        params = stack.sms_params(phone, "LT11")
        params.pop("From" if case == "no From" else "MessageSid")
        if case == "no MessageSid":
            params.pop("SmsSid")
        signature = RequestValidator(SMS_AUTH_TOKEN).compute_signature(stack.sms_url, params)
        import requests
        response = requests.post(stack.sms_url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == status and response.text
    time.sleep(0.5)
    assert snapshot(stack) == before
    assert stack.sms_replies(phone) == []
