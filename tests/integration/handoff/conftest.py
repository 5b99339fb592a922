"""Fixtures: every queue test runs against SQLite and against the real PostgreSQL server."""
import secrets

import pytest
from sqlalchemy import text

from bot.handoff import schema
from bot.handoff.db import make_engine
from bot.handoff.sla import SlaPolicy
from bot.handoff.store import Store
from bot.handoff.webhooks import WebhookConfig
from tests.integration.handoff.support import (
    Api, WebServer, clear_cases, create_pg_database, drop_pg_database, pg_url,
)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=BACKENDS)
def db_url(request, tmp_path_factory):
    """A database of its own per test module and backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'handoff.db'}"
        return
    name = create_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
def fresh_db_url(db_url):
    """db_url with an empty schema (dropped and migrated again)."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    engine.dispose()
    return db_url


@pytest.fixture
def make_store(fresh_db_url):
    stores = []

    def build(webhook_config: WebhookConfig = WebhookConfig(), **kwargs) -> Store:
        store = Store(make_engine(fresh_db_url), SlaPolicy.from_env({}), webhook_config, **kwargs)
        store.migrate()
        stores.append(store)
        return store

    yield build
    for store in stores:
        store.engine.dispose()


@pytest.fixture
def store(make_store):
    return make_store()


@pytest.fixture(scope="module")
def tokens():
    return {"service": "svc-" + secrets.token_urlsafe(16), "advisor": "adv-" + secrets.token_urlsafe(16)}


@pytest.fixture(scope="module")
def web(db_url, tokens, tmp_path_factory):
    """The web service with the live side off (RASA_URL=off); see test_live_rasa.py for Rasa."""
    state = tmp_path_factory.mktemp("state")
    server = WebServer({
        "HANDOFF_DB_URL": db_url, "STATE_DIR": str(state), "SERVICE_TOKEN": tokens["service"],
        "ADVISOR_TOKEN": tokens["advisor"], "RASA_URL": "off",
    }, state / "web.log").start()
    yield server
    server.stop()


@pytest.fixture
def api(web, db_url, tokens):
    clear_cases(db_url)
    return Api(web.url, tokens["service"], tokens["advisor"])


@pytest.fixture
def advisor_store(db_url):
    """A store on the running server's database, to add advisors the way the CLI does."""
    store = Store(make_engine(db_url), SlaPolicy.from_env({}))
    yield store
    store.engine.dispose()
