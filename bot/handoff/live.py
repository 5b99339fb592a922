"""Push to open dashboards: the in-process hub behind GET /api/stream (server-sent events).

The store and the service publish from the web service's worker threads after a change
commits; each open stream has its own asyncio queue on the event loop, so publishing never
blocks a thread and a slow dashboard never holds up another.

An advisor is "live" while at least one of their streams is open (the away answer asks).

One process holds the subscribers. Several web instances behind a balancer would each see only
their own dashboards; they would need a shared bus (PostgreSQL LISTEN/NOTIFY) instead.
"""
from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

CASE_CREATED = "case_created"
CASE_UPDATED = "case_updated"
TAXPAYER_MESSAGE = "taxpayer_message"
PRESENCE = "presence"
EVENTS = (CASE_CREATED, CASE_UPDATED, TAXPAYER_MESSAGE, PRESENCE)
PREVIEW_CHARS = 80
# A stream that cannot keep up (a stalled tab) is dropped rather than buffering without end;
# the dashboard reconnects and reloads the queue.
MAX_BACKLOG = 1000
CLOSED = None  # the sentinel that ends a stream (server shutdown, backlog overflow)

Event = Tuple[str, Dict[str, Any]]


def preview(text: Optional[str]) -> str:
    """At most PREVIEW_CHARS characters of a taxpayer message, on one line."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[:PREVIEW_CHARS - 1].rstrip() + "…"


def frame(event: str, data: Dict[str, Any]) -> str:
    """One server-sent event (`event:` and one `data:` line of JSON)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


PING = ": ping\n\n"


@dataclass(eq=False)
class Subscriber:
    advisor_id: int
    queue: "asyncio.Queue[Optional[Event]]" = field(default_factory=asyncio.Queue)
    closed: bool = False


class LiveHub:
    def __init__(self) -> None:
        self._subscribers: List[Subscriber] = []
        self._lock = threading.Lock()  # is_live is asked from worker threads
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    # --- the loop's side --------------------------------------------------------------------------
    def subscribe(self, advisor_id: int) -> Subscriber:
        subscriber = Subscriber(advisor_id)
        with self._lock:
            self._subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)
        subscriber.closed = True

    def close_all(self) -> None:
        """Ends every open stream (before the server stops, so shutdown never waits on them)."""
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.closed = True
            subscriber.queue.put_nowait(CLOSED)

    def _deliver(self, events: Iterable[Event]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for event in events:
            for subscriber in subscribers:
                if subscriber.closed:
                    continue
                if subscriber.queue.qsize() >= MAX_BACKLOG:
                    self.unsubscribe(subscriber)
                    subscriber.queue.put_nowait(CLOSED)
                    continue
                subscriber.queue.put_nowait(event)

    # --- anyone's side ------------------------------------------------------------------------------
    def publish(self, events: Iterable[Event]) -> None:
        """Safe from any thread; a no-op before the server started (nobody can be listening)."""
        events = [e for e in events if e[0] in EVENTS]
        loop = self._loop
        if not events or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(events)
        else:
            loop.call_soon_threadsafe(self._deliver, events)

    def is_live(self, advisor_id: Optional[int]) -> bool:
        if advisor_id is None:
            return False
        with self._lock:
            return any(s.advisor_id == advisor_id and not s.closed for s in self._subscribers)

    def count(self) -> int:
        with self._lock:
            return len(self._subscribers)
