"""The queue's storage: cases, messages, the audit trail, advisors and webhook deliveries.

Every public method that changes something runs in ONE transaction that also writes the
audit row, the activity message and the webhook rows for that change: an error leaves
nothing half-written. Claiming is a single conditional UPDATE (`... WHERE assignee_id IS
NULL AND status = 'pending'`), so of any number of simultaneous claims exactly one wins, on
SQLite (writers serialised by BEGIN IMMEDIATE) and on PostgreSQL (row lock, WHERE re-checked).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot import clock
from bot.handoff import live, schema, webhooks
from bot.handoff.cases import (
    ACTIVE_STATUSES, ACTIVITY, OPEN, OUTGOING, PENDING, PRIORITY_RANK, RESOLVED, SNOOZED, STATUSES,
    NewCase, higher_priority,
)
from bot.handoff.db import WRITE
from bot.handoff.sla import SlaPolicy
from bot.handoff.webhooks import WebhookConfig

T = schema
MAX_SNOOZE = dt.timedelta(days=30)
# An escalation replayed from the client's outbox keeps its original time, within reason.
MAX_ESCALATION_AGE = dt.timedelta(days=30)


class QueueError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(QueueError):
    status = 400


class NotFound(QueueError):
    status = 404


class Conflict(QueueError):
    status = 409


@dataclass(frozen=True)
class Actor:
    type: str  # advisor / service / system
    id: Optional[int]
    name: str


SERVICE = Actor("service", None, "assistant")
SYSTEM = Actor("system", None, "queue")
TAXPAYER = Actor("contact", None, "taxpayer")  # what the taxpayer did on their side (SMS STOP)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Store:
    def __init__(self, engine: Engine, sla: SlaPolicy, webhook_config: WebhookConfig = WebhookConfig(),
                 now: Callable[[], dt.datetime] = clock.utcnow, on_webhook: Optional[Callable[[], None]] = None,
                 on_live: Optional[Callable[[List[live.Event]], None]] = None):
        self.engine = engine
        self.sla = sla
        self.webhook_config = webhook_config
        self.now = now
        self.on_webhook = on_webhook  # called after a commit that queued webhooks
        self.on_live = on_live  # called after a commit with its events for open dashboards (live.py)

    def migrate(self) -> int:
        return schema.migrate(self.engine)

    # --- transactions ----------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        queued: List[int] = []
        pushed: List[live.Event] = []
        with self.engine.connect().execution_options(**{WRITE: True}) as conn:
            try:
                with conn.begin():
                    conn.info["webhooks_queued"] = queued
                    conn.info["live_events"] = pushed
                    yield conn
            finally:
                conn.info.pop("webhooks_queued", None)
                conn.info.pop("live_events", None)
        if queued and self.on_webhook:
            self.on_webhook()
        if pushed and self.on_live:
            self.on_live(_unique(pushed))

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def ping(self) -> None:
        with self._read() as conn:
            conn.execute(select(1))

    # --- advisors ---------------------------------------------------------------------------------
    def add_advisor(self, name: str, token: str, source: str = "cli") -> Dict[str, Any]:
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise BadRequest("an advisor needs a name of 1 to 200 characters")
        with self._write() as conn:
            result = conn.execute(T.advisors.insert().values(
                name=name, token_hash=hash_token(token), source=source, active=True, created_at=self.now()))
            return self._advisor(conn, result.inserted_primary_key[0])

    def ensure_env_advisor(self, token: str, name: str = "Dev Advisor") -> Dict[str, Any]:
        """The development advisor of ADVISOR_TOKEN: created once, its hash updated if .env changed."""
        digest = hash_token(token)
        with self._write() as conn:
            found = conn.execute(select(T.advisors).where(T.advisors.c.token_hash == digest)).mappings().first()
            if found:
                if not found["active"]:
                    conn.execute(T.advisors.update().where(T.advisors.c.id == found["id"]).values(active=True))
                return self._advisor(conn, found["id"])
            env_row = conn.execute(select(T.advisors).where(T.advisors.c.source == "env")
                                   .order_by(T.advisors.c.id)).mappings().first()
            if env_row:
                conn.execute(T.advisors.update().where(T.advisors.c.id == env_row["id"])
                             .values(token_hash=digest, active=True))
                return self._advisor(conn, env_row["id"])
            result = conn.execute(T.advisors.insert().values(
                name=name, token_hash=digest, source="env", active=True, created_at=self.now()))
            return self._advisor(conn, result.inserted_primary_key[0])

    def advisor_for_token(self, token: str) -> Optional[Dict[str, Any]]:
        with self._read() as conn:
            row = conn.execute(select(T.advisors.c.id, T.advisors.c.name).where(
                and_(T.advisors.c.token_hash == hash_token(token), T.advisors.c.active.is_(True)))).mappings().first()
            return dict(row) if row else None

    def list_advisors(self, include_inactive: bool = False) -> List[Dict[str, Any]]:
        query = select(T.advisors.c.id, T.advisors.c.name, T.advisors.c.active, T.advisors.c.source).order_by(T.advisors.c.id)
        if not include_inactive:
            query = query.where(T.advisors.c.active.is_(True))
        with self._read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def set_advisor_active(self, advisor_id: int, active: bool) -> Dict[str, Any]:
        with self._write() as conn:
            done = conn.execute(T.advisors.update().where(T.advisors.c.id == advisor_id).values(active=active))
            if done.rowcount != 1:
                raise NotFound(f"no advisor {advisor_id}")
            return self._advisor(conn, advisor_id)

    def _advisor(self, conn: Connection, advisor_id: int) -> Dict[str, Any]:
        row = conn.execute(select(T.advisors.c.id, T.advisors.c.name, T.advisors.c.active)
                           .where(T.advisors.c.id == advisor_id)).mappings().first()
        if not row:
            raise NotFound(f"no advisor {advisor_id}")
        return dict(row)

    # --- cases: reading ----------------------------------------------------------------------------
    def _case_query(self):
        talk = T.conversations.c
        return select(
            T.cases, T.advisors.c.name.label("assignee_name"),
            talk.online.label("tp_online"), talk.seen_at.label("tp_seen_at"),
            talk.last_message_at.label("tp_last_message_at"), talk.opted_out_at.label("tp_opted_out_at"),
            talk.opted_in_at.label("tp_opted_in_at"), talk.case_id.label("tp_case_id"), talk.unread.label("tp_unread"),
        ).select_from(
            T.cases.outerjoin(T.advisors, T.cases.c.assignee_id == T.advisors.c.id)
            .outerjoin(T.conversations, T.conversations.c.conversation_id == T.cases.c.conversation_id))

    def _case(self, conn: Connection, case_id: int, lock: bool = False) -> Dict[str, Any]:
        query = self._case_query().where(T.cases.c.id == case_id)
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update(of=T.cases)
        row = conn.execute(query).mappings().first()
        if not row:
            raise NotFound(f"no case {case_id}")
        return self._case_out(row)

    def _case_out(self, row) -> Dict[str, Any]:
        now = self.now()
        stopped = row["first_reply_created_at"] or row["resolved_at"]
        breached = (stopped or now) > row["first_response_due"]
        if stopped:
            state = "breached" if breached else "met"
        else:
            state = "breached" if breached else "running"
        deadline_days_left = (row["cdp_deadline"] - clock.today()).days if row["cdp_deadline"] else None
        return {
            "id": row["id"],
            "conversation_id": row["conversation_id"],
            "channel": row["channel"],
            "reason": row["reason"],
            "status": row["status"],
            "priority": row["priority"],
            "assignee": {"id": row["assignee_id"], "name": row["assignee_name"]} if row["assignee_id"] else None,
            "contact": {
                "name": row["contact_name"], "method": row["contact_method"], "phone": row["contact_phone"],
                "email": row["contact_email"], "best_time": row["contact_best_time"], "consent": row["contact_consent"],
            },
            "notice_code": row["notice_code"],
            "notice_date": row["notice_date"],
            "cdp_deadline": row["cdp_deadline"],
            "days_left": row["days_left"],
            "deadline_days_left": deadline_days_left,
            "risk": {
                "level": row["risk_level"], "score": row["risk_score"], "escalate": row["risk_escalate"],
                "factors": row["risk_factors"], "unknown": row["risk_unknown"],
            },
            "facts": row["facts"],
            "summary": row["summary"],
            "waiting_since": row["waiting_since"],
            "first_response_due": row["first_response_due"],
            "first_reply_created_at": row["first_reply_created_at"],
            "snoozed_until": row["snoozed_until"],
            "resolved_at": row["resolved_at"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "escalations": row["escalations"],
            "bot_paused": row["bot_paused"],
            "taxpayer": {
                "online": bool(row["tp_online"]),
                "seen_at": row["tp_seen_at"],
                "last_message_at": row["tp_last_message_at"],
                "opted_out_at": row["tp_opted_out_at"],
                "opted_in_at": row["tp_opted_in_at"],
                # The count belongs to one case: a new case of the conversation starts from zero.
                "unread": int(row["tp_unread"] or 0) if row["tp_case_id"] == row["id"] else 0,
            },
            "sla_breached": breached,
            "sla": {"due": row["first_response_due"], "breached": breached, "state": state},
        }

    def list_cases(self, statuses: Sequence[str] = ACTIVE_STATUSES, assignee_id: Optional[int] = None,
                   unassigned: bool = False, limit: int = 50, offset: int = 0,
                   filters: Optional[CaseFilter] = None) -> Tuple[List[Dict[str, Any]], int]:
        """Cases in queue order: priority, soonest CDP deadline (none last), longest waiting."""
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise BadRequest(f"unknown status {', '.join(bad)} (one of {', '.join(STATUSES)})")
        self.wake_snoozed()
        condition = T.cases.c.status.in_(list(statuses))
        # The list should walk the queue-order index and stop at LIMIT rather than sort every
        # active case (0.3 ms instead of ~12 ms for 10,000 cases). PostgreSQL's planner finds
        # that from its statistics; SQLite's has none and picks the status index, so there the
        # column is wrapped to keep that index out of reach (bench/queue_bench.py).
        if self.engine.dialect.name == "sqlite":
            walk = func.coalesce(T.cases.c.status, "").in_(list(statuses))
        else:
            walk = condition
        if assignee_id is not None:
            condition = and_(condition, T.cases.c.assignee_id == assignee_id)
            walk = and_(walk, T.cases.c.assignee_id == assignee_id)
        if unassigned:
            condition = and_(condition, T.cases.c.assignee_id.is_(None))
            walk = and_(walk, T.cases.c.assignee_id.is_(None))
        for extra in (filters or CaseFilter()).conditions():
            condition, walk = and_(condition, extra), and_(walk, extra)
        query = (self._case_query().where(walk)
                 .order_by(T.cases.c.priority_rank, T.cases.c.deadline_sort, T.cases.c.waiting_since, T.cases.c.id)
                 .limit(limit).offset(offset))
        with self._read() as conn:
            rows = [self._case_out(row) for row in conn.execute(query).mappings()]
            total = conn.execute(select(func.count()).select_from(T.cases).where(condition)).scalar()
        return rows, int(total)

    def get_case(self, case_id: int) -> Dict[str, Any]:
        self.wake_snoozed()
        with self._read() as conn:
            case = self._case(conn, case_id)
            case["messages"] = self._messages(conn, case_id)
            case["audit"] = [dict(row) for row in conn.execute(
                select(T.audit.c.id, T.audit.c.actor_type, T.audit.c.actor_id, T.audit.c.actor_name,
                       T.audit.c.action, T.audit.c.detail, T.audit.c.created_at)
                .where(T.audit.c.case_id == case_id).order_by(T.audit.c.id)).mappings()]
        return case

    def _messages(self, conn: Connection, case_id: int) -> List[Dict[str, Any]]:
        query = (select(T.messages, T.advisors.c.name.label("sender_name"))
                 .select_from(T.messages.outerjoin(T.advisors, and_(T.messages.c.sender_type == "advisor",
                                                                    T.messages.c.sender_id == T.advisors.c.id)))
                 .where(T.messages.c.case_id == case_id).order_by(T.messages.c.id))
        return [self._message_out(row) for row in conn.execute(query).mappings()]

    @staticmethod
    def _message_out(row) -> Dict[str, Any]:
        sender = None
        if row["sender_type"] == "advisor":
            sender = {"id": row["sender_id"], "name": row["sender_name"], "type": "advisor"}
        else:
            sender = {"id": None, "name": row["sender_type"], "type": row["sender_type"]}
        return {
            "id": row["id"], "message_type": row["message_type"], "private": row["private"],
            "content": row["content"], "sender": sender, "created_at": row["created_at"],
        }

    def find_active_case(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        with self._read() as conn:
            row = conn.execute(self._case_query().where(and_(
                T.cases.c.conversation_id == conversation_id, T.cases.c.status != RESOLVED))).mappings().first()
            return self._case_out(row) if row else None

    # --- cases: writing helpers ---------------------------------------------------------------------
    def _audit(self, conn: Connection, case_id: int, actor: Actor, action: str, detail: Dict[str, Any]) -> None:
        conn.execute(T.audit.insert().values(case_id=case_id, actor_type=actor.type, actor_id=actor.id,
                                             actor_name=actor.name, action=action, detail=_jsonable(detail),
                                             created_at=self.now()))

    def _message(self, conn: Connection, case_id: int, message_type: str, content: str, actor: Actor,
                 private: bool = False) -> Dict[str, Any]:
        result = conn.execute(T.messages.insert().values(
            case_id=case_id, message_type=message_type, private=private, content=content,
            sender_type=actor.type if actor.type == "advisor" else ("bot" if actor.type == "service" else "system"),
            sender_id=actor.id, created_at=self.now()))
        message_id = result.inserted_primary_key[0]
        row = conn.execute(select(T.messages, T.advisors.c.name.label("sender_name"))
                           .select_from(T.messages.outerjoin(T.advisors, T.messages.c.sender_id == T.advisors.c.id))
                           .where(T.messages.c.id == message_id)).mappings().first()
        return self._message_out(row)

    def _push(self, conn: Connection, event: str, data: Dict[str, Any]) -> None:
        """An event for open dashboards, sent once this transaction commits (live.py)."""
        pushed = conn.info.get("live_events")
        if pushed is not None:
            pushed.append((event, data))

    def _push_case(self, conn: Connection, case: Dict[str, Any]) -> None:
        self._push(conn, live.CASE_UPDATED, {"case_id": case["id"], "priority": case["priority"], "status": case["status"],
                                             "assignee_id": (case["assignee"] or {}).get("id")})

    def _webhook(self, conn: Connection, event: str, payload: Dict[str, Any]) -> None:
        # Every change that a webhook reports is one open dashboards should hear of too.
        conversation = payload.get("conversation") if event == webhooks.MESSAGE_CREATED else payload
        if event == webhooks.CONVERSATION_CREATED:
            self._push(conn, live.CASE_CREATED, {"case_id": payload["id"], "priority": payload["priority"],
                                                 "status": payload["status"], "name": payload["meta"]["sender"]["name"]})
        elif conversation:
            self._push(conn, live.CASE_UPDATED, {"case_id": conversation["id"], "priority": conversation["priority"],
                                                 "status": conversation["status"],
                                                 "assignee_id": (conversation["meta"]["assignee"] or {}).get("id")})
        if not self.webhook_config.urls:
            return
        body = webhooks.encode(payload)
        now = self.now()
        for url in self.webhook_config.urls:
            conn.execute(T.webhook_deliveries.insert().values(
                delivery_key=uuid.uuid4().hex, event=event, url=url, payload=body, status="pending",
                attempts=0, next_attempt_at=now, created_at=now))
        conn.info["webhooks_queued"].append(1)

    def _status_changed(self, conn: Connection, before: Dict[str, Any], case_id: int) -> Dict[str, Any]:
        after = self._case(conn, case_id)
        changed = {name: (before[name], after[name]) for name in ("status", "snoozed_until") if before[name] != after[name]}
        if before["assignee"] != after["assignee"]:
            changed["assignee_id"] = ((before["assignee"] or {}).get("id"), (after["assignee"] or {}).get("id"))
        event = webhooks.CONVERSATION_STATUS_CHANGED if "status" in changed else webhooks.CONVERSATION_UPDATED
        self._webhook(conn, event, webhooks.conversation_payload(after, event, changed))
        return after

    # --- cases: escalation --------------------------------------------------------------------------
    def submit(self, new: NewCase, actor: Actor = SERVICE) -> Tuple[Dict[str, Any], bool]:
        """Creates the conversation's case, or updates its unresolved one. Returns (case, created)."""
        for attempt in range(3):
            try:
                with self._write() as conn:
                    existing = conn.execute(
                        select(T.cases.c.id).where(and_(T.cases.c.conversation_id == new.conversation_id,
                                                        T.cases.c.status != RESOLVED))).scalar()
                    if existing is not None:
                        return self._update_case(conn, existing, new, actor), False
                    return self._insert_case(conn, new, actor), True
            except IntegrityError:
                # A concurrent escalation of the same conversation inserted first (PostgreSQL);
                # the partial unique index stopped the duplicate; go round and update it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _content(self, new: NewCase) -> Dict[str, Any]:
        return {
            "channel": new.channel, "reason": new.reason,
            "contact_name": new.contact["name"], "contact_method": new.contact["method"],
            "contact_phone": new.contact["phone"], "contact_email": new.contact["email"],
            "contact_best_time": new.contact["best_time"], "contact_consent": new.contact["consent"],
            "notice_code": new.notice_code, "notice_date": new.notice_date, "cdp_deadline": new.cdp_deadline,
            "deadline_sort": new.cdp_deadline or schema.NO_DEADLINE,
            "days_left": new.days_left, "risk_level": new.risk["level"], "risk_score": new.risk["score"],
            "risk_escalate": new.risk["escalate"], "risk_factors": new.risk["factors"],
            "risk_unknown": new.risk["unknown"], "facts": _jsonable(new.facts), "summary": new.summary,
        }

    def _insert_case(self, conn: Connection, new: NewCase, actor: Actor) -> Dict[str, Any]:
        now = self.now()
        waiting_since = now
        if new.escalated_at and now - MAX_ESCALATION_AGE <= new.escalated_at <= now:
            waiting_since = new.escalated_at  # delivered late from the outbox: the wait started then
        priority = new.priority
        result = conn.execute(T.cases.insert().values(
            conversation_id=new.conversation_id, status=PENDING, priority=priority,
            priority_rank=PRIORITY_RANK[priority], assignee_id=None, waiting_since=waiting_since,
            created_at=now, updated_at=now, first_response_due=self.sla.first_response_due(priority, waiting_since),
            escalations=1, bot_paused=False, **self._content(new)))
        case_id = result.inserted_primary_key[0]
        self._audit(conn, case_id, actor, "created", {"priority": priority, "reason": new.reason,
                                                      "risk_level": new.risk["level"], "channel": new.channel})
        self._message(conn, case_id, ACTIVITY, f"Case opened by the assistant ({_reason_words(new.reason)}), "
                                               f"priority {priority}.", actor)
        case = self._case(conn, case_id)
        self._webhook(conn, webhooks.CONVERSATION_CREATED, webhooks.conversation_payload(case, webhooks.CONVERSATION_CREATED))
        return case

    def _update_case(self, conn: Connection, case_id: int, new: NewCase, actor: Actor) -> Dict[str, Any]:
        before = self._case(conn, case_id, lock=True)
        content = self._content(new)
        row = conn.execute(select(T.cases).where(T.cases.c.id == case_id)).mappings().first()
        changed = {key: (row[key], value) for key, value in content.items() if row[key] != value}
        values: Dict[str, Any] = dict(content, updated_at=self.now(), escalations=row["escalations"] + 1)
        # The priority never drops on its own: an advisor may already be acting on it.
        priority = higher_priority(row["priority"], new.priority)
        if priority != row["priority"]:
            values.update(priority=priority, priority_rank=PRIORITY_RANK[priority],
                          first_response_due=min(row["first_response_due"],
                                                 self.sla.first_response_due(priority, row["waiting_since"])))
            changed["priority"] = (row["priority"], priority)
        if row["status"] == SNOOZED:  # the taxpayer needs attention again
            values.update(status=OPEN, snoozed_until=None)
            changed["status"] = (SNOOZED, OPEN)
        conn.execute(T.cases.update().where(T.cases.c.id == case_id).values(**values))
        self._audit(conn, case_id, actor, "updated", {
            "escalation": values["escalations"],
            "changed": {key: ([str(old)[:200], str(new_value)[:200]] if key not in ("risk_factors", "facts", "risk_unknown")
                              else "changed") for key, (old, new_value) in changed.items()},
        })
        self._message(conn, case_id, ACTIVITY, f"The assistant escalated this conversation again "
                                               f"({_reason_words(new.reason)}); the case was updated.", actor)
        after = self._case(conn, case_id)
        event = webhooks.CONVERSATION_STATUS_CHANGED if before["status"] != after["status"] else webhooks.CONVERSATION_UPDATED
        shown = {k: v for k, v in changed.items() if k not in ("facts", "risk_factors", "summary")}
        self._webhook(conn, event, webhooks.conversation_payload(after, event, shown))
        return after

    # --- cases: advisor actions ---------------------------------------------------------------------
    def claim(self, case_id: int, advisor: Actor) -> Dict[str, Any]:
        with self._write() as conn:
            now = self.now()
            won = conn.execute(T.cases.update().where(and_(
                T.cases.c.id == case_id, T.cases.c.status == PENDING, T.cases.c.assignee_id.is_(None),
            )).values(status=OPEN, assignee_id=advisor.id, updated_at=now))
            if won.rowcount != 1:
                case = self._case(conn, case_id)  # NotFound if it does not exist
                raise Conflict(_why_not_claimable(case, advisor))
            self._audit(conn, case_id, advisor, "claimed", {"status": [PENDING, OPEN]})
            self._message(conn, case_id, ACTIVITY, f"{advisor.name} claimed the case.", advisor)
            before = {"status": PENDING, "snoozed_until": None, "assignee": None}
            return self._status_changed(conn, before, case_id)

    def add_note(self, case_id: int, advisor: Actor, content: str) -> Dict[str, Any]:
        content = _content_text(content, "note")
        with self._write() as conn:
            case = self._case(conn, case_id)
            message = self._message(conn, case_id, OUTGOING, content, advisor, private=True)
            conn.execute(T.cases.update().where(T.cases.c.id == case_id).values(updated_at=self.now()))
            self._audit(conn, case_id, advisor, "note_added", {"message_id": message["id"]})
            self._webhook(conn, webhooks.MESSAGE_CREATED, webhooks.message_payload(message, case))
            return message

    def check_can_reply(self, case_id: int, advisor: Actor) -> Dict[str, Any]:
        with self._read() as conn:
            case = self._case(conn, case_id)
        _require_holder(case, advisor, "reply")
        return case

    def record_reply(self, case_id: int, advisor: Actor, content: str) -> Dict[str, Any]:
        """Records a reply that has been delivered to the taxpayer (first reply stops the SLA clock)."""
        with self._write() as conn:
            before = self._case(conn, case_id, lock=True)
            message = self._message(conn, case_id, OUTGOING, content, advisor)
            values: Dict[str, Any] = {"updated_at": self.now()}
            if before["first_reply_created_at"] is None:
                values["first_reply_created_at"] = message["created_at"]
            if before["status"] == SNOOZED:  # replying wakes a snoozed case, as in Chatwoot
                values.update(status=OPEN, snoozed_until=None)
            conn.execute(T.cases.update().where(T.cases.c.id == case_id).values(**values))
            self._audit(conn, case_id, advisor, "replied", {"message_id": message["id"],
                                                            "first_reply": "first_reply_created_at" in values})
            if before["assignee"] and before["assignee"]["id"] == advisor.id:  # the holder answered: read
                conn.execute(T.conversations.update().where(T.conversations.c.case_id == case_id).values(unread=0))
            after = self._case(conn, case_id)
            self._webhook(conn, webhooks.MESSAGE_CREATED, webhooks.message_payload(message, after))
            if before["status"] != after["status"]:
                self._webhook(conn, webhooks.CONVERSATION_STATUS_CHANGED, webhooks.conversation_payload(
                    after, webhooks.CONVERSATION_STATUS_CHANGED, {"status": (before["status"], after["status"])}))
            return message

    def snooze(self, case_id: int, advisor: Actor, until: dt.datetime) -> Dict[str, Any]:
        now = self.now()
        if until <= now:
            raise BadRequest("snooze until must be in the future")
        if until - now > MAX_SNOOZE:
            raise BadRequest("a case can be snoozed for at most 30 days")
        with self._write() as conn:
            before = self._case(conn, case_id, lock=True)
            _require_holder(before, advisor, "snooze")
            done = conn.execute(T.cases.update().where(and_(
                T.cases.c.id == case_id, T.cases.c.assignee_id == advisor.id, T.cases.c.status.in_([OPEN, SNOOZED]),
            )).values(status=SNOOZED, snoozed_until=until, updated_at=now))
            if done.rowcount != 1:
                raise Conflict("the case changed meanwhile; reload it")
            self._audit(conn, case_id, advisor, "snoozed", {"until": until.isoformat()})
            self._message(conn, case_id, ACTIVITY, f"{advisor.name} snoozed the case until {until.isoformat()}.", advisor)
            return self._status_changed(conn, before, case_id)

    def reassign(self, case_id: int, advisor: Actor, to_advisor_id: int) -> Dict[str, Any]:
        with self._write() as conn:
            target = conn.execute(select(T.advisors.c.id, T.advisors.c.name, T.advisors.c.active)
                                  .where(T.advisors.c.id == to_advisor_id)).mappings().first()
            if not target or not target["active"]:
                raise BadRequest(f"no active advisor {to_advisor_id}")
            before = self._case(conn, case_id, lock=True)
            if before["status"] not in (OPEN, SNOOZED) or not before["assignee"]:
                raise Conflict("only a claimed case can be reassigned; claim it first")
            if before["assignee"]["id"] == to_advisor_id:
                raise Conflict(f"the case is already with {target['name']}")
            done = conn.execute(T.cases.update().where(and_(
                T.cases.c.id == case_id, T.cases.c.assignee_id == before["assignee"]["id"],
            )).values(assignee_id=to_advisor_id, updated_at=self.now()))
            if done.rowcount != 1:
                raise Conflict("the case changed meanwhile; reload it")
            self._audit(conn, case_id, advisor, "reassigned",
                        {"from": before["assignee"]["id"], "to": to_advisor_id})
            self._message(conn, case_id, ACTIVITY,
                          f"{advisor.name} reassigned the case from {before['assignee']['name']} to {target['name']}.", advisor)
            return self._status_changed(conn, before, case_id)

    def resolve(self, case_id: int, advisor: Actor, note: Optional[str] = None) -> Dict[str, Any]:
        note = _content_text(note, "note") if note not in (None, "") else None
        with self._write() as conn:
            before = self._case(conn, case_id, lock=True)
            if before["status"] == RESOLVED:
                raise Conflict("the case is already resolved")
            if before["assignee"] and before["assignee"]["id"] != advisor.id:
                raise Conflict(f"{before['assignee']['name']} holds this case; reassign it before resolving")
            now = self.now()
            done = conn.execute(T.cases.update().where(and_(
                T.cases.c.id == case_id, T.cases.c.status != RESOLVED,
                or_(T.cases.c.assignee_id.is_(None), T.cases.c.assignee_id == advisor.id),
            )).values(status=RESOLVED, resolved_at=now, snoozed_until=None, updated_at=now))
            if done.rowcount != 1:
                raise Conflict("the case changed meanwhile; reload it")
            if note:
                message = self._message(conn, case_id, OUTGOING, note, advisor, private=True)
                self._webhook(conn, webhooks.MESSAGE_CREATED, webhooks.message_payload(message, before))
            self._audit(conn, case_id, advisor, "resolved", {"status": [before["status"], RESOLVED]})
            self._message(conn, case_id, ACTIVITY, f"{advisor.name} resolved the case.", advisor)
            return self._status_changed(conn, before, case_id)

    def set_bot_paused(self, case_id: int, paused: bool, actor: Actor, note: str) -> Dict[str, Any]:
        with self._write() as conn:
            conn.execute(T.cases.update().where(T.cases.c.id == case_id).values(bot_paused=paused, updated_at=self.now()))
            self._audit(conn, case_id, actor, "bot_paused" if paused else "bot_resumed", {})
            self._message(conn, case_id, ACTIVITY, note, actor)
            case = self._case(conn, case_id)
            self._push_case(conn, case)
            return case

    # --- the taxpayer's side (POST /api/conversation-events) ------------------------------------------
    def _conversation(self, conn: Connection, conversation_id: str, channel: Optional[str]) -> Dict[str, Any]:
        """The conversation's state row, created when first heard of; locked for this transaction."""
        talk = T.conversations
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        conn.execute(insert(talk).values(conversation_id=conversation_id, channel=channel, online=False, unread=0,
                                         updated_at=self.now()).on_conflict_do_nothing())
        query = select(talk).where(talk.c.conversation_id == conversation_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return dict(conn.execute(query).mappings().first())

    def _set_conversation(self, conn: Connection, conversation_id: str, **values: Any) -> None:
        conn.execute(T.conversations.update().where(T.conversations.c.conversation_id == conversation_id)
                     .values(updated_at=self.now(), **values))

    def _active_case(self, conn: Connection, conversation_id: str) -> Optional[Dict[str, Any]]:
        case_id = conn.execute(select(T.cases.c.id).where(and_(
            T.cases.c.conversation_id == conversation_id, T.cases.c.status != RESOLVED))).scalar()
        return self._case(conn, case_id, lock=True) if case_id is not None else None

    def record_unanswered(self, conversation_id: str, channel: str, at: dt.datetime,
                          text: Optional[str]) -> Tuple[Optional[Dict[str, Any]], Optional[dt.datetime]]:
        """A message the assistant did not answer (the conversation is paused): the time, and one
        more unread for the conversation's unresolved case. Returns (the case or None, when the
        taxpayer was last given an away answer for that case)."""
        with self._write() as conn:
            state = self._conversation(conn, conversation_id, channel)
            case = self._active_case(conn, conversation_id)
            values: Dict[str, Any] = {"channel": channel, "seen_at": _later(state["seen_at"], at),
                                      "last_message_at": _later(state["last_message_at"], at)}
            away = None
            if case is not None:
                if state["case_id"] == case["id"]:
                    values["unread"] = state["unread"] + 1
                    away = state["away_answered_at"]
                else:  # the first word for this case: its own count, no away answer yet
                    values.update(case_id=case["id"], unread=1, away_answered_at=None)
            self._set_conversation(conn, conversation_id, **values)
            if case is None:
                return None, None
            case = self._case(conn, case["id"])
            self._push(conn, live.TAXPAYER_MESSAGE, {"case_id": case["id"], "assignee_id": (case["assignee"] or {}).get("id"),
                                                     "priority": case["priority"], "preview": live.preview(text)})
            return case, away

    def record_away_answer(self, conversation_id: str, case_id: int, at: dt.datetime) -> None:
        with self._write() as conn:
            conn.execute(T.conversations.update().where(and_(
                T.conversations.c.conversation_id == conversation_id, T.conversations.c.case_id == case_id,
            )).values(away_answered_at=at, updated_at=self.now()))

    def record_presence(self, conversation_id: str, channel: str, online: bool,
                        at: dt.datetime) -> Optional[Dict[str, Any]]:
        """A widget tab connected (online) or the last one closed (offline). Events arrive without
        order guarantees, so one older than the presence already applied changes nothing."""
        with self._write() as conn:
            state = self._conversation(conn, conversation_id, channel)
            case = self._active_case(conn, conversation_id)
            if state["presence_at"] is not None and at < state["presence_at"]:
                return case
            self._set_conversation(conn, conversation_id, channel=channel, online=online, presence_at=at,
                                   seen_at=_later(state["seen_at"], at))
            if case is None:
                return None
            if bool(state["online"]) != online:
                self._push(conn, live.PRESENCE, {"case_id": case["id"], "online": online})
            return self._case(conn, case["id"])

    def record_opt(self, conversation_id: str, channel: str, opted_out: bool, at: dt.datetime,
                   words: str) -> Optional[Dict[str, Any]]:
        """An SMS STOP (opted_out) or START, already in the SMS channel's own store. The unresolved
        case gets an audit row and the activity message `words`."""
        with self._write() as conn:
            state = self._conversation(conn, conversation_id, channel)
            column = "opted_out_at" if opted_out else "opted_in_at"
            self._set_conversation(conn, conversation_id, channel=channel, **{column: _later(state[column], at)},
                                   seen_at=_later(state["seen_at"], at))
            case = self._active_case(conn, conversation_id)
            if case is None:
                return None
            self._audit(conn, case["id"], TAXPAYER, "opted_out" if opted_out else "opted_in", {"at": at.isoformat()})
            self._message(conn, case["id"], ACTIVITY, words, TAXPAYER)
            conn.execute(T.cases.update().where(T.cases.c.id == case["id"]).values(updated_at=self.now()))
            case = self._case(conn, case["id"])
            self._push_case(conn, case)
            return case

    def mark_read(self, case_id: int, advisor_id: Optional[int]) -> None:
        """The holder looked at the case: its taxpayer messages are read."""
        with self._read() as conn:  # most views find nothing new: no write lock for them
            unread = conn.execute(select(T.conversations.c.unread).where(T.conversations.c.case_id == case_id)).scalar()
        if not unread:
            return
        with self._write() as conn:
            holder = conn.execute(select(T.cases.c.assignee_id).where(T.cases.c.id == case_id)).scalar()
            if holder is not None and holder == advisor_id:
                conn.execute(T.conversations.update().where(and_(
                    T.conversations.c.case_id == case_id, T.conversations.c.unread != 0)).values(unread=0))

    def check_holder(self, case_id: int, advisor: Actor, verb: str) -> Dict[str, Any]:
        with self._read() as conn:
            case = self._case(conn, case_id)
        _require_holder(case, advisor, verb)
        return case

    def set_held_live(self, case_id: int, advisor: Actor, paused: bool, note: Optional[str] = None) -> Dict[str, Any]:
        """Hand back (paused=False: the bot answers again, the case stays open and assigned) or
        rejoin (paused=True). One conditional UPDATE, so of two at once only one takes effect."""
        note = _content_text(note, "note") if note not in (None, "") else None
        with self._write() as conn:
            before = self._case(conn, case_id, lock=True)
            _require_holder(before, advisor, "hand back the conversation" if not paused else "rejoin")
            done = conn.execute(T.cases.update().where(and_(
                T.cases.c.id == case_id, T.cases.c.assignee_id == advisor.id, T.cases.c.status != RESOLVED,
                T.cases.c.bot_paused.is_(not paused),
            )).values(bot_paused=paused, updated_at=self.now()))
            if done.rowcount != 1:
                raise Conflict("you are already with the taxpayer" if paused else "the assistant is already answering")
            action = "rejoined" if paused else "handed_back"
            self._audit(conn, case_id, advisor, action, {"bot_paused": paused})
            if note:
                self._message(conn, case_id, OUTGOING, note, advisor, private=True)
            self._message(conn, case_id, ACTIVITY, f"{advisor.name} rejoined the conversation; the bot is paused."
                          if paused else f"{advisor.name} handed the conversation back to the assistant; the case "
                                         f"stays open and assigned.", advisor)
            case = self._case(conn, case_id)
            self._push_case(conn, case)
            return case

    def resolved_case_still_paused(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """The conversation's latest resolved case, if it left the conversation paused."""
        with self._read() as conn:
            row = conn.execute(self._case_query().where(and_(
                T.cases.c.conversation_id == conversation_id, T.cases.c.status == RESOLVED,
                T.cases.c.bot_paused.is_(True))).order_by(T.cases.c.resolved_at.desc()).limit(1)).mappings().first()
            return self._case_out(row) if row else None

    def cases_awaiting_resume(self, within: dt.timedelta = dt.timedelta(days=1)) -> List[Dict[str, Any]]:
        """Resolved cases whose conversation is still paused in Rasa (the resume failed)."""
        with self._read() as conn:
            rows = conn.execute(self._case_query().where(and_(
                T.cases.c.status == RESOLVED, T.cases.c.bot_paused.is_(True),
                T.cases.c.resolved_at >= self.now() - within)).order_by(T.cases.c.id)).mappings().all()
            return [self._case_out(row) for row in rows]

    def add_activity(self, case_id: int, content: str, actor: Actor = SYSTEM, action: Optional[str] = None,
                     detail: Optional[Dict[str, Any]] = None) -> None:
        with self._write() as conn:
            self._case(conn, case_id)
            self._message(conn, case_id, ACTIVITY, content, actor)
            if action:
                self._audit(conn, case_id, actor, action, detail or {})

    def wake_snoozed(self) -> int:
        """Snoozed cases whose time has come go back to open (with the same advisor)."""
        now = self.now()
        with self._read() as conn:
            due = conn.execute(select(T.cases.c.id).where(and_(
                T.cases.c.status == SNOOZED, T.cases.c.snoozed_until <= now))).scalars().all()
        woken = 0
        for case_id in due:
            with self._write() as conn:
                before = self._case(conn, case_id, lock=True)
                done = conn.execute(T.cases.update().where(and_(
                    T.cases.c.id == case_id, T.cases.c.status == SNOOZED, T.cases.c.snoozed_until <= now,
                )).values(status=OPEN, snoozed_until=None, updated_at=now))
                if done.rowcount == 1:
                    self._audit(conn, case_id, SYSTEM, "unsnoozed", {"snoozed_until": before["snoozed_until"].isoformat()})
                    self._message(conn, case_id, ACTIVITY, "The snooze ended; the case is open again.", SYSTEM)
                    self._status_changed(conn, before, case_id)
                    woken += 1
        return woken

    # --- webhook deliveries --------------------------------------------------------------------------
    def lease_webhook_deliveries(self, limit: int, lease_seconds: float) -> List[Dict[str, Any]]:
        """Due deliveries, each leased so a second sender (another process) skips it meanwhile."""
        now = self.now()
        leased = []
        with self._write() as conn:
            rows = conn.execute(select(T.webhook_deliveries).where(and_(
                T.webhook_deliveries.c.status == "pending", T.webhook_deliveries.c.next_attempt_at <= now,
                or_(T.webhook_deliveries.c.locked_until.is_(None), T.webhook_deliveries.c.locked_until < now),
            )).order_by(T.webhook_deliveries.c.id).limit(limit)).mappings().all()
            for row in rows:
                done = conn.execute(T.webhook_deliveries.update().where(and_(
                    T.webhook_deliveries.c.id == row["id"],
                    or_(T.webhook_deliveries.c.locked_until.is_(None), T.webhook_deliveries.c.locked_until < now),
                )).values(locked_until=now + dt.timedelta(seconds=lease_seconds)))
                if done.rowcount == 1:
                    leased.append(dict(row))
        return leased

    def finish_webhook_delivery(self, delivery_id: int, error: Optional[str], config: WebhookConfig) -> None:
        now = self.now()
        with self._write() as conn:
            row = conn.execute(select(T.webhook_deliveries).where(T.webhook_deliveries.c.id == delivery_id)).mappings().first()
            attempts = row["attempts"] + 1
            if error is None:
                values = {"status": "delivered", "delivered_at": now, "last_error": None}
            elif attempts >= config.max_attempts:
                values = {"status": "failed", "last_error": error}
            else:
                values = {"last_error": error,
                          "next_attempt_at": now + dt.timedelta(seconds=config.next_delay(attempts))}
            conn.execute(T.webhook_deliveries.update().where(T.webhook_deliveries.c.id == delivery_id)
                         .values(attempts=attempts, locked_until=None, **values))

    def webhook_deliveries(self) -> List[Dict[str, Any]]:
        with self._read() as conn:
            return [dict(row) for row in conn.execute(
                select(T.webhook_deliveries).order_by(T.webhook_deliveries.c.id)).mappings()]

    def next_webhook_due(self) -> Optional[dt.datetime]:
        with self._read() as conn:
            return conn.execute(select(func.min(T.webhook_deliveries.c.next_attempt_at))
                                .where(T.webhook_deliveries.c.status == "pending")).scalar()


# --- small rules ------------------------------------------------------------------------------------
# What a phone number may be written with; the search compares the digits only.
PHONE_PUNCTUATION = " ()-.+/"
MAX_QUERY = 200


@dataclass(frozen=True)
class CaseFilter:
    """The queue's filters (GET /api/handoffs and .csv): any of these priorities, channels, and a
    search of name, phone (digits compared, any formatting) and email, case-insensitive."""

    priorities: Tuple[str, ...] = ()
    channels: Tuple[str, ...] = ()
    query: str = ""

    def __post_init__(self) -> None:
        bad = [p for p in self.priorities if p not in PRIORITY_RANK]
        if bad:
            raise BadRequest(f"priority: unknown {', '.join(bad)} (one of {', '.join(PRIORITY_RANK)})")
        if any(not c or len(c) > 64 for c in self.channels):
            raise BadRequest("channel must be a comma list of channel names (at most 64 characters each)")
        for channel in self.channels:
            check_text(channel, "channel")
        if len(self.query) > MAX_QUERY:
            raise BadRequest(f"q is longer than {MAX_QUERY} characters")
        check_text(self.query, "q")

    def conditions(self) -> List[Any]:
        found: List[Any] = []
        if self.priorities:
            found.append(T.cases.c.priority.in_(list(self.priorities)))
        if self.channels:
            found.append(T.cases.c.channel.in_(list(self.channels)))
        words = self.query.strip().lower()
        if words:
            pattern = "%" + _like_escaped(words) + "%"
            matches = [func.lower(T.cases.c.contact_name).like(pattern, escape="\\"),
                       func.lower(T.cases.c.contact_email).like(pattern, escape="\\")]
            digits = "".join(ch for ch in words if ch.isdigit())
            if digits and all(ch.isdigit() or ch in PHONE_PUNCTUATION for ch in words):
                phone = T.cases.c.contact_phone
                for ch in PHONE_PUNCTUATION:
                    phone = func.replace(phone, ch, "")
                matches.append(phone.like(f"%{digits}%"))
            found.append(or_(*matches))
        return found


def _later(old: Optional[dt.datetime], new: dt.datetime) -> dt.datetime:
    return new if old is None or new > old else old


def _like_escaped(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_text(value: str, what: str) -> str:
    """Text that both databases can store: no NUL, no unpaired surrogate (JSON can carry both)."""
    if "\x00" in value:
        raise BadRequest(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{what} contains an unpaired surrogate (not valid Unicode text)") from None
    return value


def _unique(events: List[live.Event]) -> List[live.Event]:
    """One of each event per transaction (a reply that also wakes a case writes two webhooks)."""
    seen, out = set(), []
    for event in events:
        key = (event[0], tuple(sorted((k, repr(v)) for k, v in event[1].items())))
        if key not in seen:
            seen.add(key)
            out.append(event)
    return out


def _reason_words(reason: str) -> str:
    return {"risk": "high levy risk", "user_requested": "the taxpayer asked for a person",
            "fallback": "the assistant could not understand twice"}.get(reason, reason)


def _why_not_claimable(case: Dict[str, Any], advisor: Actor) -> str:
    if case["status"] == RESOLVED:
        return "the case is resolved"
    holder = case["assignee"]
    if holder and holder["id"] == advisor.id:
        return "you already hold this case"
    if holder:
        return f"{holder['name']} already claimed this case"
    return f"the case is {case['status']} and cannot be claimed"


def _require_holder(case: Dict[str, Any], advisor: Actor, verb: str) -> None:
    if case["status"] == RESOLVED:
        raise Conflict(f"the case is resolved; you cannot {verb}")
    holder = case["assignee"]
    if not holder:
        raise Conflict(f"claim the case before you {verb}")
    if holder["id"] != advisor.id:
        raise Conflict(f"{holder['name']} holds this case; only they can {verb}")


def _content_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"the {what} must be a non-empty string")
    if len(value) > 5_000:
        raise BadRequest(f"the {what} is longer than 5000 characters")
    return check_text(value.strip(), f"the {what}")


def _jsonable(value: Any) -> Any:
    """Dates inside free-form facts become ISO strings so every JSON column accepts them."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
