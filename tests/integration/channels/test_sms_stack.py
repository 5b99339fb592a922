"""SMS with the project's own assistant: the trained model in Rasa's app with the SMS channel,
the stack's action server behind it, Twilio's REST API captured. The replies a texter gets are
the domain's SMS variants: short, GSM-7, and the deadline is right."""
from __future__ import annotations

import re

import pytest

from bot.channels import gsm
from bot.channels.handoff_events import HandoffEvents
from bot.channels.sms_store import SmsStore
from bot.stack import MODEL

from tests.integration.channels.conftest import new_phone, sms_harness
from tests.unit.handoff.cases import escalation

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


async def test_an_sms_stop_shows_on_the_case_and_blocks_replies(intake_agent, intake_stack, tmp_path, monkeypatch):
    """Issue 14: an advisor learns of a STOP from the case, not from a failed reply."""
    stack, env = intake_stack, intake_stack.env
    monkeypatch.setenv("INTAKE_TODAY", env["INTAKE_TODAY"])
    events = HandoffEvents(env["HANDOFF_API_URL"], env["SERVICE_TOKEN"])
    # The channel and the queue share the SMS store, as in `make run` (STATE_DIR).
    async with sms_harness(intake_agent, tmp_path, events=events, store=SmsStore.from_env(env)) as sms:
        phone = new_phone()
        assert await sms.text(phone, NOTICE)
        created = stack.queue("POST", "/api/handoffs", "SERVICE_TOKEN",
                              escalation(conversation_id=phone, channel="sms"))
        case_id = created.json()["id"]
        assert stack.case(case_id)["taxpayer"]["opted_out_at"] is None
        await sms.text(phone, "STOP")  # waits for the channel's report to the queue too
        case = stack.case(case_id)
        assert case["taxpayer"]["opted_out_at"]
        assert any("STOP" in m["content"] for m in case["messages"] if m["message_type"] == "activity")
        claimed = stack.queue("POST", f"/api/handoffs/{case_id}/claim", "ADVISOR_TOKEN", {})
        assert claimed.status_code == 200
        refused = stack.queue("POST", f"/api/handoffs/{case_id}/reply", "ADVISOR_TOKEN", {"content": "Hi"})
        assert refused.status_code == 502 and "STOP" in refused.json()["error"]
        await sms.text(phone, "START")
        assert stack.case(case_id)["taxpayer"]["opted_in_at"]
