"""The retention purge: conversations idle for longer than PRIVACY_RETENTION_DAYS are erased.

A conversation is idle when nothing happened in it since the cutoff: its latest tracker event
is older, and none of its handoff cases was touched since. A conversation with an unresolved
case is never purged (an advisor still owes the taxpayer an answer); it is counted as kept.
Each purged conversation is erased as a deletion would (bot/privacy/eraser.py) and recorded
with `requested_by = retention`. Besides conversations, the purge drops SMS button menus past
their 24-hour life, escalation-outbox files rejected before the cutoff, and Twilio MessageSids
past their de-duplication window.

Runs from the web service every PRIVACY_PURGE_INTERVAL_HOURS, and as
`python -m bot.privacy purge [--days N] [--as-of 2027-01-01T00:00:00Z] [--dry-run]`.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import List, Optional, Set

import sqlalchemy as sa

from bot import clock
from bot.channels.sms_store import DEDUP_KEEP, MENU_TTL, inbound as sms_inbound, menus as sms_menus
from bot.handoff import schema as queue
from bot.handoff.cases import RESOLVED
from bot.privacy import records
from bot.privacy.eraser import Eraser, _outbox_files

logger = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    dry_run: bool = False
    conversations: int = 0  # erased (or, in a dry run, that would be)
    tracker_events: int = 0
    cases: int = 0
    kept_open_cases: int = 0  # idle conversations kept because a case is unresolved
    sms_menus: int = 0
    sms_message_sids: int = 0
    outbox_files: int = 0
    notes: List[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {key: (value.isoformat() if isinstance(value, dt.datetime) else value)
                for key, value in self.__dict__.items()}


def cutoff_for(days: float, now: Optional[dt.datetime] = None) -> dt.datetime:
    return (now or clock.utcnow()) - dt.timedelta(days=days)


def purge(eraser: Eraser, days: float, now: Optional[dt.datetime] = None, dry_run: bool = False) -> PurgeReport:
    now = now or clock.utcnow()
    cutoff = cutoff_for(days, now)
    report = PurgeReport(cutoff, dry_run)
    candidates: Set[str] = set()
    if eraser.sql_events is not None:
        candidates.update(eraser.sql_events.idle_since(cutoff.timestamp()))
    else:
        report.notes.append(f"{eraser.tracker_config.description}: conversations in it cannot be listed, "
                            "so only the queue, SMS and outbox data are purged")
    with eraser.queue_engine.connect() as conn:
        cases = queue.cases
        # Conversations with a case resolved before the cutoff.
        candidates.update(row[0] for row in conn.execute(
            sa.select(cases.c.conversation_id).where(cases.c.status == RESOLVED, cases.c.updated_at < cutoff)))
        # Never purged: an unresolved case, or a case touched since the cutoff.
        busy = {row[0] for row in conn.execute(sa.select(cases.c.conversation_id).where(
            sa.or_(cases.c.status != RESOLVED, cases.c.updated_at >= cutoff)))}
        unresolved = {row[0] for row in conn.execute(sa.select(cases.c.conversation_id).where(cases.c.status != RESOLVED))}
    report.kept_open_cases = len(candidates & unresolved)
    for conversation_id in sorted(candidates - busy):
        report.conversations += 1
        if dry_run:
            continue
        erased = eraser.erase(conversation_id, records.RETENTION, idle_before=cutoff.timestamp())
        report.tracker_events += erased.tracker_events
        report.cases += erased.cases
        report.notes.extend(problem for problem in erased.problems if problem not in report.notes)
    if not dry_run:
        _purge_side_stores(eraser, now, cutoff, report)
    logger.info("retention purge (%s days, cutoff %s%s): %d conversations, %d tracker events, %d cases; "
                "%d idle conversations kept for an unresolved case", f"{days:g}", cutoff.isoformat(),
                ", dry run" if dry_run else "", report.conversations, report.tracker_events, report.cases,
                report.kept_open_cases)
    return report


def _purge_side_stores(eraser: Eraser, now: dt.datetime, cutoff: dt.datetime, report: PurgeReport) -> None:
    if eraser.sms_engine is not None:
        try:
            with eraser.sms_engine.begin() as conn:
                inspector = sa.inspect(conn)
                if inspector.has_table(sms_menus.name):
                    report.sms_menus = conn.execute(sms_menus.delete().where(sms_menus.c.sent_at < now - MENU_TTL)).rowcount or 0
                if inspector.has_table(sms_inbound.name):
                    report.sms_message_sids = conn.execute(
                        sms_inbound.delete().where(sms_inbound.c.received_at < now - DEDUP_KEEP)).rowcount or 0
        except sa.exc.SQLAlchemyError as error:
            report.notes.append(f"the SMS database failed ({type(error).__name__})")
    root = eraser.outbox_root
    if root is not None and (root / "rejected").exists():
        # A rejected case is kept for a person to read, but not past the retention period.
        for path in _outbox_files(root):
            if path.parent.name == "rejected" and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                report.outbox_files += 1
