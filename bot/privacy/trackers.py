"""Rasa's tracker store, as the eraser and the retention purge see it.

Where the tracker store is comes from the same endpoints file Rasa reads (RASA_ENDPOINTS,
default endpoints.yml; `${VAR}` taken from the environment as Rasa does):
- our store (`type: bot.stores.tracker.IntakeTrackerStore`, TRACKER_STORE_URL) and `type: SQL`
  (or any tracker store configured with a `dialect`): the `events` table, one row
  per event with the conversation id in `sender_id` (rasa/core/tracker_store.py,
  SQLTrackerStore), is deleted from directly by sender_id;
- anything else (no tracker_store: Rasa keeps trackers in its own memory; Redis, ...): only
  Rasa itself can reach it, so a conversation is erased through Rasa's HTTP API by replacing
  its events with none (`PUT /conversations/{id}/tracker/events`, which overwrites a stored
  tracker). Such stores cannot be listed, so the retention purge cannot reach them (an
  in-memory store forgets everything when Rasa restarts).

A turn of the same conversation may be running at that moment: when it ends, Rasa would save
its events again (the SQL store appends what it does not count in the table). So the eraser
first waits for the conversation's lock in Rasa: `POST .../tracker/events` takes the lock and
returns once the running turn is saved (`barrier`). The retention purge skips that wait: an
idle conversation has no turn running, and a new event would make it look active.
"""
from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import requests
import sqlalchemy as sa
import yaml

from bot.handoff.rasa_api import RasaClient, RasaError, conversation_path
from bot.privacy.settings import ROOT
from bot.stores.settings import tracker_store_url

OUR_TRACKER_STORE = "bot.stores.tracker.IntakeTrackerStore"

SQL, API = "sql", "api"
_ENV_VAR = re.compile(r"\$\{([^}]+)\}")

_metadata = sa.MetaData()
# Rasa 3.6's SQLTrackerStore.SQLEvent, the columns this package reads.
EVENTS = sa.Table(
    "events", _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


class TrackerConfigError(ValueError):
    pass


def _substitute(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        def one(match: "re.Match[str]") -> str:
            name = match.group(1)
            if name not in env:
                raise TrackerConfigError(f"the endpoints file uses ${{{name}}}, which is not set")
            return env[name]
        return _ENV_VAR.sub(one, value)
    if isinstance(value, dict):
        return {key: _substitute(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, env) for item in value]
    return value


@dataclass(frozen=True)
class TrackerStoreConfig:
    kind: str  # SQL or API
    url: Optional[str] = None  # the SQLAlchemy URL, for SQL
    description: str = ""

    @classmethod
    def from_endpoints(cls, path: Path, env: Optional[Mapping[str, str]] = None) -> "TrackerStoreConfig":
        env = os.environ if env is None else env
        if not path.exists():
            return cls(API, description="no endpoints file: Rasa's in-memory tracker store")
        data = yaml.safe_load(path.read_text()) or {}
        section = data.get("tracker_store") if isinstance(data, dict) else None
        if not section:
            return cls(API, description="Rasa's in-memory tracker store")
        section = _substitute(section, env)
        kind = str(section.get("type") or "").strip().lower()
        if kind == OUR_TRACKER_STORE.lower():
            # Our store (bot/stores) keeps Rasa's events table at the URL it reads itself.
            return cls(SQL, tracker_store_url(env), description="SQL tracker store (bot.stores)")
        if kind == "sql" or section.get("dialect"):
            return cls(SQL, sql_url(section), description="SQL tracker store")
        return cls(API, description=f"tracker store {kind or 'unknown'} (through Rasa's API)")


def sql_url(section: Mapping[str, Any]) -> str:
    """The SQLAlchemy URL Rasa's SQLTrackerStore.get_db_url builds from the same settings."""
    dialect = str(section.get("dialect") or "sqlite")
    host = section.get("url")
    db = str(section.get("db") or "rasa.db")
    if host and "://" in str(host):
        return str(host)
    port = section.get("port")
    if host:
        parsed = urllib.parse.urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    if dialect.startswith("sqlite"):
        path = Path(db)
        # Rasa opens a relative file from its working directory: the repository root (bot.stack).
        return f"{dialect}:///{path if path.is_absolute() else ROOT / path}"
    url = sa.engine.url.URL.create(
        dialect, username=section.get("username"), password=section.get("password"),
        host=host, port=int(port) if port else None, database=db, query=section.get("query") or {},
    )
    return url.render_as_string(hide_password=False)


class SqlTrackerEvents:
    """The SQL tracker store's events table."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, pool_pre_ping=True, future=True)

    def _exists(self, conn: sa.engine.Connection) -> bool:
        return sa.inspect(conn).has_table("events")

    def count(self, sender_id: str) -> int:
        with self.engine.connect() as conn:
            if not self._exists(conn):
                return 0
            return int(conn.execute(sa.select(sa.func.count()).select_from(EVENTS)
                                    .where(EVENTS.c.sender_id == sender_id)).scalar() or 0)

    def delete(self, sender_id: str) -> int:
        with self.engine.begin() as conn:
            if not self._exists(conn):
                return 0
            return conn.execute(EVENTS.delete().where(EVENTS.c.sender_id == sender_id)).rowcount or 0

    def idle_since(self, cutoff: float) -> List[str]:
        """Conversations whose latest event is older than `cutoff` (unix seconds)."""
        with self.engine.connect() as conn:
            if not self._exists(conn):
                return []
            rows = conn.execute(sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
                                .having(sa.func.max(EVENTS.c.timestamp) < cutoff))
            return [row[0] for row in rows]

    def delete_if_idle(self, sender_id: str, cutoff: float) -> int:
        """Deletes the conversation only if it is still idle (nothing at or after `cutoff`)."""
        with self.engine.begin() as conn:
            if not self._exists(conn):
                return 0
            newer = sa.select(EVENTS.c.id).where(EVENTS.c.sender_id == sender_id, EVENTS.c.timestamp >= cutoff)
            return conn.execute(EVENTS.delete().where(EVENTS.c.sender_id == sender_id, ~sa.exists(newer))).rowcount or 0

    def dispose(self) -> None:
        self.engine.dispose()


class RasaTrackers:
    """What the eraser asks Rasa itself: wait for a running turn, replace events with none."""

    def __init__(self, client: RasaClient):
        self.client = client

    def barrier(self, conversation_id: str) -> Dict[str, Any]:
        """Waits until no turn of the conversation runs (Rasa's lock); returns its tracker with
        every event. Rasa 3.6 answers 500 to an empty list, so the one event appended is an
        `action_listen`, which changes nothing (and goes with the rest). A conversation Rasa
        never saw comes back with its session-start events."""
        url = self.client._url(conversation_id, "tracker/events", include_events="ALL")
        return self.client._call("POST", url, [{"event": "action", "name": "action_listen"}])

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The tracker without taking the lock or adding anything (retention: idle conversations)."""
        return self.client.tracker(conversation_id)

    def replace_with_nothing(self, conversation_id: str) -> None:
        url = self.client._url(conversation_id, "tracker/events")
        try:
            response = requests.put(url, json=[], timeout=self.client.timeout)
        except requests.RequestException as error:
            raise RasaError(f"Rasa is unreachable ({type(error).__name__})") from None
        if not response.ok:
            raise RasaError(f"Rasa answered HTTP {response.status_code} when erasing the tracker")

    @staticmethod
    def addressable(conversation_id: str) -> bool:
        try:
            conversation_path(conversation_id)
        except RasaError:
            return False
        return True
