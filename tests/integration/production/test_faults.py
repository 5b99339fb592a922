"""Faults in the production shape (two Rasa servers, PostgreSQL, Redis, one action server).

A "restart" of PostgreSQL or Redis cuts our proxy in front of it: every open connection dies
and new ones are refused, as during a real restart, while other people's tests keep using the
shared servers. (The queue being down is covered by the handoff outbox tests.)"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.production.conftest import RETRY_SECONDS
from tests.integration.production.support import LT11_SCRIPT, try_again_text, turns, user_texts, well_formed

pytestmark = pytest.mark.stack

UNDER_LOAD = 10


def test_database_restart_under_load_loses_no_conversation(scaled, scaled_reference):
    proxy = scaled.parts["pg_proxy"]
    senders = [scaled.new_sender() for _ in range(UNDER_LOAD)]
    started = threading.Barrier(UNDER_LOAD + 1)

    def converse(index: int):
        sender = senders[index]
        replies = []
        for turn, text in enumerate(LT11_SCRIPT):
            if turn == 2:
                started.wait()  # every conversation is mid-way when the database goes
            replies.append(scaled.texts(sender, text, server=(index + turn) % 2))
        return replies

    with ThreadPoolExecutor(UNDER_LOAD) as pool:
        running = [pool.submit(converse, i) for i in range(UNDER_LOAD)]
        started.wait()
        proxy.cut()
        time.sleep(RETRY_SECONDS / 3)  # well inside the retry budget
        proxy.restore()
        transcripts = [future.result() for future in running]
    for sender, transcript in zip(senders, transcripts):
        assert transcript == scaled_reference, sender  # turns were retried, none was lost
        tracker = scaled.tracker(sender)
        assert user_texts(tracker) == list(LT11_SCRIPT) and well_formed(tracker)
    logs = scaled.log("rasa server") + scaled.log("rasa server 2")
    assert "retrying" in logs  # the outage really hit conversations in flight


def test_database_down_beyond_the_retry_budget_tells_the_taxpayer_and_keeps_the_conversation(scaled, scaled_reference):
    proxy = scaled.parts["pg_proxy"]
    sender = scaled.new_sender()
    got = [scaled.texts(sender, text, server=1) for text in LT11_SCRIPT[:2]]
    before = scaled.tracker(sender)
    proxy.cut()
    try:
        started = time.monotonic()
        reply = scaled.texts(sender, LT11_SCRIPT[2], server=0)
        waited = time.monotonic() - started
    finally:
        proxy.restore()
    assert reply == try_again_text(scaled.env)
    assert RETRY_SECONDS - 1 <= waited < RETRY_SECONDS + 15  # bounded: not Rasa's retry-forever
    after = scaled.tracker(sender)
    assert after["events"] == before["events"]  # nothing of the failed turn was written
    got += [scaled.texts(sender, text, server=turn % 2) for turn, text in enumerate(LT11_SCRIPT[2:])]
    assert got == scaled_reference


def test_redis_unavailable_is_a_clear_error_and_no_corrupt_tracker(scaled, scaled_reference):
    proxy = scaled.parts["redis_proxy"]
    sender = scaled.new_sender()
    got = [scaled.texts(sender, text, server=0) for text in LT11_SCRIPT[:2]]
    before = scaled.tracker(sender)
    proxy.cut()
    try:
        for server in (0, 1):
            assert scaled.texts(sender, LT11_SCRIPT[2], server=server) == try_again_text(scaled.env)
        # Rasa's HTTP API (the advisor queue's pause/resume/reply) gets a clear error, too.
        refused = requests.post(
            f"{scaled.rasa_urls[1]}/conversations/{sender}/tracker/events",
            params={"token": scaled.env["RASA_TOKEN"]}, json={"event": "pause"}, timeout=60,
        )
        assert refused.status_code == 500 and "lock store" in refused.json()["message"]
    finally:
        proxy.restore()
    assert scaled.tracker(sender)["events"] == before["events"]  # untouched
    for name in ("rasa server", "rasa server 2"):
        assert "The lock store at redis://" in scaled.log(name)
    got += [scaled.texts(sender, text, server=turn % 2) for turn, text in enumerate(LT11_SCRIPT[2:])]
    assert got == scaled_reference


def test_a_rasa_server_killed_mid_conversation_the_other_carries_on(scaled, scaled_reference):
    sender = scaled.new_sender()
    got = [scaled.texts(sender, text, server=1) for text in LT11_SCRIPT[:3]]
    scaled.stack.kill_service("rasa server 2")
    got += [scaled.texts(sender, text, server=0) for text in LT11_SCRIPT[3:5]]
    scaled.stack.start_service("rasa server 2")
    got += [scaled.texts(sender, text, server=1) for text in LT11_SCRIPT[5:]]
    assert got == scaled_reference
    assert well_formed(scaled.tracker(sender, server=0))


def test_action_server_down_on_the_scaled_stack(scaled, scaled_reference):
    sender = scaled.new_sender()
    got = [scaled.texts(sender, LT11_SCRIPT[0], server=0)]
    scaled.stack.stop_service("action server")
    try:
        assert scaled.texts(sender, LT11_SCRIPT[1], server=1) == try_again_text(scaled.env)
    finally:
        scaled.stack.start_service("action server")
    got += [scaled.texts(sender, text, server=turn % 2) for turn, text in enumerate(LT11_SCRIPT[1:])]
    assert got == scaled_reference
    assert [bots for _, bots in turns(scaled.tracker(sender))][1] == [try_again_text(scaled.env)]
