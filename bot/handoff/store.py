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
from bot.handoff import schema, webhooks
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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Store:
    def __init__(self, engine: Engine, sla: SlaPolicy, webhook_config: WebhookConfig = WebhookConfig(),
                 now: Callable[[], dt.datetime] = clock.utcnow, on_webhook: Optional[Callable[[], None]] = None):
        self.engine = engine
        self.sla = sla
        self.webhook_config = webhook_config
        self.now = now
        self.on_webhook = on_webhook  # called after a commit that queued webhooks

    def migrate(self) -> int:
        return schema.migrate(self.engine)

    # --- transactions ----------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        queued: List[int] = []
        with self.engine.connect().execution_options(**{WRITE: True}) as conn:
            with conn.begin():
                conn.info["webhooks_queued"] = queued
                yield conn
            conn.info.pop("webhooks_queued", None)
        if queued and self.on_webhook:
            self.on_webhook()

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
        return select(T.cases, T.advisors.c.name.label("assignee_name")).select_from(
            T.cases.outerjoin(T.advisors, T.cases.c.assignee_id == T.advisors.c.id))

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
            "sla_breached": breached,
            "sla": {"due": row["first_response_due"], "breached": breached, "state": state},
        }

    def list_cases(self, statuses: Sequence[str] = ACTIVE_STATUSES, assignee_id: Optional[int] = None,
                   unassigned: bool = False, limit: int = 50, offset: int = 0) -> Tuple[List[Dict[str, Any]], int]:
        """Cases in queue order: priority, soonest CDP deadline (none last), longest waiting."""
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise BadRequest(f"unknown status {', '.join(bad)} (one of {', '.join(STATUSES)})")
        self.wake_snoozed()
        condition = T.cases.c.status.in_(list(statuses))
        if assignee_id is not None:
            condition = and_(condition, T.cases.c.assignee_id == assignee_id)
        if unassigned:
            condition = and_(condition, T.cases.c.assignee_id.is_(None))
        query = (self._case_query().where(condition)
                 .order_by(T.cases.c.priority_rank, T.cases.c.cdp_deadline.asc().nullslast(),
                           T.cases.c.waiting_since, T.cases.c.id)
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

    def _webhook(self, conn: Connection, event: str, payload: Dict[str, Any]) -> None:
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
            return self._case(conn, case_id)

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
    return value.strip()


def _jsonable(value: Any) -> Any:
    """Dates inside free-form facts become ISO strings so every JSON column accepts them."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
