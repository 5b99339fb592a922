"""The queue's tables (SQLAlchemy Core) and their migrations.

Names follow Chatwoot's conversation model (a case is a Chatwoot "conversation"); our own
fields (risk, notice, deadline) sit beside them. Timestamps are stored as naive UTC and come
back timezone-aware (UTCDateTime), the same on SQLite and PostgreSQL.

Migrations: MIGRATIONS[n] brings the schema from version n to n+1; `migrate` applies what is
missing at start and records the version in schema_version. Add a step, never edit one.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, List

from sqlalchemy import (
    JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table,
    Text, TypeDecorator, text,
)
from sqlalchemy.engine import Connection, Engine

NO_DEADLINE = dt.date(9999, 12, 31)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


metadata = MetaData()

schema_version = Table(
    "handoff_schema_version", metadata,
    Column("version", Integer, nullable=False),
)

advisors = Table(
    "handoff_advisors", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    # SHA-256 of the bearer token: tokens are 192-bit random strings, so a fast hash is enough
    # and lets the lookup use an index; the token itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("source", String(20), nullable=False, default="cli"),  # "env" for the dev advisor
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)

cases = Table(
    "handoff_cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("reason", String(32), nullable=False),
    # Chatwoot conversation fields
    Column("status", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("priority_rank", Integer, nullable=False),  # 0 urgent ... 3 low, for ordering
    Column("assignee_id", Integer, ForeignKey("handoff_advisors.id"), nullable=True),
    Column("waiting_since", UTCDateTime, nullable=False),
    Column("first_reply_created_at", UTCDateTime, nullable=True),
    Column("snoozed_until", UTCDateTime, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # SLA
    Column("first_response_due", UTCDateTime, nullable=False),
    # contact
    Column("contact_name", String(255), nullable=True),
    Column("contact_method", String(16), nullable=False),
    Column("contact_phone", String(40), nullable=True),
    Column("contact_email", String(255), nullable=True),
    Column("contact_best_time", String(255), nullable=True),
    Column("contact_consent", Boolean, nullable=False),
    # ours
    Column("notice_code", String(32), nullable=True),
    Column("notice_date", Date, nullable=True),
    Column("cdp_deadline", Date, nullable=True),
    # cdp_deadline, or 9999-12-31 when unknown: "no deadline last" as a plain ascending key,
    # so one index serves the queue's ORDER BY on SQLite and PostgreSQL alike.
    Column("deadline_sort", Date, nullable=False),
    Column("days_left", Integer, nullable=True),
    Column("risk_level", String(16), nullable=False),
    Column("risk_score", Integer, nullable=False),
    Column("risk_escalate", Boolean, nullable=False),
    Column("risk_factors", JSON, nullable=False),
    Column("risk_unknown", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("escalations", Integer, nullable=False, default=1),
    Column("bot_paused", Boolean, nullable=False, default=False),
)
# One unresolved case per conversation: the database enforces the idempotency of POST.
Index(
    "handoff_cases_one_active_per_conversation", cases.c.conversation_id, unique=True,
    sqlite_where=text("status <> 'resolved'"), postgresql_where=text("status <> 'resolved'"),
)
# The queue's order: the list walks this index and stops at its LIMIT instead of sorting.
Index("handoff_cases_queue_order", cases.c.priority_rank, cases.c.deadline_sort, cases.c.waiting_since, cases.c.id)
Index("handoff_cases_by_status", cases.c.status, cases.c.snoozed_until)
Index("handoff_cases_by_conversation", cases.c.conversation_id)

messages = Table(
    "handoff_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("handoff_cases.id"), nullable=False, index=True),
    Column("message_type", String(16), nullable=False),  # incoming / outgoing / activity
    Column("private", Boolean, nullable=False, default=False),  # advisor note
    Column("content", Text, nullable=False),
    Column("sender_type", String(16), nullable=False),  # advisor / bot / system / contact
    Column("sender_id", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

audit = Table(
    "handoff_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("handoff_cases.id"), nullable=False, index=True),
    Column("actor_type", String(16), nullable=False),  # service / advisor / system
    Column("actor_id", Integer, nullable=True),
    Column("actor_name", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

webhook_deliveries = Table(
    "handoff_webhook_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_key", String(64), nullable=False, unique=True),  # sent as X-Handoff-Delivery
    Column("event", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("payload", Text, nullable=False),  # the exact JSON body that gets signed
    Column("status", String(16), nullable=False),  # pending / delivered / failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
)
Index("handoff_webhooks_due", webhook_deliveries.c.status, webhook_deliveries.c.next_attempt_at)

# What the taxpayer's side did, per conversation (POST /api/conversation-events): presence and
# SMS opt-out work before any case exists, so this is keyed by the conversation, not the case.
# `case_id` names the case the unread count and the last away answer belong to (a new case of
# the conversation starts again from zero). No foreign key: a case erased for privacy
# (bot/privacy/eraser.py) must not be held back by this row.
conversations = Table(
    "handoff_conversations", metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("channel", String(64), nullable=True),
    Column("online", Boolean, nullable=False, default=False),
    Column("presence_at", UTCDateTime, nullable=True),  # time of the presence event applied last
    Column("seen_at", UTCDateTime, nullable=True),  # last sign of the taxpayer: presence or a message
    Column("last_message_at", UTCDateTime, nullable=True),
    Column("opted_out_at", UTCDateTime, nullable=True),
    Column("opted_in_at", UTCDateTime, nullable=True),
    Column("case_id", Integer, nullable=True),
    Column("unread", Integer, nullable=False, default=0),
    Column("away_answered_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[advisors, cases, messages, audit, webhook_deliveries])


def _conversations_v2(conn: Connection) -> None:
    conversations.create(conn, checkfirst=True)


MIGRATIONS: List[Callable[[Connection], None]] = [_create_v1, _conversations_v2]
LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(schema_version.select()).scalar()
    return int(found or 0)


def migrate(engine: Engine) -> int:
    """Brings the schema to LATEST; returns the version found before."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once must not both migrate.
            conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
        before = current_version(conn)
        if before > LATEST:
            raise RuntimeError(f"the queue database is at schema {before}, newer than this code ({LATEST})")
        for version in range(before, LATEST):
            MIGRATIONS[version](conn)
        if before == 0:
            conn.execute(schema_version.insert().values(version=LATEST))
        elif before != LATEST:
            conn.execute(schema_version.update().values(version=LATEST))
    return before
