"""The web service: the queue API under /api, the advisor dashboard, the demo page, /health.

Handlers are thin: they authenticate, parse, and run the (synchronous) queue service in a
thread pool so a database or Rasa call never blocks the event loop. A background task
delivers webhooks and wakes snoozed cases.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import html
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from bot import firm as firms
from bot.handoff.cases import ACTIVE_STATUSES, STATUSES, InvalidCase, validate_case
from bot.handoff.config import QueueSettings
from bot.handoff.conversation_events import parse_event
from bot.handoff.db import make_engine
from bot.handoff.live import LiveHub
from bot.handoff.service import HandoffService
from bot.handoff.sla import due_text
from bot.handoff.store import Actor, BadRequest, CaseFilter, NotFound, QueueError, Store
from bot.handoff.webhooks import WebhookSender
from bot.privacy import logs
from bot.privacy.eraser import Eraser
from bot.web import export
from bot.web.openapi import OPENAPI
from bot.web.stream import serve_stream
from bot.web.security import (
    SignInLimiter, TooManySignIns, add_privacy_routes, client_ip, too_many_sign_ins_response,
)

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
PAGES_DIR = HERE / "pages"
TEMPLATES_DIR = HERE / "templates"
MAX_BODY = 256 * 1024
MAX_CASE_ID = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
CSV_PAGE = 500
# How often a failed resume (Rasa was down when the case was resolved) is retried.
RESUME_RETRY_SECONDS = float(os.environ.get("HANDOFF_RESUME_RETRY_SECONDS") or 60.0)

DASHBOARD_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo page not built</title></head>
<body><h1>The demo page is not built yet</h1>
<p>This web service is running, but bot/web/pages/index.html (the demo site with the chat widget)
is not there. The advisor dashboard is at <a href="/advisor">/advisor</a>.</p></body></html>
"""


def _default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(body: Any, **_: Any) -> str:
    return json.dumps(body, default=_default, ensure_ascii=False)


def json_response(body: Any, status: int = 200) -> response.HTTPResponse:
    return response.json(body, status=status, dumps=dumps)


def error_response(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message, "status": status}, status=status, dumps=dumps)


class Unauthorized(QueueError):
    status = 401


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _body(request: Request) -> Dict[str, Any]:
    if not request.body:
        raise BadRequest("the request needs a JSON body")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    except RecursionError:  # "[[[[..." thousands deep: valid JSON no handler needs
        raise BadRequest("the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def create_app(settings: QueueSettings, name: str = "intake_web") -> Sanic:
    logs.install()
    app = Sanic(name, configure_logging=True)
    app.config.REQUEST_MAX_SIZE = MAX_BODY
    app.config.FALLBACK_ERROR_FORMAT = "json"
    pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="queue")

    def notify_webhooks() -> None:
        loop, event = getattr(app.ctx, "loop", None), getattr(app.ctx, "webhook_event", None)
        if loop and event:
            loop.call_soon_threadsafe(event.set)

    hub = LiveHub()
    store = Store(make_engine(settings.db_url), settings.sla, settings.webhooks, on_webhook=notify_webhooks,
                  on_live=hub.publish)
    service = HandoffService(store, settings.rasa)
    sender = WebhookSender(store, settings.webhooks)
    app.ctx.store, app.ctx.service, app.ctx.settings, app.ctx.hub = store, service, settings, hub

    def loop_time() -> float:
        return asyncio.get_running_loop().time()

    async def run(fn: Callable, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, partial(fn, *args))

    sign_ins = SignInLimiter.from_env()

    async def advisor_of(request: Request) -> Actor:
        token = _bearer(request)
        if token:
            sign_ins.check(client_ip(request))
        found = await run(store.advisor_for_token, token) if token else None
        if not found:
            if token:
                sign_ins.failed(client_ip(request))
            raise Unauthorized("an advisor token is required (Authorization: Bearer <token>)")
        return Actor("advisor", found["id"], found["name"])

    def is_service(request: Request) -> bool:
        """The service token? (After the failed-sign-in check: a locked-out IP gets 429.)"""
        token = _bearer(request)
        if token:
            sign_ins.check(client_ip(request))
        return bool(settings.service_token and token
                    and hmac.compare_digest(token.encode(), settings.service_token.encode()))

    def require_service(request: Request) -> None:
        token = _bearer(request)
        if not is_service(request):
            if token:
                sign_ins.failed(client_ip(request))
            raise Unauthorized("the service token is required (Authorization: Bearer <SERVICE_TOKEN>)")

    # --- lifecycle ---------------------------------------------------------------------------------
    @app.before_server_start
    async def prepare(app_, loop):
        await run(store.migrate)
        if settings.advisor_token:
            await run(store.ensure_env_advisor, settings.advisor_token)
        if not settings.service_token:
            logger.warning("SERVICE_TOKEN is not set: POST /api/handoffs will refuse every request")

    @app.after_server_start
    async def start_background(app_, loop):
        app.ctx.loop = loop
        hub.bind(loop)
        app.ctx.webhook_event = asyncio.Event()
        app.ctx.background = loop.create_task(background())

    @app.before_server_stop
    async def stop_background(app_, loop):
        hub.close_all()  # open event streams end now, so the shutdown does not wait for them
        task = getattr(app.ctx, "background", None)
        if task:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        pool.shutdown(wait=False)

    async def background() -> None:
        """Delivers webhooks as soon as they are queued, retries on their backoff, wakes snoozes,
        and resumes conversations whose resume failed at resolve time."""
        event: asyncio.Event = app.ctx.webhook_event
        last_resume_retry = 0.0
        while True:
            try:
                if settings.webhooks.urls:
                    await run(sender.deliver_due)
                await run(store.wake_snoozed)
                if loop_time() - last_resume_retry >= RESUME_RETRY_SECONDS:
                    last_resume_retry = loop_time()
                    await run(service.retry_hand_backs)
                wait = 15.0
                if settings.webhooks.urls:
                    due = await run(store.next_webhook_due)
                    if due is not None:
                        wait = min(wait, max(0.05, (due - store.now()).total_seconds()))
            except asyncio.CancelledError:
                raise
            except Exception:  # never let the loop die: the database may come back
                logger.exception("background task failed; retrying in 5 s")
                wait = 5.0
            try:
                await asyncio.wait_for(event.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass
            event.clear()

    # --- errors and headers ------------------------------------------------------------------------
    @app.exception(TooManySignIns)
    async def too_many_sign_ins(request, error: TooManySignIns):
        return too_many_sign_ins_response(error, json_response)

    @app.exception(QueueError)
    async def queue_error(request, error: QueueError):
        return error_response(error.status, error.message)

    @app.exception(InvalidCase)
    async def invalid_case(request, error: InvalidCase):
        return error_response(400, str(error))

    @app.exception(SanicException)
    async def sanic_error(request, error: SanicException):
        status = getattr(error, "status_code", 500) or 500
        if status == 404:
            return error_response(404, f"nothing at {request.path}")
        if status == 405:
            return error_response(405, f"{request.method} is not allowed on {request.path}")
        if status == 413:
            return error_response(413, f"the body is larger than {MAX_BODY // 1024} KB")
        return error_response(status, str(error) or "bad request")

    @app.exception(Exception)
    async def unexpected(request, error: Exception):
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal error; the request was not applied")

    @app.on_response
    async def security_headers(request, resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith("/api") or request.path == "/health":
            resp.headers.setdefault("Content-Security-Policy", API_CSP)
            resp.headers.setdefault("Cache-Control", "no-store")
        elif request.path.startswith("/advisor") or request.path.startswith("/static/advisor"):
            resp.headers.setdefault("Content-Security-Policy", DASHBOARD_CSP)
            resp.headers.setdefault("X-Frame-Options", "DENY")

    # --- health and docs -----------------------------------------------------------------------------
    @app.get("/health")
    async def health(request):
        try:
            await run(store.ping)
        except Exception as error:  # the service is up but cannot reach its database
            return json_response({"status": "error", "database": type(error).__name__}, 503)
        return json_response({"status": "ok", "database": "ok", "live_handoff": settings.rasa is not None})

    @app.get("/api/openapi.json")
    async def openapi(request):
        return json_response(OPENAPI)

    # --- queue API ------------------------------------------------------------------------------------
    @app.post("/api/handoffs")
    async def submit(request):
        require_service(request)
        new = validate_case(_body(request))
        case, created = await run(service.submit, new)
        now = store.now()
        body = {**case, "created": created, "promise": due_text(case["first_response_due"], now, case["priority"])}
        return json_response(body, 201 if created else 200)

    def queue_query(request: Request, advisor: Actor) -> Dict[str, Any]:
        """The list's filters, shared by GET /api/handoffs and its CSV export."""
        raw = request.args.get("status", "active")
        if raw == "active":
            statuses = ACTIVE_STATUSES
        elif raw == "all":
            statuses = STATUSES
        else:
            statuses = _comma_list(raw)
        assignee = request.args.get("assignee")
        if assignee not in (None, "me", "none"):
            raise BadRequest("assignee must be 'me' or 'none'")
        filters = CaseFilter(priorities=_comma_list(request.args.get("priority", "")),
                             channels=_comma_list(request.args.get("channel", "")),
                             query=request.args.get("q", ""))
        return {"statuses": statuses, "assignee_id": advisor.id if assignee == "me" else None,
                "unassigned": assignee == "none", "filters": filters}

    @app.get("/api/handoffs")
    async def list_cases(request):
        advisor = await advisor_of(request)
        query = queue_query(request, advisor)
        limit = _int_arg(request, "limit", 50, 1, 500)
        offset = _int_arg(request, "offset", 0, 0, 10_000_000)
        rows, total = await run(partial(store.list_cases, query.pop("statuses"), limit=limit, offset=offset, **query))
        return json_response({"cases": rows, "total": total, "limit": limit, "offset": offset,
                              "server_time": store.now()})

    @app.get("/api/handoffs.csv")
    async def export_cases(request):
        advisor = await advisor_of(request)
        query = queue_query(request, advisor)
        statuses = query.pop("statuses")

        def every_case() -> list:
            found, offset = [], 0
            while True:
                rows, total = store.list_cases(statuses, limit=CSV_PAGE, offset=offset, **query)
                found.extend(rows)
                offset += len(rows)
                if not rows or offset >= total:
                    return found

        body = export.to_csv(await run(every_case))
        stamp = store.now().strftime("%Y%m%d-%H%M")
        return response.text(body, content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'})

    @app.get("/api/handoffs/<case_id:int>")
    async def get_case(request, case_id: int):
        advisor = await advisor_of(request)
        case = await run(service.case_for_advisor, _case_id(case_id), advisor)
        return json_response({**case, "server_time": store.now()})

    @app.post("/api/handoffs/<case_id:int>/claim")
    async def claim(request, case_id: int):
        advisor = await advisor_of(request)
        return json_response(await run(service.claim, _case_id(case_id), advisor))

    @app.post("/api/handoffs/<case_id:int>/notes")
    async def add_note(request, case_id: int):
        advisor = await advisor_of(request)
        body = _body(request)
        return json_response(await run(service.add_note, _case_id(case_id), advisor, body.get("content")), 201)

    @app.post("/api/handoffs/<case_id:int>/reply")
    async def reply(request, case_id: int):
        advisor = await advisor_of(request)
        body = _body(request)
        return json_response(await run(service.reply, _case_id(case_id), advisor, body.get("content")), 201)

    @app.post("/api/handoffs/<case_id:int>/snooze")
    async def snooze(request, case_id: int):
        advisor = await advisor_of(request)
        until = _snooze_until(_body(request), store.now())
        return json_response(await run(service.snooze, _case_id(case_id), advisor, until))

    @app.post("/api/handoffs/<case_id:int>/reassign")
    async def reassign(request, case_id: int):
        advisor = await advisor_of(request)
        body = _body(request)
        return json_response(await run(service.reassign, _case_id(case_id), advisor, body.get("advisor_id")))

    @app.post("/api/handoffs/<case_id:int>/resolve")
    async def resolve(request, case_id: int):
        advisor = await advisor_of(request)
        note = _body(request).get("note") if request.body else None
        return json_response(await run(service.resolve, _case_id(case_id), advisor, note))

    @app.post("/api/handoffs/<case_id:int>/handback")
    async def hand_back(request, case_id: int):
        advisor = await advisor_of(request)
        note = _body(request).get("note") if request.body else None
        return json_response(await run(service.hand_back, _case_id(case_id), advisor, note))

    @app.post("/api/handoffs/<case_id:int>/rejoin")
    async def rejoin(request, case_id: int):
        advisor = await advisor_of(request)
        if request.body:
            _body(request)  # an empty object or nothing; anything else is a mistake worth a 400
        return json_response(await run(service.rejoin, _case_id(case_id), advisor))

    @app.post("/api/conversation-events")
    async def conversation_event(request):
        require_service(request)
        event = parse_event(_body(request), store.now())
        return json_response(await run(service.conversation_event, event, hub.is_live))

    @app.get("/api/stream")
    async def stream(request):
        advisor = await advisor_of(request)
        token = _bearer(request)

        async def still_allowed() -> bool:
            found = await run(store.advisor_for_token, token)
            return bool(found) and found["id"] == advisor.id

        await serve_stream(request, hub, advisor.id, still_allowed)

    @app.get("/api/me")
    async def me(request):
        advisor = await advisor_of(request)
        return json_response({"id": advisor.id, "name": advisor.name})

    @app.get("/api/advisors")
    async def advisors(request):
        await advisor_of(request)
        return json_response({"advisors": await run(store.list_advisors)})

    # --- privacy: deletions and the retention purge (bot/web/security.py) ------------------------------
    add_privacy_routes(app, run, advisor_of, is_service, _body, json_response,
                       lambda: Eraser.from_env(queue_engine=store.engine, rasa=settings.rasa))

    # --- pages -------------------------------------------------------------------------------------------
    @app.get("/advisor")
    async def dashboard(request):
        return await response.file(TEMPLATES_DIR / "advisor.html", mime_type="text/html; charset=utf-8",
                                   headers={"Cache-Control": "no-store"})

    @app.get("/widget-config.json")
    async def widget_config(request):
        """Where the demo page's widget finds the Rasa server: RASA_PUBLIC_URL when Rasa sits
        behind a proxy, else this host on RASA_PORT (the stack's own Rasa server)."""
        public = os.environ.get("RASA_PUBLIC_URL", "").strip()
        if not public:
            host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
            public = f"{request.scheme}://{host}:{os.environ.get('RASA_PORT', '5005')}"
        return response.json({"serverUrl": public}, headers={"Cache-Control": "no-store"})

    @app.get("/firm.json")
    async def firm_json(request):
        return response.json(firms.current().as_dict(), headers={"Cache-Control": "no-store"})

    @app.get("/")
    async def index(request):
        page = PAGES_DIR / "index.html"
        if page.is_file():
            return response.html(fill_firm(page.read_text(encoding="utf-8")))
        return response.html(NOT_BUILT_PAGE)

    app.static("/static", str(STATIC_DIR), name="static")
    return app


def fill_firm(page: str) -> str:
    """The demo page's {{firm_...}} placeholders, from the one source of the firm's details."""
    firm = firms.current()
    for name, value in (("firm_name", firm.name), ("firm_phone", firm.phone), ("firm_phone_tel", firm.phone_tel),
                        ("firm_hours", firm.hours_text)):
        page = page.replace("{{" + name + "}}", html.escape(value, quote=True))
    return page


def _case_id(case_id: int) -> int:
    """A case id from the path; one no case can have is simply not there (not a database error)."""
    if not 1 <= case_id <= MAX_CASE_ID:
        raise NotFound(f"no case {case_id}")
    return case_id


def _comma_list(raw: str) -> tuple:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _snooze_until(body: Dict[str, Any], now: dt.datetime) -> dt.datetime:
    if "until" in body:
        raw = body["until"]
        if not isinstance(raw, str):
            raise BadRequest("until must be an ISO 8601 timestamp")
        try:
            until = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest("until must be an ISO 8601 timestamp such as 2025-03-01T14:00:00Z") from None
        if until.tzinfo is None:
            raise BadRequest("until must carry its time zone (e.g. a trailing Z)")
        return until
    minutes = body.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise BadRequest("give either until (ISO timestamp) or minutes (a positive integer)")
    return now + dt.timedelta(minutes=minutes)
