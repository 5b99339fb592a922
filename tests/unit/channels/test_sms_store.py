"""The SMS state on both databases it runs on: a SQLite file and PostgreSQL (real server)."""
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bot.channels import sms_store
from bot.channels.sms_render import MenuOption
from bot.channels.sms_store import SmsStore, is_opted_out, normalise_phone, url_from_env

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def pg_url():
    name = f"channels_sms_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    sms_store._store_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(sa.text(f'DROP DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'state' / 'sms.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = SmsStore(url)
    yield store
    store.engine.dispose()


def phone():
    return "+1555" + str(uuid.uuid4().int)[:7]


def test_a_message_sid_is_first_only_once(store):
    sid = "SM" + uuid.uuid4().hex
    assert store.first_time(sid)
    assert not store.first_time(sid)
    assert store.first_time("SM" + uuid.uuid4().hex)


def test_a_retry_storm_lets_exactly_one_through(store):
    sid = "SM" + uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.first_time(sid), range(32)))
    assert results.count(True) == 1


def test_old_message_sids_are_forgotten(store):
    sid = "SM" + uuid.uuid4().hex
    store.first_time(sid)
    assert store.forget_old_message_sids(keep=dt.timedelta(days=7)) == 0
    assert store.forget_old_message_sids(keep=dt.timedelta(seconds=-1)) >= 1
    assert store.first_time(sid)


def test_opt_out_and_in(store):
    number = phone()
    assert not store.is_opted_out(number)
    assert store.opt_out(number) is True
    assert store.opt_out(number) is False  # already: confirm only once
    assert store.is_opted_out(number)
    assert store.opt_in(number) is True
    assert store.opt_in(number) is False
    assert not store.is_opted_out(number)


def test_opt_out_is_per_number_in_any_spelling(store):
    number = phone()
    store.opt_out(number)
    spaced = f"{number[:2]} ({number[2:5]}) {number[5:8]}-{number[8:]}"
    assert store.is_opted_out(spaced)
    assert not store.is_opted_out(phone())


def test_a_menu_answers_one_reply(store):
    number = phone()
    menu = (MenuOption("Yes", "/affirm"), MenuOption("No", "/deny"))
    store.remember_menu(number, menu)
    assert store.take_menu(number) == menu
    assert store.take_menu(number) == ()


def test_a_new_menu_replaces_the_old_and_an_empty_one_clears_it(store):
    number = phone()
    store.remember_menu(number, (MenuOption("A", "/a"),))
    store.remember_menu(number, (MenuOption("B", "/b"),))
    assert store.take_menu(number) == (MenuOption("B", "/b"),)
    store.remember_menu(number, (MenuOption("C", "/c"),))
    store.remember_menu(number, ())
    assert store.take_menu(number) == ()


def test_a_stale_menu_maps_nothing(store, monkeypatch):
    number = phone()
    store.remember_menu(number, (MenuOption("Yes", "/affirm"),))
    later = sms_store.utcnow() + sms_store.MENU_TTL + dt.timedelta(minutes=1)
    monkeypatch.setattr(sms_store, "utcnow", lambda: later)
    assert store.take_menu(number) == ()


def test_opting_out_forgets_the_menu(store):
    number = phone()
    store.remember_menu(number, (MenuOption("Yes", "/affirm"),))
    store.opt_out(number)
    store.opt_in(number)
    assert store.take_menu(number) == ()


def test_is_opted_out_for_the_queue_reads_the_configured_database(store):
    number = phone()
    env = {"SMS_DB_URL": store.url}
    assert not is_opted_out(number, env=env)
    store.opt_out(number)
    assert is_opted_out(number, env=env)


def test_the_default_database_is_a_file_under_state_dir(tmp_path):
    assert url_from_env({"STATE_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path}/sms.sqlite3"
    assert url_from_env({"SMS_DB_URL": "postgresql://x/y", "STATE_DIR": "/z"}) == "postgresql://x/y"


@pytest.mark.parametrize(
    "raw, normal",
    [("+15550100199", "+15550100199"), ("+1 (555) 010-0199", "+15550100199"), (" 5550100199 ", "5550100199"), ("", "")],
)
def test_normalise_phone(raw, normal):
    assert normalise_phone(raw) == normal
