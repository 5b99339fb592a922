"""The client the action server uses to hand a case to the advisor queue.

    client = HandoffClient.from_env()          # once, at import of the escalation action
    result = client.submit(case)               # or: await client.submit_async(case)
    if result.delivered: ... result.case_id, result.promise ("within about 15 minutes")
    elif result.queued:  ... saved locally; it reaches the queue when the queue is back
    else:                ... result.rejected: the case is malformed (a bug); result.error says why

`submit` never raises for a queue problem and never loses the case: it retries, then writes
the case to the durable outbox (bot/handoff/outbox.py explains how the outbox is delivered).
The result says truthfully where the case is, so the bot can tell the taxpayer the truth.

Environment: HANDOFF_API_URL (default http://127.0.0.1:8080/api), SERVICE_TOKEN, STATE_DIR,
HANDOFF_CLIENT_ATTEMPTS (3), HANDOFF_CLIENT_TIMEOUT (seconds per try, 4),
HANDOFF_OUTBOX_INTERVAL (seconds between background retries, 5).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

import requests

from bot import clock
from bot.handoff.cases import InvalidCase, priority_for, validate_case
from bot.handoff.outbox import Outbox, SendOutcome
from bot.handoff.sla import due_text

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8080/api"
DELIVERED, QUEUED, REJECTED = "delivered", "queued", "rejected"


@dataclass(frozen=True)
class SubmitResult:
    state: str  # delivered / queued / rejected
    case_id: Optional[int] = None
    created: Optional[bool] = None  # False: the conversation's open case was updated
    status: Optional[str] = None
    priority: Optional[str] = None
    first_response_due: Optional[dt.datetime] = None
    promise: Optional[str] = None  # only when delivered: "within about 15 minutes", "by 1 pm ET tomorrow"
    error: Optional[str] = None  # why it was not delivered

    @property
    def delivered(self) -> bool:
        return self.state == DELIVERED

    @property
    def queued(self) -> bool:
        return self.state == QUEUED

    @property
    def rejected(self) -> bool:
        return self.state == REJECTED


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent to the queue")


class HandoffClient:
    # One background flusher per outbox per process, however many clients are created
    # (the escalation action may build one per call).
    _flusher_lock = threading.Lock()
    _flushers: Dict[str, threading.Thread] = {}

    def __init__(self, api_url: str, service_token: str, outbox: Outbox, attempts: int = 3,
                 timeout: float = 4.0, outbox_interval: float = 5.0, backoff: float = 0.3,
                 background_flush: bool = True):
        self.api_url = api_url.rstrip("/")
        self.service_token = service_token
        self.outbox = outbox
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.outbox_interval = outbox_interval
        self.backoff = backoff
        self.background_flush = background_flush  # False: only later submits and the CLI deliver
        self._session = requests.Session()
        self._send_lock = threading.Lock()  # one submit/flush at a time keeps the order

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, start_flusher: bool = True) -> "HandoffClient":
        env = os.environ if env is None else env
        client = cls(
            api_url=env.get("HANDOFF_API_URL") or DEFAULT_API_URL,
            service_token=env.get("SERVICE_TOKEN") or "",
            outbox=Outbox.from_env(env),
            attempts=int(env.get("HANDOFF_CLIENT_ATTEMPTS") or 3),
            timeout=float(env.get("HANDOFF_CLIENT_TIMEOUT") or 4.0),
            outbox_interval=float(env.get("HANDOFF_OUTBOX_INTERVAL") or 5.0),
        )
        if start_flusher and client.outbox.pending():
            client.start_flusher()  # a previous process left cases behind
        return client

    # --- one HTTP call ---------------------------------------------------------------------------
    def send_once(self, case: Dict[str, Any]) -> SendOutcome:
        try:
            response = self._session.post(
                f"{self.api_url}/handoffs", data=json.dumps(case).encode(), timeout=(min(2.0, self.timeout), self.timeout),
                headers={"Authorization": f"Bearer {self.service_token}", "Content-Type": "application/json"})
        except requests.RequestException as error:
            return SendOutcome("failed", error=f"the queue is unreachable ({type(error).__name__})")
        if response.status_code in (200, 201):
            try:
                return SendOutcome(DELIVERED, body=response.json())
            except ValueError:
                return SendOutcome("failed", error="the queue answered something that is not JSON")
        message = _error_message(response)
        if response.status_code in (400, 413, 422):
            return SendOutcome(REJECTED, error=f"HTTP {response.status_code}: {message}")
        if response.status_code in (401, 403):
            logger.error("the queue refused SERVICE_TOKEN; the case waits in the outbox until it is fixed")
        return SendOutcome("failed", error=f"HTTP {response.status_code}: {message}")

    def _send_with_retries(self, case: Dict[str, Any]) -> SendOutcome:
        outcome = SendOutcome("failed", error="not tried")
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            outcome = self.send_once(case)
            if outcome.kind != "failed":
                return outcome
        return outcome

    # --- the API for the action server ----------------------------------------------------------
    def submit(self, case: Mapping[str, Any]) -> SubmitResult:
        try:
            body = json.loads(json.dumps(dict(case), default=_jsonable))
        except (TypeError, ValueError) as error:
            return self._rejected(dict(case), f"the case cannot be encoded as JSON: {error}", keep=False)
        # The wait starts now, even if the queue only gets the case later from the outbox.
        body.setdefault("escalated_at", clock.utcnow().isoformat())
        try:
            validated = validate_case(body)
        except InvalidCase as error:
            return self._rejected(body, str(error))
        priority = validated.priority
        with self._send_lock:
            earlier = self.outbox.flush(self.send_once) if self.outbox.pending() else None
            if earlier is not None and earlier.remaining:
                # Older escalations still wait: this one queues behind them, in order.
                self.outbox.put(body, earlier.error or "earlier cases are still waiting")
                self.start_flusher()
                return SubmitResult(QUEUED, priority=priority, error=earlier.error)
            outcome = self._send_with_retries(body)
            if outcome.kind == DELIVERED:
                return self._delivered(outcome.body, priority)
            if outcome.kind == REJECTED:
                return self._rejected(body, outcome.error)
            self.outbox.put(body, outcome.error or "unknown error")
        logger.warning("handoff queue unavailable (%s); case of %s kept in the outbox", outcome.error,
                       body.get("conversation_id"))
        self.start_flusher()
        return SubmitResult(QUEUED, priority=priority, error=outcome.error)

    async def submit_async(self, case: Mapping[str, Any]) -> SubmitResult:
        """`submit` in a worker thread, for rasa_sdk's event loop."""
        return await asyncio.to_thread(self.submit, case)

    def flush(self):
        with self._send_lock:
            return self.outbox.flush(self.send_once)

    def _delivered(self, body: Dict[str, Any], priority: str) -> SubmitResult:
        due = body.get("first_response_due")
        due_at = dt.datetime.fromisoformat(due) if isinstance(due, str) else None
        promise = body.get("promise")
        if promise is None and due_at is not None:
            promise = due_text(due_at, clock.utcnow(), body.get("priority") or priority)
        return SubmitResult(DELIVERED, case_id=body.get("id"), created=body.get("created"),
                            status=body.get("status"), priority=body.get("priority") or priority,
                            first_response_due=due_at, promise=promise)

    def _rejected(self, body: Dict[str, Any], error: str, keep: bool = True) -> SubmitResult:
        logger.error("handoff case rejected: %s", error)
        if keep:
            self.outbox.reject(body, error)  # kept for a person: never silently dropped
        priority = None
        try:
            priority = priority_for(body.get("reason"), (body.get("risk") or {}).get("level"))
        except (ValueError, AttributeError, TypeError):
            pass
        return SubmitResult(REJECTED, priority=priority, error=error)

    # --- background delivery -----------------------------------------------------------------------
    def start_flusher(self) -> None:
        """Retries the outbox in a daemon thread until it is empty (no thread while it is empty)."""
        if not self.background_flush:
            return
        key = str(self.outbox.root.resolve())
        with self._flusher_lock:
            running = self._flushers.get(key)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(target=self._flush_loop, name="handoff-outbox", daemon=True)
            self._flushers[key] = thread
            thread.start()

    def _flush_loop(self) -> None:
        while True:
            time.sleep(self.outbox_interval)
            try:
                report = self.flush()
            except Exception:  # a disk or network surprise must not kill delivery for good
                logger.exception("outbox flush failed; retrying")
                continue
            if report.delivered:
                logger.info("delivered %d case(s) from the outbox", report.delivered)
            if report.remaining == 0:
                with self._flusher_lock:
                    if not self.outbox.pending():
                        self._flushers.pop(str(self.outbox.root.resolve()), None)
                        return


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return body["error"]
    except ValueError:
        pass
    return response.text[:200]
