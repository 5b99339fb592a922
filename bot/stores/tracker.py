"""The tracker store: where the Rasa server keeps every conversation, on SQLite or PostgreSQL.

It uses Rasa's own table (`events`, one row per event, the columns of Rasa's SQLTrackerStore),
so `rasa export`, Rasa's stock store and our retention jobs read the same rows. What differs
from Rasa 3.6's SQLTrackerStore, and why:

- every query runs on a thread pool, never on the server's event loop (Rasa's blocks the loop
  for every conversation while one query waits);
- a database that does not answer is retried for TRACKER_STORE_RETRY_SECONDS (a PostgreSQL
  restart takes seconds), then the turn fails with TrackerStoreUnavailable; Rasa's retries
  forever at start-up, and its FailSafeTrackerStore wrapper turns a read error into a fresh
  empty conversation, which loses an advisor's pause (bot/stores/rasa_hooks.py unwraps it);
- a save writes exactly the events the turn added, in one transaction, and refuses to write when
  another process wrote to the conversation since it was read (ConversationChanged) instead of
  interleaving two turns' events;
- the current session starts at the latest `session_started` row by id, not by timestamp, so
  clocks that differ between Rasa servers cannot hide events;
- committed events are published to the event broker without reading the conversation again.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from rasa.core.tracker_store import SerializedTrackerAsText, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.stores import rasa_hooks
from bot.stores.errors import ConversationChanged, TrackerStoreUnavailable
from bot.stores.settings import TrackerStoreLimits, redact, tracker_store_url

logger = logging.getLogger(__name__)

EVENTS = SQLTrackerStore.SQLEvent.__table__  # Rasa's table: the contract with Rasa's tools
WRITE = "intake_tracker_write"  # execution option: SQLite takes the write lock at BEGIN
# Namespace of our PostgreSQL advisory locks (one per conversation, held while saving).
ADVISORY_NAMESPACE = 0x1A7A
# What the tracker remembers of the store: (events already stored, id of the last stored row).
MARK = "_intake_stored"

RETRYABLE = (
    sa.exc.OperationalError,  # connection refused/lost, server shutting down, SQLite busy
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,  # no pooled connection in time
)

Row = Dict[str, Any]


def make_engine(url: str, pool_size: int) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=0,
            connect_args={"check_same_thread": False, "timeout": 10},
            future=True,
        )

        @sa_event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=FULL")  # a committed turn survives a power cut
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @sa_event.listens_for(engine, "begin")
        def _on_begin(conn):
            # A save reads then writes: taking the write lock at BEGIN queues two writers on
            # busy_timeout instead of failing one with "database is locked" at its upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return engine
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=True,  # connections from before a database restart are replaced, not used
        connect_args={"connect_timeout": 5},
        future=True,
    )


def _session_start_id(sender_id: str):
    return (
        sa.select(sa.func.max(EVENTS.c.id))
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )


def _in_session(query, sender_id: str, all_sessions: bool):
    query = query.where(EVENTS.c.sender_id == sender_id)
    if all_sessions:
        return query
    start = _session_start_id(sender_id)
    return query.where(sa.or_(start.is_(None), EVENTS.c.id >= start))


def event_row(sender_id: str, event: Event) -> Row:
    """The row Rasa's SQLTrackerStore writes for an event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class IntakeTrackerStore(TrackerStore, SerializedTrackerAsText):
    """endpoints.yml: `tracker_store: {type: bot.stores.tracker.IntakeTrackerStore}`."""

    # rasa_hooks: this store reports its own errors, so Rasa must not wrap it in its
    # FailSafeTrackerStore (which answers a read error with an empty conversation).
    reports_own_errors = True

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[Any] = None,
        url: Optional[str] = None,
        limits: Optional[TrackerStoreLimits] = None,
        **kwargs: Any,
    ) -> None:
        rasa_hooks.install()
        self.url = url or host or tracker_store_url()
        self.limits = limits or TrackerStoreLimits.from_env()
        self.engine = make_engine(self.url, self.limits.pool_size)
        self.is_postgresql = self.engine.dialect.name == "postgresql"
        self._executor = ThreadPoolExecutor(max_workers=self.limits.pool_size, thread_name_prefix="tracker-store")
        self._create_table()
        super().__init__(domain, event_broker, **kwargs)
        logger.info(f"Conversations are kept in {redact(self.url)}")

    # --- start-up -------------------------------------------------------------------------
    def _create_table(self) -> None:
        """Waits up to TRACKER_STORE_CONNECT_SECONDS for the database, then creates the table."""
        deadline = time.monotonic() + self.limits.connect_seconds
        delay = 0.5
        while True:
            try:
                try:
                    EVENTS.metadata.create_all(self.engine, tables=[EVENTS])
                except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
                    # Two servers starting together both tried to create it: fine if it exists.
                    if not sa.inspect(self.engine).has_table(EVENTS.name):
                        raise
                return
            except RETRYABLE as error:
                if time.monotonic() + delay > deadline:
                    raise TrackerStoreUnavailable(
                        f"The tracker store at {redact(self.url)} did not answer within "
                        f"{self.limits.connect_seconds:g} s (TRACKER_STORE_CONNECT_SECONDS): {_first_line(error)}"
                    ) from error
                logger.warning(f"Waiting for the tracker store at {redact(self.url)}: {_first_line(error)}")
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    # --- running queries off the event loop, with a bounded retry --------------------------
    async def _run(self, operation: str, sender_id: str, work: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.limits.retry_seconds
        delay = 0.05
        attempt = 0
        while True:
            attempt += 1
            call = functools.partial(work, *args, retried=attempt > 1)
            try:
                return await loop.run_in_executor(self._executor, call)
            except RETRYABLE as error:
                if time.monotonic() + delay > deadline:
                    raise TrackerStoreUnavailable(
                        f"Could not {operation} conversation '{sender_id}': the tracker store at "
                        f"{redact(self.url)} did not answer for {self.limits.retry_seconds:g} s "
                        f"(TRACKER_STORE_RETRY_SECONDS): {_first_line(error)}"
                    ) from error
                logger.warning(
                    f"Tracker store: {operation} of '{sender_id}' failed (attempt {attempt}), "
                    f"retrying: {_first_line(error)}"
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
            except sa.exc.SQLAlchemyError as error:
                raise TrackerStoreUnavailable(
                    f"Could not {operation} conversation '{sender_id}' in {redact(self.url)}: {_first_line(error)}"
                ) from error

    # --- reading ----------------------------------------------------------------------------
    def _read(self, sender_id: str, all_sessions: bool, retried: bool = False) -> List[Tuple[int, str]]:
        query = _in_session(sa.select(EVENTS.c.id, EVENTS.c.data), sender_id, all_sessions).order_by(EVENTS.c.id)
        with self.engine.connect() as conn:
            return [(row.id, row.data) for row in conn.execute(query)]

    async def _retrieve(self, sender_id: str, all_sessions: bool) -> Optional[DialogueStateTracker]:
        rows = await self._run("read", sender_id, self._read, sender_id, all_sessions)
        if not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(data) for _, data in rows], self.domain.slots
        )
        setattr(tracker, MARK, (len(tracker.events), rows[-1][0]))
        return tracker

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's latest session, or None if it has never been seen."""
        return await self._retrieve(sender_id, all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        """Every session of the conversation (the transcript an advisor reads)."""
        return await self._retrieve(conversation_id, all_sessions=True)

    def _latest_input_channel(self, sender_id: str, retried: bool = False) -> Optional[str]:
        query = (
            _in_session(sa.select(EVENTS.c.data), sender_id, all_sessions=False)
            .where(EVENTS.c.type_name == UserUttered.type_name)
            .order_by(EVENTS.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            data = conn.execute(query).scalar()
        return json.loads(data).get("input_channel") if data else None

    async def latest_input_channel(self, sender_id: str) -> Optional[str]:
        """The channel of the latest message in the conversation's current session (None: no
        message yet): one indexed row, where reading the whole conversation took a replay."""
        return await self._run("read", sender_id, self._latest_input_channel, sender_id)

    def _exists(self, sender_id: str, retried: bool = False) -> bool:
        query = sa.select(EVENTS.c.id).where(EVENTS.c.sender_id == sender_id).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    async def exists(self, conversation_id: str) -> bool:
        return await self._run("look up", conversation_id, self._exists, conversation_id)

    def _keys(self, retried: bool = False) -> List[str]:
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.select(EVENTS.c.sender_id).distinct())]

    async def keys(self) -> Iterable[str]:
        return await self._run("list", "*", self._keys)

    # --- writing ----------------------------------------------------------------------------
    def _lock_conversation(self, conn: Connection, sender_id: str) -> None:
        # PostgreSQL: one saver per conversation at a time, across every Rasa server, so the
        # check below and the insert are one step. (SQLite: BEGIN IMMEDIATE already is.)
        if self.is_postgresql:
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:ns, hashtext(:sender))"),
                {"ns": ADVISORY_NAMESPACE, "sender": sender_id},
            )

    def _write(
        self, sender_id: str, rows: Sequence[Row], mark: Optional[Tuple[int, int]], retried: bool = False
    ) -> Tuple[int, int]:
        """Stores, in one transaction, the events the database does not have yet. With a mark
        (from this store's read or last save), `rows` are the events after the stored ones;
        without, `rows` are all the tracker's events. Returns (how many were written, id of the
        conversation's last row)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{WRITE: True})
            with conn.begin():
                self._lock_conversation(conn, sender_id)
                last_id = conn.execute(sa.select(sa.func.max(EVENTS.c.id)).where(EVENTS.c.sender_id == sender_id)).scalar()
                if mark is None:
                    # A tracker this store did not read (a new conversation, or one built by
                    # Rasa's API): what is stored of its latest session is its prefix.
                    stored = conn.execute(
                        _in_session(sa.select(sa.func.count()).select_from(EVENTS), sender_id, all_sessions=False)
                    ).scalar()
                    new = list(rows[stored:])
                else:
                    new = list(rows)
                    seen_id = mark[1]
                    if (last_id or 0) != (seen_id or 0):
                        if retried and self._already_written(conn, sender_id, seen_id, new):
                            # The previous attempt committed before its connection dropped.
                            return len(new), last_id
                        raise ConversationChanged(
                            f"Conversation '{sender_id}' was written by another process since this "
                            f"turn read it; the turn was not saved. Several Rasa servers need the "
                            f"shared lock store (LOCK_STORE_URL=redis://...)."
                        )
                if new:
                    conn.execute(sa.insert(EVENTS), new)
                    last_id = conn.execute(
                        sa.select(sa.func.max(EVENTS.c.id)).where(EVENTS.c.sender_id == sender_id)
                    ).scalar()
                return len(new), last_id

    @staticmethod
    def _already_written(conn: Connection, sender_id: str, seen_id: Optional[int], new: List[Row]) -> bool:
        query = (
            sa.select(EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id, EVENTS.c.id > (seen_id or 0))
            .order_by(EVENTS.c.id)
        )
        return [row.data for row in conn.execute(query)] == [row["data"] for row in new]

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the events this turn added; all of them or none."""
        events = list(tracker.events)
        mark = getattr(tracker, MARK, None)
        if mark is not None and mark[0] > len(events):
            mark = None  # the tracker was cut (max_event_history): fall back to counting
        rows = [event_row(tracker.sender_id, e) for e in events[mark[0] if mark else 0:]]
        written, last_id = await self._run("save", tracker.sender_id, self._write, tracker.sender_id, rows, mark)
        setattr(tracker, MARK, (len(events), last_id))
        if written:
            self._publish(tracker.sender_id, events[len(events) - written:])

    def _publish(self, sender_id: str, events: List[Event]) -> None:
        if self.event_broker is None:
            return
        for event in events:
            body = {"sender_id": sender_id}
            body.update(event.as_dict())
            try:
                self.event_broker.publish(body)
            except Exception:  # the conversation is saved; a broker problem must not undo the turn
                logger.exception(f"Could not publish an event of '{sender_id}' to the event broker")


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
