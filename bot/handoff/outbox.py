"""The escalation client's durable outbox: cases that could not reach the queue yet.

A case the queue could not take is written to $STATE_DIR/handoff-outbox/pending/ as one JSON
file (written to a temporary file, fsync'ed, then renamed: a crash never leaves half a case).
Files are delivered oldest first; delivery stops at the first one the queue still cannot take,
so two escalations of one conversation arrive in the order they happened.

Delivery is triggered three ways (docs/handoff.md, "Never lost"):
- every later `HandoffClient.submit` flushes the outbox before sending its own case;
- while anything waits, a background thread in the submitting process (the action server)
  retries every HANDOFF_OUTBOX_INTERVAL seconds (default 5), and a new process started over a
  non-empty outbox starts that thread as soon as it creates its client;
- `python -m bot.handoff.outbox` flushes from the command line (`--once`, or it keeps running
  until the outbox is empty), e.g. after a long outage or from cron.

A case the queue rejects as malformed (HTTP 400) is never retried: it moves to rejected/ with
the queue's message, for a person to read; it is not deleted.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

from bot import clock

PENDING, REJECTED = "pending", "rejected"


@dataclass(frozen=True)
class FlushReport:
    delivered: int
    rejected: int
    remaining: int
    error: Optional[str] = None  # why delivery stopped, when it did


class Outbox:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.pending_dir = self.root / PENDING
        self.rejected_dir = self.root / REJECTED

    @classmethod
    def from_env(cls, env=None) -> "Outbox":
        env = os.environ if env is None else env
        return cls(Path(env.get("STATE_DIR") or "var") / "handoff-outbox")

    def _ensure(self) -> None:
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        self.rejected_dir.mkdir(parents=True, exist_ok=True)

    # --- writing --------------------------------------------------------------------------------
    def _write_atomic(self, folder: Path, name: str, record: Dict[str, Any]) -> Path:
        self._ensure()
        final = folder / name
        temporary = folder / f".{name}.{uuid.uuid4().hex}.tmp"
        data = json.dumps(record, indent=1, sort_keys=True).encode()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, final)
        _fsync_dir(folder)
        return final

    @staticmethod
    def _name() -> str:
        # Sorts by time; the random tail keeps two cases of the same nanosecond apart.
        return f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"

    def put(self, case: Dict[str, Any], error: str) -> Path:
        record = {"case": case, "queued_at": clock.utcnow().isoformat(), "attempts": 1, "last_error": error}
        return self._write_atomic(self.pending_dir, self._name(), record)

    def reject(self, case: Dict[str, Any], error: str, name: Optional[str] = None) -> Path:
        record = {"case": case, "rejected_at": clock.utcnow().isoformat(), "error": error}
        return self._write_atomic(self.rejected_dir, name or self._name(), record)

    # --- reading --------------------------------------------------------------------------------
    def pending(self) -> List[Path]:
        if not self.pending_dir.is_dir():
            return []
        return sorted(p for p in self.pending_dir.glob("*.json") if not p.name.startswith("."))

    def rejected(self) -> List[Path]:
        if not self.rejected_dir.is_dir():
            return []
        return sorted(p for p in self.rejected_dir.glob("*.json") if not p.name.startswith("."))

    @contextlib.contextmanager
    def _lock(self) -> Iterator[bool]:
        """One flusher at a time across processes; the others skip (they would only race)."""
        self._ensure()
        with open(self.root / ".lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def flush(self, send: Callable[[Dict[str, Any]], "SendOutcome"]) -> FlushReport:
        """Delivers pending cases oldest first with `send`; stops at the first transient failure."""
        delivered = rejected = 0
        with self._lock() as mine:
            if not mine:
                return FlushReport(0, 0, len(self.pending()), "another process is flushing the outbox")
            for path in self.pending():
                try:
                    record = json.loads(path.read_text())
                except (OSError, ValueError):
                    # Unreadable (disk trouble, edited by hand): keep it for a person, go on.
                    self.rejected_dir.mkdir(parents=True, exist_ok=True)
                    os.replace(path, self.rejected_dir / path.name)
                    rejected += 1
                    continue
                outcome = send(record["case"])
                if outcome.kind == "delivered":
                    path.unlink()
                    _fsync_dir(self.pending_dir)
                    delivered += 1
                elif outcome.kind == "rejected":
                    self.reject(record["case"], outcome.error or "rejected", name=path.name)
                    path.unlink()
                    rejected += 1
                else:
                    record["attempts"] = int(record.get("attempts", 1)) + 1
                    record["last_error"] = outcome.error
                    self._write_atomic(self.pending_dir, path.name, record)
                    return FlushReport(delivered, rejected, len(self.pending()), outcome.error)
        return FlushReport(delivered, rejected, len(self.pending()))


@dataclass(frozen=True)
class SendOutcome:
    kind: str  # delivered / rejected / failed
    body: Optional[Dict[str, Any]] = None
    error: Optional[str] = None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv: Optional[List[str]] = None) -> int:
    from bot.handoff.client import HandoffClient

    parser = argparse.ArgumentParser(prog="python -m bot.handoff.outbox",
                                     description="Deliver escalations waiting in the handoff outbox.")
    parser.add_argument("--once", action="store_true", help="one pass, then exit (exit 1 if cases remain)")
    parser.add_argument("--status", action="store_true", help="only list what waits and what was rejected")
    parser.add_argument("--interval", type=float, default=None, help="seconds between passes (default: the client's)")
    args = parser.parse_args(argv)
    client = HandoffClient.from_env(start_flusher=False)
    outbox = client.outbox
    if args.status:
        print(f"pending: {len(outbox.pending())}  rejected: {len(outbox.rejected())}  ({outbox.root})")
        for path in outbox.rejected():
            print(f"  rejected {path.name}: {json.loads(path.read_text()).get('error')}")
        return 0
    interval = args.interval if args.interval is not None else client.outbox_interval
    while True:
        report = outbox.flush(client.send_once)
        print(f"delivered {report.delivered}, rejected {report.rejected}, waiting {report.remaining}"
              + (f" ({report.error})" if report.error else ""), flush=True)
        if report.remaining == 0:
            return 0
        if args.once:
            return 1
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
