"""`make run`'s shape (one Rasa server, the SQLite tracker store under STATE_DIR by default):
conversations survive restarts and crashes of the Rasa server, an advisor's pause survives a
restart, and a down action server gets the taxpayer a clear answer instead of silence."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import pytest
import requests

from bot import firm

from tests.integration.production.support import (
    LT11_DEADLINE, LT11_SCRIPT, ProductionStack, start_sqlite_stack, try_again_text, turns, user_texts,
    well_formed,
)

pytestmark = pytest.mark.stack

ACTION_TIMEOUT = 6  # seconds; Rasa's own wait for a custom action is 5 minutes


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> ProductionStack:
    running = start_sqlite_stack(tmp_path_factory.mktemp("sqlite-stack"), ACTION_TIMEOUT_SECONDS=str(ACTION_TIMEOUT))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def reference(stack):
    """The scripted conversation once, without interruptions: what every other run must match."""
    sender = stack.new_sender()
    replies = [stack.texts(sender, text) for text in LT11_SCRIPT]
    assert LT11_DEADLINE in replies[1] and "you have some time" in replies[-1]
    return replies, stack.tracker(sender)["slots"]


def test_conversations_are_kept_in_sqlite_under_state_dir(stack, reference):
    database = stack.state / "tracker.db"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        senders = conn.execute("SELECT count(DISTINCT sender_id) FROM events").fetchone()[0]
    assert senders >= 1


def test_restart_mid_conversation_continues_where_it_was(stack, reference):
    expected, expected_slots = reference
    sender = stack.new_sender()
    got = [stack.texts(sender, text) for text in LT11_SCRIPT[:3]]
    stack.stack.restart_service("rasa server")
    got += [stack.texts(sender, text) for text in LT11_SCRIPT[3:]]
    assert got == expected
    slots = stack.tracker(sender)["slots"]
    assert slots["cdp_deadline"] == "2026-12-10" and slots["risk_level"] == expected_slots["risk_level"]


def test_a_crash_mid_turn_loses_only_that_turn(stack, reference):
    """SIGKILL while a turn waits on a custom action: the turn was never saved (one
    transaction at its end), the conversation is as after the previous turn, and resending
    the message carries on exactly as without the crash."""
    expected, _ = reference
    sender = stack.new_sender()
    got = [stack.texts(sender, text) for text in LT11_SCRIPT[:2]]
    action_server = stack.stack.service("action server").process
    os.killpg(action_server.pid, signal.SIGSTOP)  # the next custom action hangs
    outcome = {}

    def send():
        try:
            outcome["replies"] = stack.say(sender, LT11_SCRIPT[2])
        except requests.RequestException as error:
            outcome["error"] = error

    in_flight = threading.Thread(target=send)
    try:
        in_flight.start()
        time.sleep(3)
        stack.stack.kill_service("rasa server")
    finally:
        os.killpg(action_server.pid, signal.SIGCONT)
    in_flight.join(30)
    assert "error" in outcome  # the connection died with the server: no answer was given
    stack.stack.start_service("rasa server")
    tracker = stack.tracker(sender)
    assert user_texts(tracker) == list(LT11_SCRIPT[:2]) and well_formed(tracker)
    got += [stack.texts(sender, text) for text in LT11_SCRIPT[2:]]
    assert got == expected


def test_killed_between_turns_the_conversation_continues(stack, reference):
    expected, _ = reference
    sender = stack.new_sender()
    got = [stack.texts(sender, text) for text in LT11_SCRIPT[:4]]
    stack.stack.kill_service("rasa server")
    stack.stack.start_service("rasa server")
    got += [stack.texts(sender, text) for text in LT11_SCRIPT[4:]]
    assert got == expected


def test_an_advisors_pause_survives_a_restart(stack):
    sender = stack.new_sender()
    stack.texts(sender, LT11_SCRIPT[1])
    stack.post_event(sender, {"event": "pause"})
    stack.stack.restart_service("rasa server")
    # The advisor has the conversation: the assistant does not answer; the taxpayer is told their
    # message is kept and how to reach the firm (issue 14: never silence).
    (answer,) = stack.say(sender, "hello? is anyone there")
    assert "saved" in answer["text"] and firm.current().phone in answer["text"]
    tracker = stack.tracker(sender)
    assert tracker["paused"] is True and user_texts(tracker)[-1] == "hello? is anyone there"
    stack.post_event(sender, {"event": "resume"})
    assert stack.texts(sender, "no")  # the bot answers again


def test_action_server_down_mid_conversation(stack, reference):
    expected, _ = reference
    sender = stack.new_sender()
    assert stack.texts(sender, LT11_SCRIPT[0]) == expected[0]
    before = stack.tracker(sender)["slots"]
    stack.stack.stop_service("action server")
    try:
        reply = stack.texts(sender, LT11_SCRIPT[1])
        assert reply == try_again_text(stack.env)
        tracker = stack.tracker(sender)
        # The message is in the transcript, but the turn changed nothing.
        assert user_texts(tracker) == list(LT11_SCRIPT[:2]) and well_formed(tracker)
        assert tracker["slots"] == before
        assert tracker["latest_message"]["text"] == LT11_SCRIPT[0]
    finally:
        stack.stack.start_service("action server")
    # Once it is back, the same message works and the conversation goes on as it would have.
    got = [expected[0]] + [stack.texts(sender, text) for text in LT11_SCRIPT[1:]]
    assert got == expected
    said = [bots for _, bots in turns(stack.tracker(sender))]
    assert said[1] == [try_again_text(stack.env)]


def test_a_hanging_action_server_gets_an_answer_within_the_action_timeout(stack, reference):
    expected, _ = reference
    sender = stack.new_sender()
    got = [stack.texts(sender, LT11_SCRIPT[0])]
    action_server = stack.stack.service("action server").process
    os.killpg(action_server.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        started = time.monotonic()
        reply = stack.texts(sender, LT11_SCRIPT[1])
        waited = time.monotonic() - started
    finally:
        os.killpg(action_server.pid, signal.SIGCONT)
    assert reply == try_again_text(stack.env)
    assert ACTION_TIMEOUT <= waited < ACTION_TIMEOUT + 20
    got += [stack.texts(sender, text) for text in LT11_SCRIPT[1:]]
    assert got == expected
