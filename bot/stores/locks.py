"""The lock store: one turn at a time per conversation, in arrival order, across every Rasa server.

LOCK_STORE_URL unset (or `memory`): locks live in the Rasa process, enough for one server.
LOCK_STORE_URL=redis://host:6379/N: locks live in Redis, shared by several servers.

Rasa 3.6's RedisLockStore reads a conversation's ticket list, changes it and writes it back in
three calls, so two servers taking a ticket at the same moment can get the same number and run
two turns of one conversation at once; it also makes blocking Redis calls on the event loop and
polls once a second. Here a ticket is one atomic INCR, the queue a sorted set, every call
async, and a waiting turn polls every 20 ms, or starts at once when the turn before it ended in
the same process (over socket.io a quick client's next message can arrive after the last reply
but before that turn has saved and released its lock). A ticket whose server died stops being renewed
and is dropped after TICKET_LOCK_LIFETIME, like Rasa's. Redis being down is a clear
LockStoreUnavailable before anything of the turn is read or written.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Dict, Optional, Tuple

from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.stores import rasa_hooks
from bot.stores.errors import LockStoreUnavailable
from bot.stores.settings import MEMORY, LockStoreLimits, StoreSettingsError, lock_store_url, redact

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02
# Counters and empty queues of conversations idle this long are dropped by Redis itself.
IDLE_KEY_SECONDS = 24 * 3600


class MemoryLocks:
    """A FIFO asyncio lock per conversation (asyncio.Lock wakes waiters in arrival order)."""

    def __init__(self) -> None:
        self._locks: Dict[str, Tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, conversation_id: str, lifetime: float) -> AsyncIterator[None]:
        lock, users = self._locks.get(conversation_id) or (asyncio.Lock(), 0)
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[conversation_id]
            if users <= 1:
                del self._locks[conversation_id]
            else:
                self._locks[conversation_id] = (lock, users - 1)

    def held(self) -> int:
        return len(self._locks)


class RedisLocks:
    """Tickets in Redis: `<prefix>:<id>:next` (INCR), `<prefix>:<id>:queue` (sorted set of
    waiting tickets, lowest served first), `<prefix>:<id>:alive:<ticket>` (expires unless its
    owner renews it)."""

    def __init__(self, url: str, limits: LockStoreLimits) -> None:
        import redis
        import redis.asyncio

        self.url = url
        self.limits = limits
        options = dict(
            socket_timeout=limits.timeout_seconds,
            socket_connect_timeout=limits.timeout_seconds,
            decode_responses=True,
            # One immediate retry on a dropped connection: a pooled connection from before a
            # Redis restart fails once, then a new one is made. Every call here is safe to repeat.
            retry_on_error=[redis.exceptions.ConnectionError],
        )
        self._errors = (redis.exceptions.RedisError, OSError, asyncio.TimeoutError)
        self._wait_for_redis(redis.Redis.from_url(url, **options))
        self.redis = redis.asyncio.Redis.from_url(url, **options)
        # Set and dropped when this process releases a turn of the conversation: its waiters
        # look again at once (a turn that waited here releases here too, which drops its event).
        self._released: Dict[str, asyncio.Event] = {}

    def _wait_for_redis(self, client) -> None:
        """At start-up: refuse to start without Redis rather than run without locks."""
        deadline = time.monotonic() + self.limits.connect_seconds
        while True:
            try:
                client.ping()
                client.close()
                return
            except self._errors as error:
                if time.monotonic() > deadline:
                    raise LockStoreUnavailable(
                        f"The lock store at {redact(self.url)} did not answer within "
                        f"{self.limits.connect_seconds:g} s (LOCK_STORE_CONNECT_SECONDS): {error}"
                    ) from error
                logger.warning(f"Waiting for the lock store at {redact(self.url)}: {error}")
                time.sleep(1.0)

    def _key(self, conversation_id: str, *parts: str) -> str:
        return ":".join((self.limits.key_prefix, conversation_id) + parts)

    def _unavailable(self, conversation_id: str, error: BaseException) -> LockStoreUnavailable:
        return LockStoreUnavailable(
            f"The lock store at {redact(self.url)} is unavailable ({error or type(error).__name__}); "
            f"the message for conversation '{conversation_id}' was not processed"
        )

    async def _take_ticket(self, conversation_id: str, lifetime_ms: int) -> str:
        ticket = str(await self.redis.incr(self._key(conversation_id, "next")))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(conversation_id, "alive", ticket), "1", px=lifetime_ms)
            pipe.zadd(self._key(conversation_id, "queue"), {ticket: int(ticket)})
            pipe.expire(self._key(conversation_id, "next"), IDLE_KEY_SECONDS)
            pipe.expire(self._key(conversation_id, "queue"), IDLE_KEY_SECONDS)
            await pipe.execute()
        return ticket

    async def _wait_turn(self, conversation_id: str, ticket: str, lifetime_ms: int) -> None:
        queue = self._key(conversation_id, "queue")
        while True:
            # Taken before looking at the queue, so a release here after the look still wakes us.
            released = self._released.setdefault(conversation_id, asyncio.Event())
            rank = await self.redis.zrank(queue, ticket)
            if rank is None:  # dropped as dead after a stall longer than its lifetime: queue again
                await self.redis.zadd(queue, {ticket: int(ticket)})
                continue
            if rank == 0:
                # Our turn: the lifetime counts from now, as Rasa's does from acquiring.
                await self.redis.set(self._key(conversation_id, "alive", ticket), "1", px=lifetime_ms)
                return
            head = await self.redis.zrange(queue, 0, 0)
            if head and head[0] != ticket and not await self.redis.exists(self._key(conversation_id, "alive", head[0])):
                await self.redis.zrem(queue, head[0])  # its server died or overran its lifetime
                continue
            await self.redis.pexpire(self._key(conversation_id, "alive", ticket), lifetime_ms)
            # Another server's release is seen at the next poll; this process's, at once.
            try:
                await asyncio.wait_for(released.wait(), POLL_SECONDS)
            except asyncio.TimeoutError:
                pass

    async def _release(self, conversation_id: str, ticket: str) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zrem(self._key(conversation_id, "queue"), ticket)
                pipe.delete(self._key(conversation_id, "alive", ticket))
                await pipe.execute()
        finally:
            released = self._released.pop(conversation_id, None)
            if released is not None:
                released.set()

    @asynccontextmanager
    async def hold(self, conversation_id: str, lifetime: float) -> AsyncIterator[None]:
        lifetime_ms = int(lifetime * 1000)
        ticket: Optional[str] = None
        try:
            ticket = await self._take_ticket(conversation_id, lifetime_ms)
            await self._wait_turn(conversation_id, ticket, lifetime_ms)
        except self._errors as error:
            if ticket is not None:
                await self._release_quietly(conversation_id, ticket)
            raise self._unavailable(conversation_id, error) from error
        try:
            yield
        finally:
            await self._release_quietly(conversation_id, ticket)

    async def _release_quietly(self, conversation_id: str, ticket: str) -> None:
        try:
            await self._release(conversation_id, ticket)
        except self._errors as error:
            # The turn is done and saved; the ticket expires on its own after its lifetime.
            logger.warning(f"Could not release the lock of '{conversation_id}' in {redact(self.url)}: {error}")


def _sanic_workers() -> int:
    try:
        return int(os.environ.get("SANIC_WORKERS") or 1)
    except ValueError:
        return 1


class IntakeLockStore(LockStore):
    """endpoints.yml: `lock_store: {type: bot.stores.locks.IntakeLockStore}`."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[str] = None,
                 limits: Optional[LockStoreLimits] = None) -> None:
        rasa_hooks.install()
        self.limits = limits or LockStoreLimits.from_env()
        self.url = url or (endpoint_config.url if endpoint_config else None) or lock_store_url()
        if self.url == MEMORY and _sanic_workers() > 1:
            raise StoreSettingsError("SANIC_WORKERS above 1 needs a shared lock store: set LOCK_STORE_URL=redis://...")
        self.backend = MemoryLocks() if self.url == MEMORY else RedisLocks(self.url, self.limits)
        super().__init__()
        where = "in this Rasa process" if self.url == MEMORY else f"in {redact(self.url)}"
        logger.info(f"Conversation locks are kept {where}")

    @property
    def shared(self) -> bool:
        """True when several Rasa servers (or Sanic workers) can safely use these locks."""
        return self.url != MEMORY

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: Optional[float] = None,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncIterator[None]:
        """Rasa calls `async with lock_store.lock(conversation_id)` around every turn."""
        async with self.backend.hold(conversation_id, lock_lifetime or self.limits.lifetime_seconds):
            yield
