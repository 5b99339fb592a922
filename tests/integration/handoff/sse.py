"""A real server-sent-events reader for the tests: an HTTP client that reads GET /api/stream as
a browser's fetch + ReadableStream does (a bearer header, the body read as it arrives)."""
from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import requests


class EventStream:
    def __init__(self, base: str, token: str):
        self.response = requests.get(f"{base}/api/stream", headers={"Authorization": f"Bearer {token}"},
                                     stream=True, timeout=(5, 60))
        self.events: "queue.Queue[Tuple[str, Any]]" = queue.Queue()
        self.ended = threading.Event()
        self.pings = 0
        if self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data = None, []
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line is None:
                    continue
                if line.startswith(":"):
                    self.pings += 1
                    self.events.put(("ping", None))
                elif line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data: "):
                    data.append(line[len("data: "):])
                elif line == "" and name:
                    self.events.put((name, json.loads("\n".join(data))))
                    name, data = None, []
        except (requests.RequestException, ValueError, AttributeError):
            pass  # the test closed the response, or the server went away
        finally:
            self.ended.set()

    def next(self, name: str, timeout: float = 10.0, where: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The next event called `name` (whose data has the items of `where`), skipping others."""
        deadline = time.monotonic() + timeout
        skipped: List[str] = []
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == name and (where is None or all(data.get(k) == v for k, v in where.items())):
                return data
            skipped.append(got)
        raise AssertionError(f"no {name} event {where or ''} within {timeout}s (saw {skipped})")

    def drain(self) -> List[Tuple[str, Any]]:
        found = []
        while True:
            try:
                found.append(self.events.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> None:
        self.response.close()
