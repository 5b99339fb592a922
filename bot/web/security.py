"""The web service's security additions (issue 7): failed sign-ins, deletions, retention.

- SignInLimiter: a client IP that presents too many wrong tokens (advisor or service) gets 429
  for a while, valid token or not, so tokens cannot be guessed online. SIGNIN_FAILURES (default
  "30/10min": 30 failures, one more allowed every 20 s). The IP is Sanic's view of the client
  (behind a proxy set SANIC_PROXIES_COUNT / SANIC_REAL_IP_HEADER so it is the real one).
- The deletion API (docs/security.md):
  `POST /api/privacy/deletions` {"conversation_id": "..."} or {"case_id": 12}
    * advisor token: erases now, answers 200 with what went (any active advisor may: advisors
      already read every case, and the record names who asked);
    * service token (the action server, when a taxpayer confirms "delete my data" in the
      chat): answers 202 and erases once the chat turn that asked is over, and only if Rasa's
      tracker shows the taxpayer's confirmation (bot/privacy/eraser.py, verify_request);
  `GET /api/privacy/deletions[?conversation_id=...]` (advisor): the deletion record.
- The retention purge, every PRIVACY_PURGE_INTERVAL_HOURS (bot/privacy/retention.py).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from sanic import Sanic
from sanic.request import Request

from bot.channels.ratelimit import Rate, TokenBuckets, rate_from_env
from bot.handoff.store import Actor, BadRequest, NotFound, QueueError
from bot.privacy import records
from bot.privacy.eraser import Eraser, NotRequested
from bot.privacy.retention import purge
from bot.privacy.settings import PrivacySettings

logger = logging.getLogger(__name__)

DEFAULT_SIGNIN_FAILURES = "30/10min"
# A chat deletion waits for Rasa to finish the turn that asked; if Rasa is slow, try again.
CHAT_DELETION_ATTEMPTS = 3
CHAT_DELETION_RETRY_SECONDS = 5.0


class TooManySignIns(QueueError):
    status = 429

    def __init__(self, retry_after: float):
        super().__init__(f"too many failed sign-ins from your address; try again in {int(retry_after + 0.999)} s")
        self.retry_after = retry_after


def client_ip(request: Request) -> str:
    try:
        return request.remote_addr or request.ip or "unknown"
    except Exception:
        return "unknown"


class SignInLimiter:
    def __init__(self, rate: Optional[Rate]):
        self.buckets = TokenBuckets(rate) if rate else None

    @classmethod
    def from_env(cls, env=None) -> "SignInLimiter":
        env = os.environ if env is None else env
        return cls(rate_from_env(env, ["SIGNIN_FAILURES"], DEFAULT_SIGNIN_FAILURES))

    def check(self, ip: str) -> None:
        """Raises TooManySignIns while `ip` has no failures left."""
        if self.buckets is not None:
            wait = self.buckets.blocked_for(ip)
            if wait:
                raise TooManySignIns(wait)

    def failed(self, ip: str) -> None:
        if self.buckets is not None:
            self.buckets.take(ip)
            logger.info("failed sign-in from %s", ip)


def add_privacy_routes(
    app: Sanic,
    run: Callable[..., Awaitable[Any]],
    advisor_of: Callable[[Request], Awaitable[Actor]],
    is_service: Callable[[Request], bool],
    body_of: Callable[[Request], Dict[str, Any]],
    json_response: Callable[..., Any],
    eraser_factory: Callable[[], Eraser],
) -> None:
    """Registers the deletion API and the periodic purge on the web service."""
    settings = PrivacySettings.from_env()
    tasks: Set[asyncio.Task] = set()

    def eraser() -> Eraser:
        if getattr(app.ctx, "eraser", None) is None:
            app.ctx.eraser = eraser_factory()
        return app.ctx.eraser

    async def erase_for_chat(conversation_id: str) -> None:
        for attempt in range(1, CHAT_DELETION_ATTEMPTS + 1):
            try:
                await run(eraser().erase, conversation_id, records.TAXPAYER, None, True)
                return
            except NotRequested as refusal:
                if not refusal.retryable or attempt == CHAT_DELETION_ATTEMPTS:
                    logger.warning("chat deletion not done: %s", refusal)
                    return
            except Exception:
                logger.exception("chat deletion failed")
                return
            await asyncio.sleep(CHAT_DELETION_RETRY_SECONDS)

    @app.post("/api/privacy/deletions")
    async def delete_conversation(request: Request):
        if is_service(request):
            body = body_of(request)
            conversation_id = _conversation_id(body.get("conversation_id"))
            task = asyncio.get_running_loop().create_task(erase_for_chat(conversation_id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            return json_response({"status": "scheduled"}, 202)
        advisor = await advisor_of(request)
        body = body_of(request)
        if "case_id" in body:
            conversation_id = await run(_case_conversation, app.ctx.store, body.get("case_id"))
        else:
            conversation_id = _conversation_id(body.get("conversation_id"))
        report = await run(eraser().erase, conversation_id, records.ADVISOR, advisor.name)
        return json_response({"deleted": report.as_dict()}, 200)

    @app.get("/api/privacy/deletions")
    async def list_deletions(request: Request):
        await advisor_of(request)
        wanted = request.args.get("conversation_id")
        conversation_hash = eraser().hash(wanted) if wanted else None
        rows = await run(records.listing, app.ctx.store.engine, conversation_hash, 200)
        return json_response({"deletions": rows})

    async def purge_now() -> None:
        report = await run(purge, eraser(), settings.retention_days)
        if report.conversations:
            logger.info("retention purge erased %d conversations", report.conversations)

    async def purge_loop() -> None:
        interval = settings.purge_interval_hours * 3600.0
        while True:
            await asyncio.sleep(interval)
            try:
                await purge_now()
            except asyncio.CancelledError:
                raise
            except Exception:  # the databases may come back; never let the loop die
                logger.exception("retention purge failed; it runs again in %g h", settings.purge_interval_hours)

    @app.after_server_start
    async def start_purge(app_, loop):
        app.ctx.privacy_tasks = tasks
        if settings.retention_days is not None and settings.purge_interval_hours > 0:
            app.ctx.purge_task = loop.create_task(purge_loop())
            logger.info("retention: conversations idle for %g days are purged every %g h",
                        settings.retention_days, settings.purge_interval_hours)

    @app.before_server_stop
    async def stop_purge(app_, loop):
        for task in [getattr(app.ctx, "purge_task", None), *tasks]:
            if task is not None:
                task.cancel()
        eraser_ = getattr(app.ctx, "eraser", None)
        if eraser_ is not None:
            eraser_.dispose()


def _conversation_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise BadRequest("conversation_id must be a non-empty string of at most 255 characters")
    return value


def _case_conversation(store: Any, case_id: Any) -> str:
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise BadRequest("case_id must be an integer")
    if not 1 <= case_id <= 2**31 - 1:  # no case has it; never a database overflow error
        raise NotFound(f"no case {case_id}")
    try:
        return store.get_case(case_id)["conversation_id"]
    except NotFound:
        raise NotFound(f"no case {case_id}") from None


def too_many_sign_ins_response(error: TooManySignIns, json_response: Callable[..., Any]) -> Any:
    reply = json_response({"error": error.message, "status": 429}, 429)
    reply.headers["Retry-After"] = str(int(error.retry_after + 0.999))
    return reply

