"""The door's security checks one by one (bot/channels/door.py)."""
import pytest

from bot.channels.door import (
    EMPTY_COMMAND_REPLY, MAX_METADATA_BYTES, RATE_LIMITED, SLOW_DOWN_REPLY, SLOW_DOWN_SMS_REPLY, Arrival, CleanText,
    CommandGuard, OfferedPayloads, RateLimit, Redaction, clean_metadata, clean_text, door_for, rate_limit_from_env,
)
from bot.channels.ratelimit import AddressSet, Rate, TokenBuckets


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def arrival(text="hello", sender="abc", channel="socketio", ip=None, **extra):
    return Arrival(text, sender, channel, client_ip=ip, **extra)


# --- rate limits ---------------------------------------------------------------------------------
def test_a_conversation_over_its_rate_gets_one_slow_down_then_silence_then_is_let_in_again():
    clock = FakeClock()
    limit = RateLimit(TokenBuckets(Rate(3, 60), clock))
    assert [limit(arrival()).refused for _ in range(3)] == [None, None, None]
    refused = limit(arrival())
    assert (refused.refused, refused.reason) == (SLOW_DOWN_REPLY, RATE_LIMITED)
    assert refused.retry_after == pytest.approx(20.0)
    assert limit(arrival()).refused == ""  # the flood gets one answer, not one per message
    assert limit(arrival(sender="other")).refused is None  # other conversations are untouched
    clock.now += 20
    assert limit(arrival()).refused is None
    clock.now += 0.1
    assert limit(arrival()).refused == SLOW_DOWN_REPLY  # a new episode is told again


def test_sms_is_told_in_sms_words():
    limit = RateLimit(TokenBuckets(Rate(1, 60), FakeClock()))
    limit(arrival(channel="sms", sender="+15550104477"))
    assert limit(arrival(channel="sms", sender="+15550104477")).refused == SLOW_DOWN_SMS_REPLY


def test_the_ip_limit_spans_conversations_and_exempt_addresses_skip_it():
    clock = FakeClock()
    limit = RateLimit(None, TokenBuckets(Rate(2, 60), clock), AddressSet.parse("127.0.0.1, 10.0.0.0/8"))
    assert limit(arrival(sender="a", ip="203.0.113.9")).refused is None
    assert limit(arrival(sender="b", ip="203.0.113.9")).refused is None
    assert limit(arrival(sender="c", ip="203.0.113.9")).refused == SLOW_DOWN_REPLY
    assert limit(arrival(sender="d", ip="203.0.113.10")).refused is None
    for _ in range(10):
        assert limit(arrival(sender="e", ip="10.1.2.3")).refused is None
        assert limit(arrival(sender="e", ip="127.0.0.1")).refused is None


def test_rate_limits_from_the_environment():
    assert rate_limit_from_env("socketio", {"RATE_LIMIT_SESSION": "off", "RATE_LIMIT_IP": "off"}) is None
    sms = rate_limit_from_env("sms", {})
    assert sms.per_sender.rate == Rate(10, 60) and sms.per_ip is None
    web = rate_limit_from_env("socketio", {"RATE_LIMIT_SESSION_SOCKETIO": "5/10s", "RATE_LIMIT_EXEMPT_IPS": ""})
    assert web.per_sender.rate == Rate(5, 10) and web.per_ip.rate == Rate(120, 60)
    assert "127.0.0.1" not in web.exempt
    assert "127.0.0.1" in rate_limit_from_env("rest", {}).exempt
    with pytest.raises(ValueError, match="RATE_LIMIT_SESSION must look like"):
        rate_limit_from_env("rest", {"RATE_LIMIT_SESSION": "lots"})


# --- cleaning ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, clean", [
    ("a\x00b\x07c\x1b[31m", "abc[31m"),
    ("keep\ttabs\nand lines\r\n", "keep\ttabs\nand lines\r\n"),
    ("evil\u202eexe.txt", "evilexe.txt"),
    ("\ufeffhello\u200b", "hello"),
    ("lone \ud800 surrogate", "lone ? surrogate"),
    ("مرحبا، لدي إشعار LT11", "مرحبا، لدي إشعار LT11"),  # right-to-left text stays
    ("👨‍👩‍👧 family", "👨‍👩‍👧 family"),  # zero-width joiners inside emoji stay
])
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean
    assert CleanText(arrival(raw)).text == clean


# --- command payloads ---------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, reaches_nlu", [
    ("/restart", "restart"),
    ('/inform{"notice_code": "LT11"}', 'inform{"notice_code": "LT11"}'),
    ('  //affirm{"slot":"x"}@1.0', 'affirm{"slot":"x"}@1.0'),
    ("/session_start", "session_start"),
    ("what does 1/2 mean", "what does 1/2 mean"),
])
def test_a_typed_command_reaches_the_nlu_as_words(typed, reaches_nlu):
    assert CommandGuard()(arrival(typed)).text == reaches_nlu


def test_a_slash_alone_is_answered():
    result = CommandGuard()(arrival(" / "))
    assert result.refused == EMPTY_COMMAND_REPLY


def test_a_payload_of_a_button_the_bot_offered_passes_but_only_in_that_conversation():
    offered = OfferedPayloads()
    offered.remember("abc", [{"title": "Yes", "payload": "/affirm"}, {"title": "Text", "payload": "LT11"}])
    guard = CommandGuard(offered)
    assert guard(arrival("/affirm")).text == "/affirm"
    assert guard(arrival("/affirm", sender="other")).text == "affirm"
    assert guard(arrival('/affirm{"case_id": "1"}')).text == 'affirm{"case_id": "1"}'
    assert guard(arrival("/deny", chosen_button=True)).text == "/deny"  # an SMS menu choice


def test_offered_payloads_are_read_from_collected_messages():
    offered = OfferedPayloads()
    offered.remember_messages("s", [{"text": "Pick", "buttons": [{"payload": "/deny"}]}, {"quick_replies": [{"payload": "/affirm"}]}])
    assert offered.was_offered("s", "/deny") and offered.was_offered("s", " /affirm ")


# --- redaction ----------------------------------------------------------------------------------------
def test_redaction_masks_and_warns_fully_once_per_conversation():
    check = Redaction()
    first = check(arrival("my ssn is 123-45-6789"))
    assert first.text == "my ssn is [ssn removed]"
    assert first.notices == ("I removed what looked like a Social Security number from your message, so it isn't "
                             "stored. Please don't share Social Security, bank or card numbers, IRS PINs or passwords "
                             "here: we never need them in this chat.",)
    again = check(arrival("card 4111111111111111"))
    assert again.notices == ("I removed what looked like a card number from your message, so it isn't stored.",)
    sms = check(arrival("ssn 123456789", sender="+15550104477", channel="sms"))
    assert sms.notices == ("I removed what looked like a Social Security number from your text, so it isn't stored. "
                           "Please don't text SSNs, bank or card numbers, PINs or passwords.",)
    assert check(arrival("LT11 dated 11/10/2026")).notices == ()


async def test_the_standard_door_runs_every_check_in_order():
    door = door_for("socketio", env={"MAX_MESSAGE_CHARS": "40"})
    result = await door.admit(arrival('/inform{"x": "my ssn 123-45-6789"} and then some more words here'))
    assert result.text == 'inform{"x": "my ssn [ssn removed]"} and'
    assert len(result.notices) == 2  # the redaction, then the cut


# --- metadata ------------------------------------------------------------------------------------------
def test_metadata_is_a_redacted_bounded_object():
    assert clean_metadata({"note": "ssn 123-45-6789", "ok": 1}) == {"note": "ssn [ssn removed]", "ok": 1}
    assert clean_metadata('{"a": "b\\u0000c"}') == {"a": "bc"}
    assert clean_metadata("not json") == {} and clean_metadata([1, 2]) == {} and clean_metadata(None) == {}
    assert clean_metadata({"big": "x" * MAX_METADATA_BYTES}) == {}


@pytest.mark.parametrize("text, limit, kept", [
    ("call 5550104477 now", 10, "call"),
    ("call 555-010-4477 now", 12, "call"),
    ("ok 123 45 6789", 10, "ok"),  # spaces group an SSN too
    ("abcdef 123", 9, "abcdef"),
])
def test_the_length_cut_never_splits_a_number(text, limit, kept):
    from bot.channels.door import LengthLimit
    assert LengthLimit(limit)(arrival(text)).text == kept
