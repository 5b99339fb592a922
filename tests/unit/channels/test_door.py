import asyncio

import pytest

from bot.channels.door import Arrival, Door, LengthLimit, door_for, max_chars_from_env


def arrival(text):
    return Arrival(text=text, sender_id="abc", channel="socketio")


async def test_a_short_message_passes_unchanged():
    door = Door([LengthLimit(10)])
    assert await door.admit(arrival("hello")) == arrival("hello")


async def test_a_long_message_is_cut_at_a_word_with_a_notice():
    result = await Door([LengthLimit(20)]).admit(arrival("one two three four five six seven"))
    assert result.text == "one two three four"
    assert result.notices == ("Your message was very long, so I read only the first 20 characters. Short messages work best.",)
    assert result.refused is None


async def test_checks_run_in_order_and_a_refusal_stops_the_rest():
    seen = []

    def mask(a):
        seen.append("mask")
        return Arrival(a.text.replace("123-45-6789", "[SSN]"), a.sender_id, a.channel, a.notices + ("Please don't share your SSN.",))

    async def slow_down(a):
        seen.append("limit")
        await asyncio.sleep(0)
        return Arrival(a.text, a.sender_id, a.channel, a.notices, refused="Slow down, please.")

    def never(a):
        seen.append("never")
        return a

    result = await Door([mask, slow_down, never]).admit(arrival("my ssn is 123-45-6789"))
    assert seen == ["mask", "limit"]
    assert result.text == "my ssn is [SSN]"
    assert result.refused == "Slow down, please."
    assert result.notices == ("Please don't share your SSN.",)


def test_max_chars_from_env():
    assert max_chars_from_env("sms", {}, default=1600) == 1600
    assert max_chars_from_env("sms", {"MAX_MESSAGE_CHARS": "500"}) == 500
    assert max_chars_from_env("sms", {"MAX_MESSAGE_CHARS": "500", "MAX_MESSAGE_CHARS_SMS": "300"}) == 300
    with pytest.raises(ValueError, match="MAX_MESSAGE_CHARS must be a whole number"):
        max_chars_from_env("sms", {"MAX_MESSAGE_CHARS": "lots"})
    with pytest.raises(ValueError, match="at least 1"):
        max_chars_from_env("sms", {"MAX_MESSAGE_CHARS": "0"})


async def test_door_for_puts_extra_checks_before_the_length_limit():
    door = door_for("socketio", extra=[lambda a: Arrival(a.text * 3, a.sender_id, a.channel)], env={"MAX_MESSAGE_CHARS": "5"})
    result = await door.admit(arrival("abc"))
    assert result.text == "abcab" and result.notices
