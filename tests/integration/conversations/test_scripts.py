"""The conversation scripts (tests/conversations/*.yml) against the live stack: real NLU, the
real action server and its validators, real stores, over REST, the widget's socket.io and SMS.

Over REST and socket.io every expectation of a script is checked; over SMS, where the texts
are the domain's short variants, the rules every turn must keep, and the slots at the end."""
from __future__ import annotations

import os

import aiohttp
import pytest

from bot.channels.door import door_for
from bot.stack import MODEL
from tests.integration.channels.conftest import new_phone, sms_harness
from tests.integration.conversations import script
from tests.integration.conversations.channels import RestChat, SmsChat, SocketChat

pytestmark = pytest.mark.stack

CONVERSATIONS = script.load()
IDS = [c.id for c in CONVERSATIONS]


def test_there_are_enough_conversations():
    assert len(CONVERSATIONS) >= 100, len(CONVERSATIONS)


async def cases_of(stack, http):
    async def cases():
        # Page by page, as IntakeStack.cases: the run leaves more cases than one page holds.
        found = []
        while True:
            async with http.get(f"{stack.web_url}/api/handoffs", params={"limit": 500, "offset": len(found)},
                                headers={"Authorization": f"Bearer {stack.env['ADVISOR_TOKEN']}"}) as response:
                assert response.status == 200
                body = await response.json()
            found += body["cases"]
            if not body["cases"] or len(found) >= body["total"]:
                return found
    return cases


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
async def test_over_rest(intake_stack, conversation, policy_counts):
    async with aiohttp.ClientSession() as http:
        played = await script.play(conversation, RestChat(intake_stack, http), await cases_of(intake_stack, http))
    policy_counts.update(played.policies)
    assert not played.problems, played.report()


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
async def test_over_socketio(intake_stack, conversation):
    async with aiohttp.ClientSession() as http:
        chat = await SocketChat(intake_stack, http).open()
        try:
            played = await script.play(conversation, chat, await cases_of(intake_stack, http))
        finally:
            await chat.close()
    assert not played.problems, played.report()


@pytest.fixture(scope="module")
def intake_agent(intake_stack):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(str(MODEL), action_endpoint=EndpointConfig(intake_stack.env["ACTION_SERVER_URL"]))


async def test_over_sms(intake_agent, intake_stack, tmp_path, monkeypatch):
    """Every script by signed SMS: at least one non-empty text a turn, no repeats, no loop."""
    monkeypatch.setenv("INTAKE_TODAY", intake_stack.env["INTAKE_TODAY"])
    door = door_for("sms", env={**os.environ, "RATE_LIMIT_SESSION_SMS": "600/min"})
    failures = []
    async with sms_harness(intake_agent, tmp_path, door=door) as sms:
        for conversation in CONVERSATIONS:
            played = await script.play(conversation, SmsChat(sms, new_phone()))
            if played.problems:
                failures.append(played.report())
    assert not failures, "\n\n".join(failures)
