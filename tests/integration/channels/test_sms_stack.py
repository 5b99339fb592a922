"""SMS with the project's own assistant: the trained model in Rasa's app with the SMS channel,
the stack's action server behind it, Twilio's REST API captured. The replies a texter gets are
the domain's SMS variants: short, GSM-7, and the deadline is right."""
from __future__ import annotations

import re

import pytest

from bot.channels import gsm
from bot.stack import MODEL

from tests.integration.channels.conftest import new_phone, sms_harness

pytestmark = pytest.mark.stack

# The shared stack's day (INTAKE_TODAY): an LT11 dated Nov 20, 2026 -> Monday Dec 21, 2026.
NOTICE = "I got an LT11 dated November 20, 2026"
# A turn's replies should fit in a few segments; a long lecture by SMS costs the texter money.
MAX_SEGMENTS_PER_TURN = 6


@pytest.fixture(scope="module")
def intake_agent(intake_stack):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(MODEL), action_endpoint=EndpointConfig(intake_stack.env["ACTION_SERVER_URL"]))


async def test_a_texter_gets_the_deadline_in_short_gsm7_texts(intake_agent, intake_stack, tmp_path, monkeypatch):
    monkeypatch.setenv("INTAKE_TODAY", intake_stack.env["INTAKE_TODAY"])
    async with sms_harness(intake_agent, tmp_path) as sms:
        phone = new_phone()
        replies = await sms.text(phone, NOTICE)
        assert replies, "no reply by SMS"
        text = "\n".join(replies)
        assert re.search(r"Monday,? Dec(ember)? 21", text), text
        for body in replies:
            assert gsm.is_gsm7(body), body
        assert sum(gsm.segments(b) for b in replies) <= MAX_SEGMENTS_PER_TURN, replies
        # Buttons, if the next question has them, arrive numbered.
        if "Reply 1" in text:
            assert "1) " in text
        assert await sms.text(phone, "stop texting me") == [
            f"{sms.settings.firm.name}: you're unsubscribed and won't get more texts from us. "
            "Reply START to text with us again."
        ]
        assert await sms.text(phone, "hello?") == []
