"""Scale-out on Rasa's own architecture: two Rasa servers sharing the PostgreSQL tracker store and
the Redis lock store, one action server. A conversation may reach either server on any turn
(a load balancer without sticky sessions) and must behave exactly as on one server."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.production.support import (
    LT11_SCRIPT, pg_count, rabbitmq_events, redis_keys, try_again_text, user_texts, well_formed,
)

pytestmark = pytest.mark.stack

CONCURRENT = 50


def test_a_conversation_alternating_between_servers_behaves_as_on_one(scaled, scaled_reference):
    sender = scaled.new_sender()
    got = [scaled.texts(sender, text, server=turn % 2) for turn, text in enumerate(LT11_SCRIPT)]
    assert got == scaled_reference
    on_first, on_second = scaled.tracker(sender, server=0), scaled.tracker(sender, server=1)
    assert on_first["events"] == on_second["events"] and on_first["slots"] == on_second["slots"]
    assert on_first["slots"]["cdp_deadline"] == "2026-12-10"


def test_fifty_concurrent_conversations_over_both_servers_lose_and_mix_nothing(scaled, scaled_reference):
    senders = [scaled.new_sender() for _ in range(CONCURRENT)]

    def converse(index: int):
        sender = senders[index]
        # Each conversation starts on its own server and changes server every turn.
        return [scaled.texts(sender, text, server=(index + turn) % 2) for turn, text in enumerate(LT11_SCRIPT)]

    with ThreadPoolExecutor(CONCURRENT) as pool:
        transcripts = list(pool.map(converse, range(CONCURRENT)))
    for sender, transcript in zip(senders, transcripts):
        assert transcript == scaled_reference, sender  # every turn answered, and answered right
        tracker = scaled.tracker(sender, server=1)
        assert user_texts(tracker) == list(LT11_SCRIPT) and well_formed(tracker)
    database = scaled.parts["database"]
    # Every stored event belongs to a conversation that produced it: nothing landed elsewhere.
    for sender in senders[:5]:
        assert pg_count(database, "SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", sender) == len(LT11_SCRIPT)


def test_two_messages_of_one_conversation_at_once_on_two_servers_take_turns(scaled, scaled_reference):
    sender = scaled.new_sender()
    for turn, text in enumerate(LT11_SCRIPT[:2]):
        scaled.texts(sender, text, server=turn % 2)
    start = threading.Barrier(2)
    replies = {}

    def send(server: int):
        start.wait()
        replies[server] = scaled.texts(sender, "no", server=server)

    threads = [threading.Thread(target=send, args=(server,)) for server in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    # One after the other, in some order: the first "no" answers the levy question, the second
    # the payment-plan question, exactly as if they had come one by one.
    assert sorted(replies.values()) == sorted(scaled_reference[2:4])
    assert try_again_text(scaled.env) not in replies.values()
    tracker = scaled.tracker(sender)
    assert user_texts(tracker) == list(LT11_SCRIPT[:2]) + ["no", "no"] and well_formed(tracker)
    for name in ("rasa server", "rasa server 2"):
        assert "ConversationChanged" not in scaled.log(name)


def test_every_stored_event_reaches_the_event_broker_once(scaled):
    rabbitmq_events(scaled.parts["tag"], wait=1.0)  # what earlier tests published
    sender = scaled.new_sender()
    for turn, text in enumerate(LT11_SCRIPT[:3]):
        scaled.texts(sender, text, server=turn % 2)
    published = [e for e in rabbitmq_events(scaled.parts["tag"]) if e["sender_id"] == sender]
    stored = scaled.tracker(sender)["events"]
    key = lambda e: (e["timestamp"], e["event"], e.get("name"), e.get("text"))  # noqa: E731
    assert sorted(map(key, published)) == sorted(map(key, stored))
    assert [e["text"] for e in published if e["event"] == "user"] == list(LT11_SCRIPT[:3])


def test_locks_leave_nothing_behind_in_redis(scaled):
    sender = scaled.new_sender()
    scaled.texts(sender, LT11_SCRIPT[0], server=1)
    left = [key for key in redis_keys(scaled.parts["tag"]) if sender in key]
    # Only the ticket counter stays (it expires after a day); no queue, no live ticket.
    assert left == [f"{scaled.parts['tag']}:{sender}:next"]
