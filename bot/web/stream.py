"""GET /api/stream: server-sent events for open dashboards (the hub is bot/handoff/live.py).

The dashboard reads it with fetch + a ReadableStream (EventSource cannot send the bearer
header). A comment line every STREAM_PING_SECONDS keeps proxies and Sanic's response timeout
from closing a quiet stream, and is how a client that vanished without closing is noticed:
the write fails and the stream is cleaned up. A client that closes its connection cancels the
handler (Sanic 21.12 cancels the task on connection_lost); `finally` unsubscribes either way.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Awaitable, Callable

from sanic.request import Request

from bot.handoff.live import CLOSED, PING, LiveHub, frame

logger = logging.getLogger(__name__)

# Kept well under Sanic's RESPONSE_TIMEOUT (60 s), which counts from the last write.
STREAM_PING_SECONDS = float(os.environ.get("HANDOFF_STREAM_PING_SECONDS") or 15.0)
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def serve_stream(request: Request, hub: LiveHub, advisor_id: int,
                       still_allowed: Callable[[], Awaitable[bool]]) -> None:
    """Streams until the client goes, the server stops, or the advisor's token stops being valid
    (deactivated advisors stop receiving case data at the next ping)."""
    subscriber = hub.subscribe(advisor_id)  # live from before the client sees the first byte
    try:
        response = await request.respond(content_type="text/event-stream; charset=utf-8", headers=HEADERS)
        await response.send(PING)  # the headers and a first byte now, so the client knows it is connected
        while True:
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), timeout=STREAM_PING_SECONDS)
            except asyncio.TimeoutError:
                if not await still_allowed():
                    break
                await response.send(PING)
                continue
            if item is CLOSED:
                break
            await response.send(frame(*item))
        await response.eof()
    finally:
        hub.unsubscribe(subscriber)
