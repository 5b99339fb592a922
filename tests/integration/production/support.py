"""What the production-shape tests share: a stack with its own stores, a TCP proxy that can be
cut like a restarting server, the scripted conversation, and readers for trackers and logs.

PostgreSQL, Redis and RabbitMQ on this machine are shared with other people's tests: each
stack gets its own database, Redis key prefix and RabbitMQ exchange and queue, and a "database
restart" cuts our proxy in front of PostgreSQL, never the server itself."""
from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import requests

from bot.stack import MODEL, Stack, settings
from tests.integration.handoff.support import create_pg_database, drop_pg_database, free_port, pg_url

# The conversations' dates are written for this day (the one clock, INTAKE_TODAY).
STACK_TODAY = "2026-11-27"
REDIS_URL = "redis://127.0.0.1:6379/0"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"

# A taxpayer with an LT11: greeting, the notice and its date (the notice form and the deadline
# action), then the six situation questions (a form with a validator) and the risk summary.
LT11_SCRIPT = (
    "hi",
    "i got an lt11 dated november 10th what do i do",
    "no", "no", "no", "about 8000", "no", "personal",
)
LT11_DEADLINE = "Thursday, December 10, 2026"


class TcpProxy:
    """Forwards a local port to a real server. `cut()` drops every open connection and refuses
    new ones, which is what a client sees while the server restarts; `restore()` ends that."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: Optional[asyncio.AbstractServer] = None
        self.transports: List[asyncio.Transport] = []
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.restore()

    def _call(self, coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _serve(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.transports += [writer.transport, up_writer.transport]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for transport in self.transports:
            transport.abort()
        self.transports.clear()

    def cut(self) -> None:
        self._call(self._cut())

    def restore(self) -> None:
        if self.server is None:
            self._call(self._serve())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


@dataclass
class ProductionStack:
    stack: Stack
    env: Dict[str, str]
    state: Path
    cleanups: List[Any] = field(default_factory=list)
    # start_scaled_stack: database name, pg_proxy, redis_proxy, tag (Redis prefix, RabbitMQ names)
    parts: Dict[str, Any] = field(default_factory=dict)

    @property
    def rasa_urls(self) -> List[str]:
        return self.stack.rasa_urls

    def new_sender(self) -> str:
        return f"prod-{uuid.uuid4().hex[:12]}"

    def say(self, sender: str, text: str, server: int = 0, timeout: float = 90) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.rasa_urls[server]}/webhooks/rest/webhook",
            json={"sender": sender, "message": text}, timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str, server: int = 0) -> str:
        return replies_text(self.say(sender, text, server))

    def tracker(self, sender: str, server: int = 0, all_events: bool = False) -> Dict[str, Any]:
        params = {"token": self.env["RASA_TOKEN"]}
        if all_events:
            params["include_events"] = "ALL"
        response = requests.get(f"{self.rasa_urls[server]}/conversations/{sender}/tracker", params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def post_event(self, sender: str, event: Dict[str, Any], server: int = 0) -> None:
        response = requests.post(
            f"{self.rasa_urls[server]}/conversations/{sender}/tracker/events",
            params={"token": self.env["RASA_TOKEN"]}, json=event, timeout=60,
        )
        response.raise_for_status()

    def log(self, name: str) -> str:
        service = self.stack.service(name)
        return service.log_path.read_text(errors="replace") if service.log_path else ""

    def stop(self) -> None:
        self.stack.stop()
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # clean up the rest anyway
                print(f"cleanup failed: {error}")


def replies_text(replies: Sequence[Dict[str, Any]]) -> str:
    parts = []
    for message in replies:
        parts.append(message.get("text") or "")
        parts.extend(button["title"] for button in message.get("buttons") or [])
    return "\n".join(parts)


def base_env(state: Path, **extra: str) -> Dict[str, str]:
    env = settings({
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "RASA_TOKEN": "rasa-" + secrets.token_urlsafe(12),
        "SERVICE_TOKEN": "svc-" + secrets.token_urlsafe(12),
        "ADVISOR_TOKEN": "adv-" + secrets.token_urlsafe(12),
        "STATE_DIR": str(state),
        "INTAKE_TODAY": STACK_TODAY,
        "HANDOFF_DB_URL": f"sqlite:///{state / 'handoff.db'}",
        **extra,
    })
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["HANDOFF_API_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}/api"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    return env


def start_sqlite_stack(state: Path, **extra: str) -> ProductionStack:
    """`make run`'s shape: one Rasa server, SQLite tracker store (the default), in-memory locks."""
    env = base_env(state, **extra)
    for key in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "EVENT_BROKER_URL", "RASA_PORTS"):
        env.pop(key, None)
    stack = Stack(env, state / "log", MODEL, only=["action server", "rasa server"]).start()
    return ProductionStack(stack, env, state)


def start_scaled_stack(state: Path, servers: int = 2, **extra: str) -> ProductionStack:
    """Several Rasa servers sharing PostgreSQL (through a cuttable proxy), the Redis lock store
    (through another) and a RabbitMQ exchange of our own, with one action server."""
    database = create_pg_database("production_tracker")
    pg_proxy = TcpProxy(5432)
    redis_proxy = TcpProxy(6379)
    tag = f"prod-{uuid.uuid4().hex[:8]}"
    ports = [str(free_port()) for _ in range(servers)]
    env = base_env(
        state,
        RASA_PORT=ports[0],
        RASA_PORTS=",".join(ports),
        TRACKER_STORE_URL=f"postgresql://postgres@127.0.0.1:{pg_proxy.port}/{database}",
        LOCK_STORE_URL=f"redis://127.0.0.1:{redis_proxy.port}/0",
        LOCK_STORE_KEY_PREFIX=tag,
        EVENT_BROKER_URL=RABBITMQ_URL,
        EVENT_BROKER_EXCHANGE=tag,
        EVENT_BROKER_QUEUES=tag,
        **extra,
    )
    env["RASA_URL"] = f"http://127.0.0.1:{ports[0]}"
    parts = {"database": database, "pg_proxy": pg_proxy, "redis_proxy": redis_proxy, "tag": tag}
    names = ["action server"] + [f"rasa server{'' if i == 0 else f' {i + 1}'}" for i in range(servers)]
    cleanups = [
        lambda: drop_pg_database(database),
        pg_proxy.close,
        redis_proxy.close,
        lambda: delete_redis_keys(tag),
        lambda: delete_rabbitmq(tag),
    ]
    try:
        stack = Stack(env, state / "log", MODEL, only=names).start(timeout=400)
    except BaseException:
        for cleanup in reversed(cleanups):
            cleanup()
        raise
    return ProductionStack(stack, env, state, cleanups, parts)


def delete_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def redis_keys(prefix: str) -> List[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return sorted(client.scan_iter(f"{prefix}:*"))
    finally:
        client.close()


def rabbitmq_events(queue: str, wait: float = 5.0) -> List[Dict[str, Any]]:
    """Everything waiting in our queue, consumed (acknowledged)."""
    import aio_pika

    async def drain() -> List[Dict[str, Any]]:
        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        found: List[Dict[str, Any]] = []
        async with connection:
            channel = await connection.channel()
            q = await channel.declare_queue(queue, durable=True, passive=True)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                message = await q.get(fail=False)
                if message is None:
                    await asyncio.sleep(0.2)
                    continue
                found.append(json.loads(message.body))
                await message.ack()
                deadline = time.monotonic() + 1.0  # more may follow; stop after a quiet second
        return found

    return asyncio.run(drain())


def delete_rabbitmq(name: str) -> None:
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.exchange_delete(name)

    asyncio.run(delete())


def pg_count(database: str, sql: str, *params: Any) -> Any:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=database)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]
    finally:
        conn.close()


def try_again_text(env: Dict[str, str]) -> str:
    """What the Rasa server says when a turn cannot be completed: the domain's
    `utter_try_again_shortly` when domain.yml has it (make test trains before pytest), else
    the built-in wording (bot/stores/rasa_hooks.py)."""
    import yaml

    from bot.firm import Firm
    from bot.stores.rasa_hooks import RESPONSE, TRY_AGAIN

    domain = yaml.safe_load((Path(__file__).resolve().parents[3] / "domain.yml").read_text())
    variations = [v for v in (domain.get("responses") or {}).get(RESPONSE) or [] if not v.get("channel")]
    template = variations[0]["text"] if variations else TRY_AGAIN
    return template.format(firm_phone=Firm.from_env(env).phone)


# --- reading a tracker ------------------------------------------------------------------------
def user_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def turns(tracker: Dict[str, Any]) -> List[Tuple[str, List[str]]]:
    """(user text, [bot texts]) per turn, from the stored events: what was said, in order."""
    result: List[Tuple[str, List[str]]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            result.append((event.get("text"), []))
        elif event["event"] == "bot" and result:
            result[-1][1].append(event.get("text") or "")
    return result


def well_formed(tracker: Dict[str, Any]) -> bool:
    """Every user message is followed by its turn, ending in action_listen, before the next
    one: two turns of one conversation never ran at the same time."""
    listening = True
    for event in tracker["events"]:
        if event["event"] == "user":
            if not listening:
                return False
            listening = False
        elif event["event"] == "action" and event.get("name") == "action_listen":
            listening = True
    return listening


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
