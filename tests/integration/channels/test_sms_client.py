"""The outbound SMS client through twilio's own client code (its http_client captured)."""
import logging

import pytest

from bot.channels.sms_client import SmsClient
from bot.channels.sms_settings import SmsSettings
from bot.channels.sms_store import SmsStore

from tests.integration.channels.conftest import ACCOUNT_SID, AUTH_TOKEN, CapturingTwilioHttp, new_phone, sms_settings


@pytest.fixture
def store(tmp_path):
    return SmsStore(f"sqlite:///{tmp_path / 'sms.sqlite3'}")


async def test_sends_through_twilios_messages_api(store):
    http = CapturingTwilioHttp()
    client = SmsClient(sms_settings(), store, http)
    to = new_phone()
    result = await client.send(to, "Hello there")
    assert result.sent and result.reason == "sent" and result.sid.startswith("SM")
    (request,) = http.requests
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["data"] == {"To": to, "From": "+15005550006", "Body": "Hello there"}
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)


async def test_a_messaging_service_replaces_the_from_number(store):
    http = CapturingTwilioHttp()
    client = SmsClient(sms_settings(from_number=None, messaging_service_sid="MG" + "b" * 32), store, http)
    await client.send(new_phone(), "Hi")
    data = http.requests[0]["data"]
    assert data["MessagingServiceSid"] == "MG" + "b" * 32 and "From" not in data


async def test_never_sends_to_an_opted_out_number_unless_confirming_the_opt_out(store):
    http = CapturingTwilioHttp()
    client = SmsClient(sms_settings(), store, http)
    to = new_phone()
    store.opt_out(to)
    assert (await client.send(to, "Advisor here")).reason == "opted_out"
    assert http.requests == []
    assert (await client.send(to, "You're unsubscribed", even_if_opted_out=True)).sent
    assert len(http.requests) == 1


async def test_twilio_errors_are_logged_without_the_text_and_do_not_raise(store, caplog):
    http = CapturingTwilioHttp()
    to = new_phone()
    http.refuse[to] = 21211  # invalid 'To' number
    client = SmsClient(sms_settings(), store, http)
    with caplog.at_level(logging.INFO, logger="bot.channels.sms_client"):
        result = await client.send(to, "my secret words")
    assert result.reason == "error" and not result.sent
    assert "21211" in caplog.text and "my secret words" not in caplog.text
    assert not store.is_opted_out(to)


async def test_a_network_failure_does_not_raise(store):
    class Down(CapturingTwilioHttp):
        async def request(self, *args, **kwargs):
            raise ConnectionError("no route")

    result = await SmsClient(sms_settings(), store, Down()).send(new_phone(), "Hi")
    assert result.reason == "error"


@pytest.mark.parametrize("missing", ["account_sid", "auth_token", "from_number"])
async def test_without_credentials_it_logs_instead_of_sending(store, caplog, missing):
    http = CapturingTwilioHttp()
    client = SmsClient(sms_settings(**{missing: None}), store, http)
    assert client.local_mode
    with caplog.at_level(logging.INFO, logger="bot.channels.sms_client"):
        result = await client.send("+15550100199", "Your deadline is Monday")
    assert result.reason == "local" and http.requests == []
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("local mode" in line and "...0199" in line and "23 chars, 1 segment" in line for line in info)
    assert not any("Your deadline" in line for line in info)  # text only at DEBUG


def test_settings_from_env():
    settings = SmsSettings.from_env(
        {"TWILIO_ACCOUNT_SID": " AC1 ", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+1", "FIRM_NAME": "Acme Tax",
         "SMS_PUBLIC_URL": "https://x/webhooks/sms/webhook", "SMS_KEYWORD_REPLIES": "false"}
    )
    assert settings.account_sid == "AC1" and settings.can_send and settings.can_verify
    assert settings.firm.name == "Acme Tax" and not settings.keyword_replies
    assert SmsSettings.from_env({}).firm.name == "Harbor Tax Resolution"  # bot/firm.py's demo firm
    assert not SmsSettings.from_env({}).can_send
    with pytest.raises(ValueError, match="SMS_KEYWORD_REPLIES"):
        SmsSettings.from_env({"SMS_KEYWORD_REPLIES": "maybe"})
