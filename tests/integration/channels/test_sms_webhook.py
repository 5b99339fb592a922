"""The SMS channel as Twilio meets it: signed webhooks into a real Rasa app and Agent,
replies captured as twilio's own client sends them to the REST API."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.channels import gsm
from bot.channels.door import Arrival, Door, LengthLimit
from bot.channels.sms import (
    NO_TEXT_REPLY,
    PICTURE_NOTICE,
    PICTURE_ONLY_REPLY,
    help_reply,
    opt_in_reply,
    opt_out_reply,
)
from bot.channels.sms_store import is_opted_out

from tests.integration.channels.conftest import (
    API_TOKEN,
    AUTH_TOKEN,
    FROM_NUMBER,
    new_phone,
    new_sid,
    sign,
    sms_harness,
    sms_settings,
)


def user_texts(tracker):
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


# --- signature ------------------------------------------------------------------------------
async def test_a_signed_text_gets_the_sms_variant_of_the_reply(sms):
    phone = new_phone()
    replies = await sms.text(phone, "hello")
    assert replies == ["Hi! I help with IRS notices. Which notice did you get?"]
    request = sms.twilio.requests[-1]
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Accounts/{sms.settings.account_sid}/Messages.json")
    assert request["data"]["From"] == FROM_NUMBER and request["data"]["To"] == phone
    tracker = await sms.tracker(phone)
    assert user_texts(tracker) == ["hello"]
    assert tracker["latest_input_channel"] == "sms"


@pytest.mark.parametrize(
    "forgery",
    ["missing header", "tampered body", "wrong url", "wrong token", "garbage signature"],
)
async def test_a_forged_or_unsigned_request_is_refused_and_touches_nothing(sms, forgery):
    phone = new_phone()
    params = sms.params(phone, "hello")
    if forgery == "missing header":
        status, text = await sms.post(params, signature=None)
    elif forgery == "tampered body":
        signature = sign(sms.webhook, params)
        status, text = await sms.post({**params, "Body": "deadline"}, signature=signature)
    elif forgery == "wrong url":
        status, text = await sms.post(params, signed_url="https://attacker.example/webhooks/sms/webhook")
    elif forgery == "wrong token":
        status, text = await sms.post(params, signature=sign(sms.webhook, params, token="f" * 32))
    else:
        status, text = await sms.post(params, signature="bm90IGEgc2lnbmF0dXJl")
    assert status == 403
    assert "not signed by Twilio" in text
    assert sms.twilio.requests == []
    # Nothing stored: the same MessageSid, properly signed, is still new...
    assert sms.store.first_time(params["MessageSid"])
    # ...and no conversation was started.
    tracker = await sms.tracker(phone)
    assert user_texts(tracker) == []


async def test_without_an_auth_token_every_request_is_refused(agent, tmp_path):
    async with sms_harness(agent, tmp_path, settings=sms_settings(auth_token=None)) as harness:
        params = harness.params(new_phone(), "hello")
        status, _ = await harness.post(params, signature=sign(harness.webhook, params))
        assert status == 403
        assert harness.twilio.requests == []


async def test_behind_a_proxy_the_configured_public_url_is_what_is_verified(agent, tmp_path):
    public = "https://sms.firm.example/webhooks/sms/webhook"
    async with sms_harness(agent, tmp_path, settings=sms_settings(public_url=public)) as harness:
        phone = new_phone()
        params = harness.params(phone, "hello")
        # Twilio signed the public URL; the request reaches us on 127.0.0.1.
        status, _ = await harness.post(params, signed_url=public)
        assert status == 200
        assert harness.twilio.bodies(phone) == ["Hi! I help with IRS notices. Which notice did you get?"]
        # A signature over the internal URL is not what Twilio would have sent.
        params = harness.params(phone, "hello")
        status, _ = await harness.post(params, signed_url=harness.webhook)
        assert status == 403


async def test_a_signed_request_without_from_is_a_clear_400(sms):
    params = sms.params(new_phone(), "hello")
    del params["From"]
    status, text = await sms.post(params)
    assert status == 400 and "From" in text
    assert sms.twilio.requests == []


async def test_a_status_callback_sent_to_the_webhook_is_ignored(sms):
    params = sms.params(FROM_NUMBER, None, MessageStatus="delivered", SmsStatus="delivered")
    status, _ = await sms.post(params)
    assert status == 200
    assert sms.twilio.requests == []


# --- answering quickly, replying later -----------------------------------------------------
class Gate:
    """A door check that holds every turn until released: makes 'answer first' observable."""

    def __init__(self) -> None:
        self.open = asyncio.Event()

    async def __call__(self, arrival: Arrival) -> Arrival:
        await self.open.wait()
        return arrival


async def test_twilio_gets_its_answer_before_the_reply_is_sent(agent, tmp_path):
    gate = Gate()
    async with sms_harness(agent, tmp_path, door=Door([gate])) as harness:
        phone = new_phone()
        status, body = await harness.post(harness.params(phone, "hello"), wait=False)
        assert status == 200
        assert body == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
        assert harness.twilio.requests == []  # the turn is still running
        gate.open.set()
        await harness.channel.drain()
        assert harness.twilio.bodies(phone) == ["Hi! I help with IRS notices. Which notice did you get?"]


# --- de-duplication --------------------------------------------------------------------------
async def test_a_twilio_retry_with_the_same_message_sid_is_answered_once(sms):
    phone = new_phone()
    params = sms.params(phone, "hello")
    statuses = await asyncio.gather(*[sms.post(dict(params), wait=False) for _ in range(5)])
    await sms.channel.drain()
    assert [status for status, _ in statuses] == [200] * 5
    assert len(sms.twilio.bodies(phone)) == 1
    assert user_texts(await sms.tracker(phone)) == ["hello"]


async def test_dedup_survives_a_restart_of_the_channel(agent, tmp_path):
    phone, sid = new_phone(), new_sid()
    async with sms_harness(agent, tmp_path) as first:
        await first.post(first.params(phone, "hello", sid=sid))
        assert len(first.twilio.bodies(phone)) == 1
    async with sms_harness(agent, tmp_path) as second:  # same STATE (SQLite file), new process state
        status, _ = await second.post(second.params(phone, "hello", sid=sid))
        assert status == 200
        assert second.twilio.bodies(phone) == []


# --- opt-out, opt-in, help ---------------------------------------------------------------------
@pytest.mark.parametrize("stop", ["STOP", "stop", "Stop.", "STOPALL", "unsubscribe", "CANCEL", "end", "QUIT", "stop texting me", "Please don't text me anymore"])
async def test_stop_opts_out_confirms_once_and_then_nothing_is_sent(sms, stop):
    phone = new_phone()
    assert await sms.text(phone, "hello")
    assert await sms.text(phone, stop) == [opt_out_reply(sms.settings)]
    assert sms.store.is_opted_out(phone)
    assert await sms.text(phone, stop) == []  # confirmed once
    assert await sms.text(phone, "hello") == []
    assert await sms.text(phone, "HELP") == []
    # The opted-out number's later texts never reached the assistant.
    assert user_texts(await sms.tracker(phone)) == ["hello"]


async def test_a_sentence_with_stop_in_it_is_a_question_not_an_opt_out(sms):
    phone = new_phone()
    replies = await sms.text(phone, "how do i stop the levy")
    assert replies == ["Sorry, I didn't get that."]
    assert not sms.store.is_opted_out(phone)


@pytest.mark.parametrize("start", ["START", "unstop"])
async def test_start_opts_back_in(sms, start):
    phone = new_phone()
    await sms.text(phone, "STOP")
    assert await sms.text(phone, start) == [opt_in_reply(sms.settings)]
    assert not sms.store.is_opted_out(phone)
    assert await sms.text(phone, "hello") == ["Hi! I help with IRS notices. Which notice did you get?"]


@pytest.mark.parametrize("word", ["HELP", "help", "Info"])
async def test_help_names_the_firm_its_phone_rates_and_how_to_stop(sms, word):
    phone = new_phone()
    (reply,) = await sms.text(phone, word)
    assert reply == help_reply(sms.settings)
    assert "Levy Help Partners" in reply and "(555) 010-0100" in reply
    assert "Msg & data rates may apply" in reply and "STOP" in reply
    assert gsm.segments(reply) == 1


async def test_an_advisor_reply_through_rasas_api_never_reaches_an_opted_out_number(sms):
    phone = new_phone()
    await sms.text(phone, "hello")
    url = f"{sms.base_url}/conversations/{phone}/tracker/events"
    params = {"token": API_TOKEN, "execute_side_effects": "true", "output_channel": "latest"}
    event = {"event": "bot", "text": "Hi, this is Dana, an advisor. I can call you at 3pm."}
    async with sms.http.post(url, params=params, json=event) as response:
        assert response.status == 200, await response.text()
    assert sms.twilio.bodies(phone)[-1] == event["text"]

    await sms.text(phone, "stop texting me")
    sent = len(sms.twilio.requests)
    async with sms.http.post(url, params=params, json={**event, "text": "Dana again"}) as response:
        assert response.status == 200
    assert len(sms.twilio.requests) == sent
    # What the handoff queue calls before an advisor reply, reading the same state.
    assert is_opted_out(phone, env={"SMS_DB_URL": sms.store.url})


async def test_a_carrier_unsubscribe_error_is_recorded_as_an_opt_out(sms):
    phone = new_phone()
    sms.twilio.refuse[phone] = 21610
    await sms.text(phone, "hello")
    assert sms.store.is_opted_out(phone)
    del sms.twilio.refuse[phone]
    assert await sms.text(phone, "hello") == []


async def test_keyword_replies_can_be_left_to_twilio_advanced_opt_out(agent, tmp_path):
    async with sms_harness(agent, tmp_path, settings=sms_settings(keyword_replies=False)) as harness:
        phone = new_phone()
        assert await harness.text(phone, "STOP") == []
        assert harness.store.is_opted_out(phone)  # still honoured
        assert await harness.text(phone, "START") == []
        assert await harness.text(phone, "HELP") == []
        assert await harness.text(phone, "hello") == ["Hi! I help with IRS notices. Which notice did you get?"]


# --- buttons -----------------------------------------------------------------------------------
async def test_buttons_are_numbered_and_a_number_picks_the_payload(sms):
    phone = new_phone()
    (menu,) = await sms.text(phone, "advisor")
    assert menu == "Do you want an advisor to call you?\n1) Yes, call me\n2) No thanks\nReply 1 or 2."
    assert await sms.text(phone, "2") == ["All right. You can ask for an advisor any time."]
    last_user = [e for e in (await sms.tracker(phone))["events"] if e["event"] == "user"][-1]
    assert last_user["text"] == "/deny"  # the button's payload, not "2"
    assert last_user["parse_data"]["intent"]["name"] == "deny"
    # The menu answered one reply: a later "1" is just text.
    assert await sms.text(phone, "1") == ["Sorry, I didn't get that."]


async def test_a_button_title_typed_out_picks_it_too(sms):
    phone = new_phone()
    await sms.text(phone, "advisor")
    assert await sms.text(phone, "yes, call me") == ["Good. An advisor will call you today."]


async def test_a_number_outside_the_menu_goes_to_the_assistant_as_text(sms):
    phone = new_phone()
    await sms.text(phone, "advisor")
    assert await sms.text(phone, "7") == ["Sorry, I didn't get that."]
    assert user_texts(await sms.tracker(phone))[-1] == "7"


# --- segmentation --------------------------------------------------------------------------------
async def test_a_turns_replies_are_joined_into_one_sms_with_as_few_segments_as_possible(sms):
    phone = new_phone()
    replies = await sms.text(phone, "explain")
    assert len(replies) == 1  # three replies, one SMS
    (body,) = replies
    assert "A Final Notice of Intent to Levy" in body and "Form 12153" in body and "hardship status" in body
    assert gsm.is_gsm7(body)
    paragraphs = body.split("\n")
    tight = "\n".join(p for p in paragraphs if p)
    assert gsm.segments(body) == gsm.segments(tight)  # the blank lines cost no segment
    assert gsm.segments(body) == 3


async def test_typographic_punctuation_is_sent_as_gsm7(sms):
    phone = new_phone()
    (body,) = await sms.text(phone, "quotes")
    assert body == "It's \"important\" - don't wait..."
    assert gsm.encoding(body) == "GSM-7" and gsm.segments(body) == 1


async def test_the_deadline_card_is_not_repeated_over_sms(sms):
    phone = new_phone()
    assert await sms.text(phone, "deadline") == [
        "Your last day to ask for a hearing is Monday, December 28, 2026: 31 days left."
    ]


# --- bad bodies ------------------------------------------------------------------------------------
async def test_an_empty_body_gets_a_helpful_reply(sms):
    phone = new_phone()
    assert await sms.text(phone, "") == [NO_TEXT_REPLY]
    assert await sms.text(phone, "   \n ") == [NO_TEXT_REPLY]
    assert await sms.text(phone, None) == [NO_TEXT_REPLY]  # no Body parameter at all
    assert user_texts(await sms.tracker(phone)) == []


async def test_a_picture_without_text_gets_a_helpful_reply(sms):
    phone = new_phone()
    media = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME", "MediaContentType0": "image/jpeg"}
    assert await sms.text(phone, "", **media) == [PICTURE_ONLY_REPLY]


async def test_a_picture_with_text_is_answered_with_a_note(sms):
    phone = new_phone()
    (reply,) = await sms.text(phone, "hello", NumMedia="2")
    assert reply.startswith(PICTURE_NOTICE)
    assert reply.endswith("Hi! I help with IRS notices. Which notice did you get?")


async def test_a_5000_character_body_is_cut_with_a_notice(sms):
    phone = new_phone()
    body = "hello " + "x" * 4994
    (reply,) = await sms.text(phone, body)
    assert reply.startswith("Your message was very long, so I read only the first 1,600 characters.")
    assert reply.endswith("Hi! I help with IRS notices. Which notice did you get?")
    (received,) = user_texts(await sms.tracker(phone))
    assert len(received) <= gsm.MAX_BODY_CHARS and received.startswith("hello ")


async def test_a_broken_turn_gets_an_apology_not_silence(agent, tmp_path):
    def broken(arrival: Arrival) -> Arrival:
        raise RuntimeError("boom")

    async with sms_harness(agent, tmp_path, door=Door([broken])) as harness:
        phone = new_phone()
        (reply,) = await harness.text(phone, "hello")
        assert reply.startswith("Sorry, something went wrong on our side.")
        assert "(555) 010-0100" in reply


async def test_a_text_while_an_advisor_holds_the_conversation_is_never_left_unanswered(sms):
    """Issue 14. Rasa is paused; the queue cannot be asked here, so the channel's own answer."""
    phone = new_phone()
    await sms.text(phone, "hello")
    async with sms.http.post(f"{sms.base_url}/conversations/{phone}/tracker/events",
                             params={"token": API_TOKEN}, json=[{"event": "pause"}]) as response:
        assert response.status == 200
    (reply,) = await sms.text(phone, "hello?? anyone there")
    assert "saved with your case" in reply and sms.settings.firm.phone in reply
    assert gsm.is_gsm7(reply)
    tracker = await sms.tracker(phone)
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"][-1] == "hello?? anyone there"
