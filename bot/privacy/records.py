"""The record that a deletion happened, and nothing more (issue 7).

One row per erased conversation in `privacy_deletions`, in the queue's database (HANDOFF_DB_URL):
who asked (the taxpayer in the chat, an advisor by name, the retention purge, the command line),
when, a keyed hash of the conversation id (bot/privacy/settings.py: the id itself is gone),
how many tracker events and cases went, and whether every store could be reached. No message
text, no phone number, no case content.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.handoff.schema import UTCDateTime

TAXPAYER, ADVISOR, RETENTION, COMMAND_LINE = "taxpayer", "advisor", "retention", "command_line"

metadata = sa.MetaData()
deletions = sa.Table(
    "privacy_deletions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_hash", sa.String(64), nullable=False, index=True),
    sa.Column("requested_by", sa.String(20), nullable=False),  # TAXPAYER / ADVISOR / RETENTION / COMMAND_LINE
    sa.Column("actor_name", sa.String(200), nullable=True),  # the advisor's name
    sa.Column("deleted_at", UTCDateTime, nullable=False),
    sa.Column("tracker_events", sa.Integer, nullable=False),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("problems", sa.Text, nullable=False),  # fixed phrases of ours, never user data
)


def migrate(engine: sa.engine.Engine) -> None:
    metadata.create_all(engine, tables=[deletions], checkfirst=True)


def record(conn: sa.engine.Connection, *, conversation_hash: str, requested_by: str, actor_name: Optional[str],
           deleted_at: dt.datetime, tracker_events: int, cases: int, problems: List[str]) -> int:
    result = conn.execute(deletions.insert().values(
        conversation_hash=conversation_hash, requested_by=requested_by, actor_name=actor_name,
        deleted_at=deleted_at, tracker_events=tracker_events, cases=cases, complete=not problems,
        problems="; ".join(problems)))
    return int(result.inserted_primary_key[0])


def listing(engine: sa.engine.Engine, conversation_hash: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
    query = sa.select(deletions).order_by(deletions.c.id.desc()).limit(limit)
    if conversation_hash:
        query = query.where(deletions.c.conversation_hash == conversation_hash)
    with engine.connect() as conn:
        return [_out(row) for row in conn.execute(query).mappings()]


def _out(row: Any) -> Dict[str, Any]:
    return {
        "id": row["id"], "conversation_hash": row["conversation_hash"], "requested_by": row["requested_by"],
        "actor_name": row["actor_name"], "deleted_at": row["deleted_at"], "tracker_events": row["tracker_events"],
        "cases": row["cases"], "complete": row["complete"],
        "problems": [p for p in row["problems"].split("; ") if p],
    }
