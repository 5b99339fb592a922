"""The conversation state (handoff_conversations) at the store and service level, on SQLite and
PostgreSQL: the migration from schema 1, the away answer's ten-minute window on a moved clock,
simultaneous first events of one conversation."""
import datetime as dt
import threading

from sqlalchemy import inspect, select

from bot.handoff import schema
from bot.handoff.cases import validate_case
from bot.handoff.conversation_events import parse_event
from bot.handoff.db import make_engine
from bot.handoff.service import AWAY_REPEAT_WINDOW, HandoffService
from bot.handoff.store import Actor
from tests.unit.handoff.cases import escalation


def now():
    return dt.datetime.now(dt.timezone.utc)


def test_a_schema_1_database_gets_the_conversation_table(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        with engine.begin() as conn:  # the database as schema 1 left it
            schema.schema_version.create(conn)
            schema.MIGRATIONS[0](conn)
            conn.execute(schema.schema_version.insert().values(version=1))
        assert "handoff_conversations" not in inspect(engine).get_table_names()
        assert schema.migrate(engine) == 1
        assert "handoff_conversations" in inspect(engine).get_table_names()
        with engine.begin() as conn:
            assert conn.execute(select(schema.schema_version.c.version)).scalars().all() == [schema.LATEST]
        assert schema.migrate(engine) == schema.LATEST  # again: nothing to do
    finally:
        engine.dispose()


def test_the_short_acknowledgement_lasts_ten_minutes_after_the_answer(make_store):
    """The window, with the store's clock moved on (the HTTP server runs on real time)."""
    clock = {"now": now()}
    store = make_store(now=lambda: clock["now"])
    service = HandoffService(store, rasa=None)
    case, _ = store.submit(validate_case(escalation()))
    dana = store.add_advisor("Dana Reyes", "dana-token")
    store.claim(case["id"], Actor("advisor", dana["id"], dana["name"]))

    def say(text):
        body = {"conversation_id": case["conversation_id"], "channel": "socketio", "type": "unanswered", "text": text}
        return service.conversation_event(parse_event(body, clock["now"]), lambda advisor_id: False)["reply"]

    assert "Dana Reyes from" in say("hello?")
    clock["now"] += AWAY_REPEAT_WINDOW - dt.timedelta(seconds=5)
    assert say("still there?") == "Got it: I've added that to your case for Dana."
    clock["now"] += dt.timedelta(seconds=10)  # ten minutes after the full answer: say it all again
    assert "Dana Reyes from" in say("hello??")
    assert store.get_case(case["id"])["taxpayer"]["unread"] == 3


def test_after_the_first_reply_the_answer_says_when_they_are_back(make_store):
    store = make_store()
    service = HandoffService(store, rasa=None)
    case, _ = store.submit(validate_case(escalation()))
    dana = store.add_advisor("Dana Reyes", "dana-token")
    advisor = Actor("advisor", dana["id"], dana["name"])
    store.claim(case["id"], advisor)
    store.record_reply(case["id"], advisor, "Hello, I'm on it.")
    body = {"conversation_id": case["conversation_id"], "channel": "socketio", "type": "unanswered", "text": "thanks"}
    reply = service.conversation_event(parse_event(body, store.now()), lambda advisor_id: False)["reply"]
    assert "They'll answer here when they're back." in reply
    assert "within about" not in reply


def test_simultaneous_first_events_of_a_conversation_make_one_row(make_store):
    store = make_store()
    barrier = threading.Barrier(8)
    errors = []

    def online():
        try:
            barrier.wait()
            store.record_presence("+15550104477", "sms", True, now())
        except Exception as error:  # pragma: no cover - the failure is the assertion below
            errors.append(error)

    threads = [threading.Thread(target=online) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.conversations)).mappings().all()
    assert len(rows) == 1 and rows[0]["online"] is True


def test_published_events_come_after_the_commit_and_only_then(make_store):
    pushed = []
    store = make_store(on_live=pushed.extend)
    case, _ = store.submit(validate_case(escalation()))
    assert pushed == [("case_created", {"case_id": case["id"], "priority": "urgent", "status": "pending",
                                        "name": "Dana Reyes"})]
    pushed.clear()
    try:
        store.claim(case["id"] + 1000, Actor("advisor", 1, "Nobody"))
    except Exception:
        pass
    assert pushed == []  # nothing committed, nothing pushed
