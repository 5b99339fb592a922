"""The stores on their own, against real SQLite, PostgreSQL, Redis and RabbitMQ (no Rasa server):
the guarantees the stack tests rely on, each checked where it is made."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid

import psycopg2
import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot.stores.broker import IntakeEventBroker
from bot.stores.errors import ConversationChanged, LockStoreUnavailable, TrackerStoreUnavailable
from bot.stores.locks import IntakeLockStore
from bot.stores.settings import LockStoreLimits, StoreSettingsError, TrackerStoreLimits, lock_store_url, tracker_store_url
from bot.stores.tracker import MARK, IntakeTrackerStore
from tests.integration.handoff.support import create_pg_database, drop_pg_database, pg_url
from tests.integration.production.support import (
    RABBITMQ_URL, REDIS_URL, TcpProxy, delete_rabbitmq, delete_redis_keys, rabbitmq_events,
)

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  notice_code:
    type: text
    mappings: [{type: custom}]
""")
FAST = TrackerStoreLimits(retry_seconds=2.0, connect_seconds=1.0, pool_size=4)


@pytest.fixture(scope="module")
def postgresql():
    """A database of our own, reached through a proxy the test can cut."""
    name = create_pg_database("production_stores")
    proxy = TcpProxy(5432)
    try:
        yield f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}", name, proxy
    finally:
        proxy.close()
        drop_pg_database(name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    """(URL the store uses, PostgreSQL database name or None, the proxy or None)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('stores') / 'tracker.db'}", None, None
    return request.getfixturevalue("postgresql")


@pytest.fixture
def store(backend):
    made = IntakeTrackerStore(DOMAIN, url=backend[0], limits=FAST)
    yield made
    made.engine.dispose()


def sender() -> str:
    return f"store-{uuid.uuid4().hex[:10]}"


def said(text: str) -> UserUttered:
    return UserUttered(text, {"name": "greet", "confidence": 1.0})


async def test_a_conversation_is_saved_and_read_back_by_session(store):
    who = sender()
    tracker = await store.get_or_create_tracker(who)
    tracker.update(said("hi"))
    tracker.update(SlotSet("notice_code", "LT11"))
    await store.save(tracker)
    again = await store.retrieve(who)
    assert again.get_slot("notice_code") == "LT11" and again.latest_message.text == "hi"
    again.update(ActionExecuted("action_session_start"))
    again.update(SessionStarted())
    again.update(ActionExecuted("action_listen"))
    again.update(said("back again"))
    await store.save(again)
    latest = await store.retrieve(who)
    assert [e.type_name for e in latest.events][0] == "session_started"  # the new session only
    assert [e.text for e in (await store.retrieve_full_tracker(who)).events if isinstance(e, UserUttered)] == ["hi", "back again"]
    assert await store.exists(who) and not await store.exists(sender())
    assert who in await store.keys()


async def test_the_latest_input_channel_is_the_one_rasa_would_name(store):
    who = sender()
    assert await store.latest_input_channel(who) is None  # no conversation yet
    tracker = await store.get_or_create_tracker(who)
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}, input_channel="rest"))
    tracker.update(BotUttered("hello"))
    tracker.update(UserUttered("lt11", {"name": "greet", "confidence": 1.0}, input_channel="sms"))
    await store.save(tracker)
    assert await store.latest_input_channel(who) == "sms" == (await store.retrieve(who)).get_latest_input_channel()
    tracker.update(SessionStarted())  # a new session: nothing said in it yet
    await store.save(tracker)
    assert await store.latest_input_channel(who) is None


async def test_rows_are_rasas_own_so_rasas_tools_read_them(store, backend):
    who = sender()
    tracker = await store.get_or_create_tracker(who)
    tracker.update(said("hi"))
    tracker.update(BotUttered("hello"))
    await store.save(tracker)
    stock = SQLTrackerStore(DOMAIN, host=backend[0])
    try:
        theirs = await stock.retrieve(who)
    finally:
        stock.engine.dispose()
    assert [e.as_dict() for e in theirs.events] == [e.as_dict() for e in (await store.retrieve(who)).events]


async def test_a_turn_saved_from_a_stale_read_is_refused_not_merged(store):
    who = sender()
    first = await store.get_or_create_tracker(who)
    stale = await store.retrieve(who)
    first.update(said("one"))
    await store.save(first)
    stale.update(said("two"))
    with pytest.raises(ConversationChanged):
        await store.save(stale)
    assert [e.text for e in (await store.retrieve(who)).events if isinstance(e, UserUttered)] == ["one"]


async def test_a_save_retried_after_its_commit_answer_was_lost_is_not_written_twice(store):
    who = sender()
    tracker = await store.get_or_create_tracker(who)
    mark = getattr(tracker, MARK)
    tracker.update(said("once"))
    rows = _rows(who, list(tracker.events)[mark[0]:])
    store._write(who, rows, mark)  # committed; pretend the answer never came
    assert store._write(who, rows, mark, retried=True)[0] == 1  # recognised as already written
    with pytest.raises(ConversationChanged):
        store._write(who, rows, mark)  # not a retry: someone else's write
    assert [e.text for e in (await store.retrieve(who)).events if isinstance(e, UserUttered)] == ["once"]


def _rows(who, events):
    from bot.stores.tracker import event_row

    return [event_row(who, e) for e in events]


async def test_rasa_does_not_wrap_it_in_the_fail_safe_store(store, backend):
    assert Agent(tracker_store=store).tracker_store is store
    stock = SQLTrackerStore(DOMAIN, host=backend[0])
    try:
        assert isinstance(Agent(tracker_store=stock).tracker_store, FailSafeTrackerStore)  # Rasa's own
    finally:
        stock.engine.dispose()


async def test_queries_run_off_the_event_loop(store, backend):
    """A save that waits on the database (another writer holds the conversation) leaves the
    event loop free for every other conversation."""
    who = sender()
    tracker = await store.get_or_create_tracker(who)
    tracker.update(said("hi"))
    release = threading.Event()
    holding = threading.Event()

    def hold_the_write_lock():
        if backend[1] is None:
            import sqlite3

            conn = sqlite3.connect(backend[0][len("sqlite:///"):], isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn = psycopg2.connect(pg_url(backend[1]))
            conn.cursor().execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (0x1A7A, who))
        holding.set()
        release.wait(10)
        conn.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    holding.wait(10)
    ticks = 0

    async def tick():
        nonlocal ticks
        while not release.is_set():
            ticks += 1
            await asyncio.sleep(0.05)

    ticker = asyncio.ensure_future(tick())
    saving = asyncio.ensure_future(store.save(tracker))
    await asyncio.sleep(1.0)
    assert not saving.done() and ticks >= 10  # the save waits; the loop keeps running
    release.set()
    await saving
    await ticker
    holder.join()
    assert (await store.retrieve(who)).latest_message.text == "hi"


async def test_a_database_outage_is_retried_then_reported_never_a_fresh_conversation(postgresql):
    proxy = postgresql[2]
    store = IntakeTrackerStore(DOMAIN, url=postgresql[0], limits=FAST)
    who = sender()
    tracker = await store.get_or_create_tracker(who)
    tracker.update(said("before"))
    await store.save(tracker)
    tracker = await store.retrieve(who)
    tracker.update(said("during"))
    proxy.cut()
    threading.Timer(0.8, proxy.restore).start()
    await store.save(tracker)  # retried through the outage, written once
    assert [e.text for e in (await store.retrieve(who)).events if isinstance(e, UserUttered)] == ["before", "during"]
    proxy.cut()
    try:
        started = time.monotonic()
        with pytest.raises(TrackerStoreUnavailable, match="did not answer for 2 s"):
            await store.retrieve(who)
        assert time.monotonic() - started < FAST.retry_seconds + 3
    finally:
        proxy.restore()
        store.engine.dispose()


def test_start_up_waits_a_bounded_time_and_names_the_database_without_its_password():
    with pytest.raises(TrackerStoreUnavailable) as failure:
        IntakeTrackerStore(DOMAIN, url="postgresql://rasa:s3cret@127.0.0.1:1/rasa", limits=FAST)
    assert "postgresql://rasa:***@127.0.0.1:1/rasa" in str(failure.value) and "s3cret" not in str(failure.value)


def test_settings_defaults_and_refusals(tmp_path):
    assert tracker_store_url({"STATE_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path.resolve() / 'tracker.db'}"
    assert tracker_store_url({"TRACKER_STORE_URL": "postgres://u@h/db"}) == "postgresql://u@h/db"
    assert lock_store_url({}) == "memory" and lock_store_url({"LOCK_STORE_URL": "redis://r:6379/2"}) == "redis://r:6379/2"
    with pytest.raises(StoreSettingsError, match="TRACKER_STORE_URL"):
        tracker_store_url({"TRACKER_STORE_URL": "mysql://h/db"})
    with pytest.raises(StoreSettingsError, match="LOCK_STORE_URL"):
        lock_store_url({"LOCK_STORE_URL": "memcached://h"})
    with pytest.raises(StoreSettingsError, match="TRACKER_STORE_RETRY_SECONDS"):
        TrackerStoreLimits.from_env({"TRACKER_STORE_RETRY_SECONDS": "soon"})


# --- locks -------------------------------------------------------------------------------------
@pytest.fixture
def redis_prefix():
    prefix = f"prodtest{uuid.uuid4().hex[:8]}"
    yield prefix
    delete_redis_keys(prefix)


def redis_locks(prefix: str, url: str = REDIS_URL, **limits) -> IntakeLockStore:
    return IntakeLockStore(url=url, limits=LockStoreLimits(key_prefix=prefix, **limits))


async def test_two_servers_locks_serve_one_conversations_turns_one_at_a_time_in_order(redis_prefix):
    servers = [redis_locks(redis_prefix), redis_locks(redis_prefix)]
    log = []

    async def turn(index: int):
        await asyncio.sleep(index * 0.01)  # arrival order
        async with servers[index % 2].lock("conversation"):
            log.append(("start", index))
            await asyncio.sleep(0.05)
            log.append(("end", index))

    await asyncio.gather(*(turn(i) for i in range(6)))
    assert log == [(step, i) for i in range(6) for step in ("start", "end")]


async def test_a_turn_waiting_behind_one_of_the_same_server_starts_when_that_one_ends(redis_prefix, monkeypatch):
    from bot.stores import locks

    # With polling alone, the waiting turn would sit out the whole poll interval.
    monkeypatch.setattr(locks, "POLL_SECONDS", 60.0)
    server = redis_locks(redis_prefix)
    log = []

    async def turn(index: int):
        await asyncio.sleep(index * 0.05)  # arrival order
        async with server.lock("conversation"):
            log.append(("start", index))
            await asyncio.sleep(0.05)
            log.append(("end", index))

    await asyncio.wait_for(asyncio.gather(*(turn(i) for i in range(3))), timeout=30)
    assert log == [(step, i) for i in range(3) for step in ("start", "end")]
    assert server.backend._released == {}  # nothing kept once the conversation is idle


async def test_a_dead_servers_lock_is_taken_over_after_its_lifetime(redis_prefix):
    crashed = redis_locks(redis_prefix, lifetime_seconds=0.5)
    ticket = await crashed.backend._take_ticket("conversation", 500)  # took it, then died
    await crashed.backend._wait_turn("conversation", ticket, 500)
    started = time.monotonic()
    async with redis_locks(redis_prefix).lock("conversation"):
        waited = time.monotonic() - started
    assert 0.3 < waited < 3


async def test_redis_unavailable_is_a_clear_error_before_anything_runs(redis_prefix):
    proxy = TcpProxy(6379)
    try:
        locks = redis_locks(redis_prefix, url=f"redis://127.0.0.1:{proxy.port}/0")
        proxy.cut()
        ran = False
        with pytest.raises(LockStoreUnavailable, match="is unavailable"):
            async with locks.lock("conversation"):
                ran = True
        assert not ran
        proxy.restore()
        async with locks.lock("conversation"):  # back: the next turn goes through
            ran = True
        assert ran
    finally:
        proxy.close()


def test_no_redis_at_start_up_refuses_to_start(redis_prefix):
    with pytest.raises(LockStoreUnavailable, match="did not answer within"):
        redis_locks(redis_prefix, url="redis://127.0.0.1:1/0", connect_seconds=0.5, timeout_seconds=0.2)


def test_several_workers_without_redis_are_refused(monkeypatch):
    monkeypatch.setenv("SANIC_WORKERS", "4")
    with pytest.raises(StoreSettingsError, match="LOCK_STORE_URL"):
        IntakeLockStore(url="memory")


async def test_memory_locks_keep_arrival_order_and_forget_idle_conversations():
    locks = IntakeLockStore(url="memory")
    log = []

    async def turn(index: int):
        await asyncio.sleep(index * 0.005)
        async with locks.lock("c"):
            log.append(index)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(turn(i) for i in range(5)))
    assert log == list(range(5)) and locks.backend.held() == 0


# --- event broker -------------------------------------------------------------------------------
async def test_no_broker_without_a_url(monkeypatch):
    monkeypatch.delenv("EVENT_BROKER_URL", raising=False)
    assert await IntakeEventBroker.from_endpoint_config(EndpointConfig()) is None


async def test_saved_events_are_published_once_each(monkeypatch, tmp_path):
    name = f"prodtest-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("EVENT_BROKER_URL", RABBITMQ_URL)
    monkeypatch.setenv("EVENT_BROKER_EXCHANGE", name)
    monkeypatch.setenv("EVENT_BROKER_QUEUES", name)
    broker = await IntakeEventBroker.from_endpoint_config(EndpointConfig())
    store = IntakeTrackerStore(DOMAIN, url=f"sqlite:///{tmp_path / 'tracker.db'}", event_broker=broker, limits=FAST)
    try:
        who = sender()
        tracker = await store.get_or_create_tracker(who)
        tracker.update(said("one"))
        await store.save(tracker)
        tracker.update(said("two"))
        await store.save(tracker)
        await asyncio.sleep(0.5)  # publishing runs in the background
        await broker.close()
        published = await asyncio.to_thread(rabbitmq_events, name)
        assert [e["event"] for e in published] == ["action", "user", "user"]
        assert all(e["sender_id"] == who for e in published)
    finally:
        await asyncio.to_thread(delete_rabbitmq, name)
