"""The queue's database engine: a SQLite file by default, PostgreSQL when HANDOFF_DB_URL says so.

SQLite needs two settings to behave under concurrent writers (the claim race, the web
service's thread pool): WAL, so readers never wait for a writer, and BEGIN IMMEDIATE for write
transactions, so two writers queue on the lock (busy_timeout) instead of one failing with
"database is locked" when it upgrades a read lock.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

DEFAULT_STATE_DIR = "var"
SQLITE_FILE = "handoff.db"
WRITE = "handoff_write"  # execution option: this transaction will write


def database_url(env: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if env is None else env
    url = (env.get("HANDOFF_DB_URL") or "").strip()
    if url:
        # Heroku-style URLs; SQLAlchemy 1.4 only knows "postgresql".
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        return url
    state_dir = Path(env.get("STATE_DIR") or DEFAULT_STATE_DIR)
    state_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(state_dir / SQLITE_FILE).resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=5,
            max_overflow=10,
            connect_args={"check_same_thread": False, "timeout": 30},
            future=True,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            immediate = conn.get_execution_options().get(WRITE)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_size=5, max_overflow=15, pool_pre_ping=True, future=True)
