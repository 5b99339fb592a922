"""Rasa's action limit reached on the live stack, and the conversation goes on.

Rasa stops a turn after MAX_NUMBER_OF_PREDICTIONS actions (its circuit breaker) without an
`action_listen`; the limit counts back to the last `action_listen`, so without
bot/stores/rasa_hooks.py (patch 6) every later message, "/restart" and "talk to a person"
included, tripped it again before any action ran. Here the limit is set to 2, so the first
report of a notice (notice form, then situation form) reaches it for real.
"""
from __future__ import annotations

import pytest

from tests.integration.conftest import start_intake_stack
from tests.integration.conversations import script

pytestmark = pytest.mark.stack

LOST_THREAD = "lost my thread"


@pytest.fixture(scope="module")
def limited_stack(tmp_path_factory):
    running = start_intake_stack(tmp_path_factory, MAX_NUMBER_OF_PREDICTIONS="2")
    yield running
    running.stack.stop()


def texts(stack, sender, text):
    return [m.get("text") or "" for m in stack.say(sender, text)]


def test_a_turn_at_the_limit_says_so_once_and_the_next_message_is_handled(limited_stack):
    sender = limited_stack.new_sender()
    replies = texts(limited_stack, sender, "LT11 dated nov 10 2026")
    assert sum(LOST_THREAD in t for t in replies) == 1, replies
    assert any("Thursday, December 10, 2026" in t for t in replies)  # what ran before the limit was said
    tracker = limited_stack.tracker(sender)
    assert tracker["latest_action_name"] == "action_listen"
    # The next answer is read as the answer to the question pending: the form goes on.
    replies = texts(limited_stack, sender, "no, nothing taken yet")
    assert replies and not any(LOST_THREAD in t for t in replies), replies
    assert script.asks(replies[-1], "payment_plan"), replies
    assert limited_stack.slots(sender)["levy_status"] == "none"


def test_after_the_limit_a_person_can_still_be_asked_for(limited_stack):
    """Before the fix every later message tripped the breaker before any action ran."""
    sender = limited_stack.new_sender()
    assert any(LOST_THREAD in t for t in texts(limited_stack, sender, "LT11 dated nov 10 2026"))
    replies = texts(limited_stack, sender, "talk to a person")
    assert any("pass along what you've told me" in t for t in replies), replies
    assert limited_stack.slots(sender)["handoff_consent"] is True


def test_after_the_limit_restart_still_works(limited_stack):
    sender = limited_stack.new_sender()
    texts(limited_stack, sender, "LT11 dated nov 10 2026")
    replies = texts(limited_stack, sender, "/restart")
    assert any("start over" in t for t in replies), replies
