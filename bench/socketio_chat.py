"""A chat-widget stand-in for load tests: one socket.io conversation over a websocket, the way
the widget's socket.io-client talks after its upgrade (Engine.IO 4, Socket.IO 5 framing).

python-socketio's own async client needs an aiohttp newer than Rasa allows for websockets, and
its sync client needs a thread per conversation; this speaks the few frames a chat uses
(open, connect, ping/pong, events) on the `websockets` package Rasa already brings, so a
hundred conversations share one event loop."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, List, Optional

import websockets


class SocketIOChat:
    def __init__(self, base_url: str, path: str = "socket.io"):
        self.url = base_url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + \
            f"/{path}/?EIO=4&transport=websocket"
        self.ws = None
        self.session_id: Optional[str] = None
        self.inbox: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self._confirmed: "asyncio.Queue[str]" = asyncio.Queue()
        self._reader: Optional[asyncio.Task] = None

    async def open(self, session_id: Optional[str] = None, timeout: float = 30) -> str:
        self.ws = await websockets.connect(self.url, open_timeout=timeout, max_size=None)
        opening = await asyncio.wait_for(self.ws.recv(), timeout)
        assert opening.startswith("0"), opening  # Engine.IO open
        await self.ws.send("40")  # Socket.IO connect to "/"
        self._reader = asyncio.ensure_future(self._read())
        await self._emit("session_request", {"session_id": session_id})
        self.session_id = await asyncio.wait_for(self._confirmed.get(), timeout)
        return self.session_id

    async def _emit(self, event: str, data: Any) -> None:
        await self.ws.send("42" + json.dumps([event, data]))

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame == "2":  # Engine.IO ping
                    await self.ws.send("3")
                elif frame.startswith("42"):
                    event, *args = json.loads(frame[2:])
                    if event == "bot_uttered":
                        self.inbox.put_nowait(args[0] if args else {})
                    elif event == "session_confirm":
                        self._confirmed.put_nowait(args[0])
        except websockets.ConnectionClosed:
            pass

    async def say(self, text: str, replies: int, timeout: float = 120) -> List[Dict[str, Any]]:
        """Sends a message and waits for `replies` bot messages (the turn's answer)."""
        await self._emit("user_uttered", {"message": text, "session_id": self.session_id})
        deadline = time.monotonic() + timeout
        return [await asyncio.wait_for(self.inbox.get(), max(0.0, deadline - time.monotonic()))
                for _ in range(replies)]

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws:
            await self.ws.close()
