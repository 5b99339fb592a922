"""Erases one conversation from every store it lives in, and records only that it happened.

The stores (docs/security.md, "Where taxpayer data lives"):
- Rasa's tracker store: every message and slot (bot/privacy/trackers.py);
- the handoff queue: the conversation's cases with their notes, replies, activity, audit trail
  and webhook deliveries (bot/handoff/schema.py);
- the SMS channel's remembered button menu for the number (bot/channels/sms_store.py). The
  opt-out list is kept on purpose: a number that texted STOP must never be texted again,
  and the list holds nothing but the number;
- the escalation client's outbox: a case not yet delivered to the queue, or one the queue
  rejected (bot/handoff/outbox.py).

The order matters: first Rasa's lock (a running turn finishes and is saved), then the tracker,
then the rest, then the record (bot/privacy/records.py). A store that cannot be reached is
named in the record's `problems` and the report; the rest is still erased.

A deletion the taxpayer asked for in the chat comes from the action server with the service
token (actions/privacy.py). Before erasing, the eraser checks in Rasa's own tracker that this
conversation's latest turn really ran that action after the taxpayer's confirmation
(`verify_request`): the action server has no authentication of its own, so a forged call to it
must not be able to erase someone else's conversation.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import sqlalchemy as sa

from bot import clock
from bot.channels.sms_store import menus as sms_menus, normalise_phone, url_from_env as sms_url_from_env
from bot.handoff import schema as queue
from bot.handoff.db import database_url, make_engine
from bot.handoff.rasa_api import RasaClient, RasaError
from bot.privacy import records
from bot.privacy.client import ERASE_ACTION
from bot.privacy.logs import log_id
from bot.privacy.settings import PrivacySettings, conversation_hash, hash_key
from bot.privacy.trackers import SQL, RasaTrackers, SqlTrackerEvents, TrackerStoreConfig

logger = logging.getLogger(__name__)

OUTBOX_DIR = "handoff-outbox"


class NotRequested(Exception):
    """The conversation's tracker does not show the taxpayer confirming a deletion (nothing was
    erased). `retryable`: Rasa could not be asked; asking again later may succeed."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class ErasureReport:
    conversation_hash: str
    tracker_events: int = 0
    cases: int = 0
    sms_menus: int = 0
    outbox_files: int = 0
    problems: List[str] = field(default_factory=list)
    record_id: Optional[int] = None

    @property
    def complete(self) -> bool:
        return not self.problems

    def as_dict(self) -> Dict[str, Any]:
        return {
            "conversation_hash": self.conversation_hash, "tracker_events": self.tracker_events,
            "cases": self.cases, "sms_menus": self.sms_menus, "outbox_files": self.outbox_files,
            "complete": self.complete, "problems": list(self.problems), "record_id": self.record_id,
        }


def confirmed_in_chat(tracker: Mapping[str, Any]) -> bool:
    """True when the latest user message was followed by ERASE_ACTION (the taxpayer said yes)."""
    events = tracker.get("events") or []
    for event in reversed(events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == ERASE_ACTION:
            return True
    return False


class Eraser:
    def __init__(
        self,
        queue_engine: sa.engine.Engine,
        key: bytes,
        tracker_config: TrackerStoreConfig,
        rasa: Optional[RasaClient],
        sms_db_url: Optional[str] = None,
        outbox_root: Optional[Path] = None,
    ):
        self.queue_engine = queue_engine
        self.key = key
        self.tracker_config = tracker_config
        self.sql_events = SqlTrackerEvents(tracker_config.url) if tracker_config.kind == SQL else None
        self.rasa = RasaTrackers(rasa) if rasa is not None else None
        self.sms_engine = sa.create_engine(sms_db_url, future=True) if sms_db_url else None
        self.outbox_root = outbox_root
        records.migrate(queue_engine)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, queue_engine: Optional[sa.engine.Engine] = None,
                 rasa: Optional[RasaClient] = None) -> "Eraser":
        env = os.environ if env is None else env
        settings = PrivacySettings.from_env(env)
        if rasa is None and (env.get("RASA_URL") or "").strip().lower() != "off":
            rasa = RasaClient.from_env(env)
        return cls(
            queue_engine or make_engine(database_url(env)),
            hash_key(env),
            TrackerStoreConfig.from_endpoints(settings.endpoints_path, env),
            rasa,
            sms_url_from_env(env),
            settings.state_dir / OUTBOX_DIR,
        )

    def hash(self, conversation_id: str) -> str:
        return conversation_hash(conversation_id, self.key)

    # --- one conversation ---------------------------------------------------------------------
    def erase(self, conversation_id: str, requested_by: str, actor_name: Optional[str] = None,
              verify_request: bool = False, idle_before: Optional[float] = None) -> ErasureReport:
        """Erases `conversation_id` everywhere. `verify_request`: only if the tracker shows the
        taxpayer confirmed (NotRequested otherwise, nothing erased). `idle_before` (unix
        seconds, retention): the tracker only if nothing happened in it since."""
        report = ErasureReport(self.hash(conversation_id))
        if idle_before is None:
            tracker = self._wait_for_turn(conversation_id, report, verify_request)
        else:
            tracker = self._read_idle(conversation_id, report)
        self._erase_tracker(conversation_id, tracker, report, idle_before)
        self._erase_queue(conversation_id, report)
        self._erase_sms_menu(conversation_id, report)
        self._erase_outbox(conversation_id, report)
        with self.queue_engine.begin() as conn:
            report.record_id = records.record(
                conn, conversation_hash=report.conversation_hash, requested_by=requested_by, actor_name=actor_name,
                deleted_at=clock.utcnow(), tracker_events=report.tracker_events, cases=report.cases,
                problems=report.problems)
        logger.info("erased conversation %s (requested by %s): %d tracker events, %d cases%s",
                    log_id(conversation_id), requested_by, report.tracker_events, report.cases,
                    "" if report.complete else "; problems: " + "; ".join(report.problems))
        return report

    def _wait_for_turn(self, conversation_id: str, report: ErasureReport, verify_request: bool) -> Optional[Dict[str, Any]]:
        if self.rasa is None or not self.rasa.addressable(conversation_id):
            if verify_request:
                raise NotRequested("the conversation cannot be checked in Rasa")
            if self.sql_events is None:
                report.problems.append("the tracker store is reachable only through Rasa's API, "
                                       "which cannot address this conversation id")
            return None
        try:
            tracker = self.rasa.barrier(conversation_id)
        except RasaError as error:
            if verify_request:
                raise NotRequested(f"Rasa could not confirm the request: {error}", retryable=True) from None
            if self.sql_events is None:
                report.problems.append(f"the tracker could not be erased: {error}")
            return None
        if verify_request and not confirmed_in_chat(tracker):
            raise NotRequested("the conversation's latest turn did not confirm a deletion")
        return tracker

    def _read_idle(self, conversation_id: str, report: ErasureReport) -> Optional[Dict[str, Any]]:
        """Retention: the tracker as it is (no lock taken, nothing added), for stores only Rasa reaches."""
        if self.sql_events is not None or self.rasa is None or not self.rasa.addressable(conversation_id):
            return None
        try:
            return self.rasa.tracker(conversation_id)
        except RasaError as error:
            report.problems.append(f"the tracker could not be read: {error}")
            return None

    def _erase_tracker(self, conversation_id: str, tracker: Optional[Dict[str, Any]], report: ErasureReport,
                       idle_before: Optional[float]) -> None:
        if self.sql_events is not None:
            try:
                if idle_before is None:
                    report.tracker_events = self.sql_events.delete(conversation_id)
                else:
                    report.tracker_events = self.sql_events.delete_if_idle(conversation_id, idle_before)
            except sa.exc.SQLAlchemyError as error:
                report.problems.append(f"the tracker store's database failed ({type(error).__name__})")
            return
        if tracker is None:
            return
        events = tracker.get("events") or []
        if idle_before is not None and any((e.get("timestamp") or 0) >= idle_before for e in events):
            return
        try:
            self.rasa.replace_with_nothing(conversation_id)
            report.tracker_events = len(events)
        except RasaError as error:
            report.problems.append(f"the tracker could not be erased: {error}")

    def _erase_queue(self, conversation_id: str, report: ErasureReport) -> None:
        try:
            with self.queue_engine.begin() as conn:
                report.cases = erase_queue_rows(conn, conversation_id)
        except sa.exc.SQLAlchemyError as error:
            report.problems.append(f"the handoff queue's database failed ({type(error).__name__})")

    def _erase_sms_menu(self, conversation_id: str, report: ErasureReport) -> None:
        if self.sms_engine is None:
            return
        phone = normalise_phone(conversation_id)
        try:
            with self.sms_engine.begin() as conn:
                if sa.inspect(conn).has_table(sms_menus.name):
                    report.sms_menus = conn.execute(sms_menus.delete().where(sms_menus.c.phone == phone)).rowcount or 0
        except sa.exc.SQLAlchemyError as error:
            report.problems.append(f"the SMS database failed ({type(error).__name__})")

    def _erase_outbox(self, conversation_id: str, report: ErasureReport) -> None:
        if self.outbox_root is None or not self.outbox_root.exists():
            return
        try:
            with _outbox_lock(self.outbox_root):
                for path in _outbox_files(self.outbox_root):
                    if _outbox_conversation(path) == conversation_id:
                        path.unlink(missing_ok=True)
                        report.outbox_files += 1
        except OSError as error:
            report.problems.append(f"the handoff outbox could not be cleaned ({type(error).__name__})")

    def dispose(self) -> None:
        if self.sql_events is not None:
            self.sql_events.dispose()
        if self.sms_engine is not None:
            self.sms_engine.dispose()


def erase_queue_rows(conn: sa.engine.Connection, conversation_id: str) -> int:
    """Deletes the conversation's cases and everything that hangs off them, and what the queue
    kept of the conversation itself (presence, opt-out, unread: its id may be a phone number);
    returns the case count."""
    conn.execute(queue.conversations.delete().where(queue.conversations.c.conversation_id == conversation_id))
    case_ids = [row[0] for row in conn.execute(sa.select(queue.cases.c.id).where(queue.cases.c.conversation_id == conversation_id))]
    if not case_ids:
        return 0
    needle = json.dumps(conversation_id)
    candidates = conn.execute(sa.select(queue.webhook_deliveries.c.id, queue.webhook_deliveries.c.payload)
                              .where(queue.webhook_deliveries.c.payload.contains(needle, autoescape=True)))
    doomed = [row[0] for row in candidates if _webhook_conversation(row[1]) == conversation_id]
    if doomed:
        conn.execute(queue.webhook_deliveries.delete().where(queue.webhook_deliveries.c.id.in_(doomed)))
    conn.execute(queue.messages.delete().where(queue.messages.c.case_id.in_(case_ids)))
    conn.execute(queue.audit.delete().where(queue.audit.c.case_id.in_(case_ids)))
    conn.execute(queue.cases.delete().where(queue.cases.c.id.in_(case_ids)))
    return len(case_ids)


def _webhook_conversation(payload: str) -> Optional[str]:
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    conversation = body.get("conversation") if isinstance(body.get("conversation"), dict) else body
    attributes = conversation.get("additional_attributes") or {}
    return attributes.get("conversation_id") if isinstance(attributes, dict) else None


def _outbox_files(root: Path) -> Iterator[Path]:
    for folder in ("pending", "rejected"):
        directory = root / folder
        if directory.exists():
            yield from sorted(p for p in directory.glob("*.json") if not p.name.startswith("."))


def _outbox_conversation(path: Path) -> Optional[str]:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    case = record.get("case") if isinstance(record, dict) else None
    return case.get("conversation_id") if isinstance(case, dict) else None


@contextlib.contextmanager
def _outbox_lock(root: Path, timeout: float = 10.0) -> Iterator[None]:
    """The outbox's own lock (bot/handoff/outbox.py), so no flush reads a file being deleted."""
    with open(root / ".lock", "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OSError("the outbox is locked by another process") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
