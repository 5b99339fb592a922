"""Where the Rasa server keeps conversations, locks them and publishes their events: one URL per
store from the environment, with defaults that need nothing installed.

Rasa's own `${VAR}` substitution in endpoints.yml has no defaults (an unset variable is an
error), so endpoints.yml names our store classes and they read these variables themselves.

| variable            | default                                 | e.g.                                   |
|---------------------|-----------------------------------------|----------------------------------------|
| TRACKER_STORE_URL   | sqlite:///$STATE_DIR/tracker.db         | postgresql://rasa:pw@db:5432/rasa      |
| LOCK_STORE_URL      | memory (one Rasa server only)           | redis://redis:6379/1                   |
| EVENT_BROKER_URL    | none (no events published)              | amqp://guest:guest@rabbitmq:5672/      |
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

DEFAULT_STATE_DIR = "var"
SQLITE_FILE = "tracker.db"
MEMORY = "memory"


class StoreSettingsError(ValueError):
    """A store URL or number in the environment cannot be used."""


def _env(env: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return os.environ if env is None else env


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise StoreSettingsError(f"{name} must be a number of seconds, not '{raw}'") from None
    if value <= 0:
        raise StoreSettingsError(f"{name} must be above 0, not '{raw}'")
    return value


def redact(url: str) -> str:
    """The URL with its password replaced, for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "")
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


def tracker_store_url(env: Optional[Mapping[str, str]] = None) -> str:
    env = _env(env)
    url = (env.get("TRACKER_STORE_URL") or "").strip()
    if url:
        # Heroku-style URLs; SQLAlchemy 1.4 only knows "postgresql".
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if not (url.startswith("sqlite") or url.startswith("postgresql")):
            raise StoreSettingsError(
                f"TRACKER_STORE_URL must be a sqlite:/// or postgresql:// URL, not '{redact(url)}'"
            )
        return url
    state_dir = Path(env.get("STATE_DIR") or DEFAULT_STATE_DIR)
    state_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(state_dir / SQLITE_FILE).resolve()}"


def lock_store_url(env: Optional[Mapping[str, str]] = None) -> str:
    """`memory`, or a redis:// / rediss:// URL."""
    env = _env(env)
    url = (env.get("LOCK_STORE_URL") or "").strip()
    if not url or url.lower() in (MEMORY, "in_memory"):
        return MEMORY
    if not url.startswith(("redis://", "rediss://")):
        raise StoreSettingsError(f"LOCK_STORE_URL must be 'memory' or a redis:// URL, not '{redact(url)}'")
    return url


def event_broker_url(env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """None (no broker), or an amqp:// / amqps:// URL."""
    env = _env(env)
    url = (env.get("EVENT_BROKER_URL") or "").strip()
    if not url or url.lower() == "none":
        return None
    if not url.startswith(("amqp://", "amqps://")):
        raise StoreSettingsError(f"EVENT_BROKER_URL must be an amqp:// URL, not '{redact(url)}'")
    return url


@dataclass(frozen=True)
class TrackerStoreLimits:
    # How long a conversation read or write keeps retrying a database that does not answer
    # (a PostgreSQL restart takes a few seconds) before the turn fails with a clear error.
    retry_seconds: float = 15.0
    # How long the Rasa server waits for the database at start-up before refusing to start.
    connect_seconds: float = 60.0
    # Connections (and threads running queries off the event loop).
    pool_size: int = 8

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "TrackerStoreLimits":
        env = _env(env)
        return cls(
            retry_seconds=_number(env, "TRACKER_STORE_RETRY_SECONDS", cls.retry_seconds),
            connect_seconds=_number(env, "TRACKER_STORE_CONNECT_SECONDS", cls.connect_seconds),
            pool_size=int(_number(env, "TRACKER_STORE_POOL_SIZE", cls.pool_size)),
        )


@dataclass(frozen=True)
class LockStoreLimits:
    # Rasa's own name and default for how long a turn may hold its conversation's lock.
    lifetime_seconds: float = 60.0
    # A Redis call that takes longer than this counts as Redis being unavailable.
    timeout_seconds: float = 3.0
    # How long the Rasa server waits for Redis at start-up before refusing to start.
    connect_seconds: float = 30.0
    # Keys are "<prefix>:<conversation id>:..." so several assistants can share one Redis.
    key_prefix: str = "intake:lock"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "LockStoreLimits":
        env = _env(env)
        return cls(
            lifetime_seconds=_number(env, "TICKET_LOCK_LIFETIME", cls.lifetime_seconds),
            timeout_seconds=_number(env, "LOCK_STORE_TIMEOUT_SECONDS", cls.timeout_seconds),
            connect_seconds=_number(env, "LOCK_STORE_CONNECT_SECONDS", cls.connect_seconds),
            key_prefix=(env.get("LOCK_STORE_KEY_PREFIX") or "").strip() or cls.key_prefix,
        )


@dataclass(frozen=True)
class BrokerSettings:
    exchange: str = "rasa-exchange"  # Rasa's default fanout exchange
    queues: Tuple[str, ...] = ("rasa_core_events",)  # Rasa's default queue
    connect_attempts: int = 6
    retry_delay_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "BrokerSettings":
        env = _env(env)
        queues = tuple(q.strip() for q in (env.get("EVENT_BROKER_QUEUES") or "").split(",") if q.strip())
        return cls(
            exchange=(env.get("EVENT_BROKER_EXCHANGE") or "").strip() or cls.exchange,
            queues=queues or cls.queues,
            connect_attempts=int(_number(env, "EVENT_BROKER_CONNECT_ATTEMPTS", cls.connect_attempts)),
            retry_delay_seconds=_number(env, "EVENT_BROKER_RETRY_DELAY_SECONDS", cls.retry_delay_seconds),
        )


def action_timeout_seconds(env: Optional[Mapping[str, str]] = None) -> float:
    """How long the Rasa server waits for one custom action (Rasa's own default is 5 minutes).
    Above the handoff client's own retries (3 x 4 s) so a slow queue still ends in the outbox."""
    return _number(_env(env), "ACTION_TIMEOUT_SECONDS", 30.0)
