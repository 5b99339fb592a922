"""The queue's storage against SQLite and the real PostgreSQL (conftest parametrizes both)."""
import datetime as dt
import threading

import pytest
from sqlalchemy import select, text

from bot.handoff import schema
from bot.handoff.cases import validate_case
from bot.handoff.store import Actor, BadRequest, Conflict, NotFound, hash_token
from bot.handoff.webhooks import WebhookConfig
from tests.unit.handoff.cases import escalation

UTC = dt.timezone.utc


class Clock:
    def __init__(self, start: dt.datetime):
        self.moment = start

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def clock():
    # A Tuesday, 10:00 in New York: inside business hours.
    return Clock(dt.datetime(2025, 6, 10, 14, 0, tzinfo=UTC))


@pytest.fixture
def queue(make_store, clock):
    return make_store(now=clock)


def advisor(store, name="Pat Advisor", token=None) -> Actor:
    row = store.add_advisor(name, token or f"token-{name}")
    return Actor("advisor", row["id"], row["name"])


def submit(store, **overrides):
    return store.submit(validate_case(escalation(**overrides)))


def test_submit_creates_then_updates_the_same_open_case(queue, clock):
    case, created = submit(queue, conversation_id="conv-1", risk={
        "level": "high", "score": 60, "escalate": True, "factors": [], "unknown": []})
    assert created and case["status"] == "pending" and case["priority"] == "high"
    assert case["first_response_due"] == clock() + dt.timedelta(hours=1)
    clock.advance(minutes=5)
    again, created = submit(queue, conversation_id="conv-1", summary="Now a bank levy too.")
    assert not created and again["id"] == case["id"]
    assert again["escalations"] == 2 and again["summary"] == "Now a bank levy too."
    # urgent now: the due time moves earlier, counted from the original wait
    assert again["priority"] == "urgent"
    assert again["first_response_due"] == case["waiting_since"] + dt.timedelta(minutes=15)
    rows, total = queue.list_cases()
    assert total == 1


def test_priority_never_drops_on_reescalation(queue):
    submit(queue, conversation_id="conv-2")  # urgent
    again, _ = submit(queue, conversation_id="conv-2", risk={
        "level": "low", "score": 5, "escalate": False, "factors": [], "unknown": []})
    assert again["priority"] == "urgent" and again["risk"]["level"] == "low"


def test_a_resolved_conversation_gets_a_new_case(queue):
    pat = advisor(queue)
    first, _ = submit(queue, conversation_id="conv-3")
    queue.resolve(first["id"], pat)
    second, created = submit(queue, conversation_id="conv-3")
    assert created and second["id"] != first["id"]


def test_queue_order_priority_then_deadline_then_waiting(queue, clock):
    def risk(level):
        return {"level": level, "score": 1, "escalate": True, "factors": [], "unknown": []}

    submit(queue, conversation_id="low", risk=risk("low"), cdp_deadline="2025-06-11")
    clock.advance(minutes=1)
    submit(queue, conversation_id="high-no-deadline", risk=risk("high"), cdp_deadline=None)
    clock.advance(minutes=1)
    submit(queue, conversation_id="high-late", risk=risk("high"), cdp_deadline="2025-07-01")
    clock.advance(minutes=1)
    submit(queue, conversation_id="high-soon", risk=risk("high"), cdp_deadline="2025-06-12")
    clock.advance(minutes=1)
    submit(queue, conversation_id="high-soon-later", risk=risk("high"), cdp_deadline="2025-06-12")
    clock.advance(minutes=1)
    submit(queue, conversation_id="urgent", risk=risk("urgent"), cdp_deadline="2025-08-01")
    rows, total = queue.list_cases()
    assert [r["conversation_id"] for r in rows] == [
        "urgent", "high-soon", "high-soon-later", "high-late", "high-no-deadline", "low"]
    assert total == 6


def test_sla_breached_flag(queue, clock):
    pat = advisor(queue)
    late, _ = submit(queue, conversation_id="late")  # urgent: 15 minutes
    answered, _ = submit(queue, conversation_id="answered")
    queue.claim(answered["id"], pat)
    clock.advance(minutes=10)
    queue.record_reply(answered["id"], pat, "Hello, I'm Pat.")
    clock.advance(minutes=6)
    rows = {r["conversation_id"]: r for r in queue.list_cases()[0]}
    assert rows["late"]["sla_breached"] is True and rows["late"]["sla"]["state"] == "breached"
    assert rows["answered"]["sla_breached"] is False and rows["answered"]["sla"]["state"] == "met"
    assert rows["answered"]["first_reply_created_at"] == clock() - dt.timedelta(minutes=6)


def test_claim_is_exclusive(queue):
    pat, sam = advisor(queue, "Pat"), advisor(queue, "Sam")
    case, _ = submit(queue)
    claimed = queue.claim(case["id"], pat)
    assert claimed["status"] == "open" and claimed["assignee"]["name"] == "Pat"
    with pytest.raises(Conflict, match="Pat already claimed"):
        queue.claim(case["id"], sam)
    with pytest.raises(Conflict, match="you already hold"):
        queue.claim(case["id"], pat)
    with pytest.raises(NotFound):
        queue.claim(99999, pat)


def test_twenty_threads_claiming_directly_in_the_database(queue):
    advisors = [advisor(queue, f"Advisor {n}") for n in range(20)]
    case, _ = submit(queue)
    barrier = threading.Barrier(20)
    outcomes = []

    def claim(actor):
        barrier.wait()
        try:
            queue.claim(case["id"], actor)
            outcomes.append(("won", actor.id))
        except Conflict:
            outcomes.append(("conflict", actor.id))

    threads = [threading.Thread(target=claim, args=(a,)) for a in advisors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o[0] == "won"]
    assert len(winners) == 1 and len(outcomes) == 20
    assert queue.get_case(case["id"])["assignee"]["id"] == winners[0][1]


def test_simultaneous_escalations_of_one_conversation_make_one_case(queue):
    barrier = threading.Barrier(10)
    results = []

    def escalate():
        barrier.wait()
        results.append(submit(queue, conversation_id="same-conversation"))

    threads = [threading.Thread(target=escalate) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for _, created in results if created) == 1
    rows, total = queue.list_cases()
    assert total == 1 and rows[0]["escalations"] == 10


def test_a_failure_inside_a_transaction_writes_nothing(queue):
    """A real database error after the claim's UPDATE: the claim, its message and audit roll back."""
    pat = advisor(queue)
    case, _ = submit(queue)
    with queue.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER fail_claim BEFORE INSERT ON handoff_audit WHEN NEW.action = 'claimed' "
                              "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"))
        else:
            conn.execute(text("CREATE FUNCTION fail_claim() RETURNS trigger AS $$ BEGIN "
                              "IF NEW.action = 'claimed' THEN RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; "
                              "END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER fail_claim BEFORE INSERT ON handoff_audit "
                              "FOR EACH ROW EXECUTE FUNCTION fail_claim()"))
    before = queue.get_case(case["id"])
    with pytest.raises(Exception, match="disk trouble"):
        queue.claim(case["id"], pat)
    after = queue.get_case(case["id"])
    assert after["status"] == "pending" and after["assignee"] is None
    assert after["messages"] == before["messages"] and after["audit"] == before["audit"]


def test_every_change_is_audited_with_who_and_when(queue, clock):
    pat, sam = advisor(queue, "Pat"), advisor(queue, "Sam")
    case, _ = submit(queue)
    queue.claim(case["id"], pat)
    queue.add_note(case["id"], pat, "Called the bank.")
    queue.snooze(case["id"], pat, clock() + dt.timedelta(hours=1))
    queue.reassign(case["id"], pat, sam.id)
    queue.resolve(case["id"], sam, "Levy released.")
    detail = queue.get_case(case["id"])
    trail = [(a["action"], a["actor_name"]) for a in detail["audit"]]
    assert trail == [("created", "assistant"), ("claimed", "Pat"), ("note_added", "Pat"), ("snoozed", "Pat"),
                     ("reassigned", "Pat"), ("resolved", "Sam")]
    assert all(a["created_at"] == clock() for a in detail["audit"])
    notes = [m["content"] for m in detail["messages"] if m["private"]]
    assert notes == ["Called the bank.", "Levy released."]
    assert detail["status"] == "resolved" and detail["resolved_at"] == clock()


def test_only_the_holder_replies_snoozes_or_resolves(queue, clock):
    pat, sam = advisor(queue, "Pat"), advisor(queue, "Sam")
    case, _ = submit(queue)
    with pytest.raises(Conflict, match="claim the case"):
        queue.check_can_reply(case["id"], pat)
    queue.claim(case["id"], pat)
    with pytest.raises(Conflict, match="Pat holds this case"):
        queue.check_can_reply(case["id"], sam)
    with pytest.raises(Conflict, match="Pat holds this case"):
        queue.snooze(case["id"], sam, clock() + dt.timedelta(hours=1))
    with pytest.raises(Conflict, match="reassign it before resolving"):
        queue.resolve(case["id"], sam)
    with pytest.raises(BadRequest, match="in the future"):
        queue.snooze(case["id"], pat, clock() - dt.timedelta(minutes=1))
    with pytest.raises(BadRequest, match="no active advisor"):
        queue.reassign(case["id"], pat, 4242)


def test_snoozed_cases_wake_up_open(queue, clock):
    pat = advisor(queue)
    case, _ = submit(queue)
    queue.claim(case["id"], pat)
    queue.snooze(case["id"], pat, clock() + dt.timedelta(minutes=30))
    assert queue.list_cases(["snoozed"])[1] == 1
    clock.advance(minutes=31)
    rows, _ = queue.list_cases()
    assert rows[0]["status"] == "open" and rows[0]["snoozed_until"] is None
    assert rows[0]["assignee"]["name"] == "Pat Advisor"
    assert queue.get_case(case["id"])["audit"][-1]["action"] == "unsnoozed"


def test_reescalation_wakes_a_snoozed_case(queue, clock):
    pat = advisor(queue)
    case, _ = submit(queue, conversation_id="snoozy")
    queue.claim(case["id"], pat)
    queue.snooze(case["id"], pat, clock() + dt.timedelta(hours=3))
    again, created = submit(queue, conversation_id="snoozy")
    assert not created and again["status"] == "open"


def test_an_outbox_delivery_keeps_the_original_waiting_time(queue, clock):
    escalated = clock() - dt.timedelta(minutes=40)
    case, _ = submit(queue, escalated_at=escalated.isoformat())
    assert case["waiting_since"] == escalated
    assert case["sla_breached"]  # urgent: 15 minutes from when the taxpayer escalated
    future, _ = submit(queue, conversation_id="clock-skew", escalated_at=(clock() + dt.timedelta(hours=2)).isoformat())
    assert future["waiting_since"] == clock()


def test_advisor_tokens_are_stored_hashed(queue):
    token = "a-very-secret-advisor-token"
    queue.add_advisor("Pat", token)
    with queue.engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(select(schema.advisors))]
    assert token not in repr(stored) and hash_token(token) in repr(stored)
    assert queue.advisor_for_token(token)["name"] == "Pat"
    assert queue.advisor_for_token("wrong") is None


def test_the_dev_advisor_follows_the_env_token(queue):
    first = queue.ensure_env_advisor("token-one")
    assert queue.ensure_env_advisor("token-one")["id"] == first["id"]
    rotated = queue.ensure_env_advisor("token-two")  # .env regenerated
    assert rotated["id"] == first["id"]
    assert queue.advisor_for_token("token-one") is None
    assert queue.advisor_for_token("token-two")["name"] == "Dev Advisor"
    queue.set_advisor_active(first["id"], False)
    assert queue.advisor_for_token("token-two") is None


def test_webhook_rows_are_written_with_the_change(make_store, clock):
    store = make_store(WebhookConfig(urls=("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"), secret="s"), now=clock)
    pat = advisor(store)
    case, _ = submit(store)
    store.claim(case["id"], pat)
    store.add_note(case["id"], pat, "note")
    events = [(d["event"], d["url"][-1]) for d in store.webhook_deliveries()]
    assert events == [("conversation_created", "a"), ("conversation_created", "b"),
                      ("conversation_status_changed", "a"), ("conversation_status_changed", "b"),
                      ("message_created", "a"), ("message_created", "b")]
    assert all(d["status"] == "pending" for d in store.webhook_deliveries())


def test_the_schema_version_is_recorded_and_migration_is_idempotent(queue):
    assert queue.migrate() == schema.LATEST
    with queue.engine.connect() as conn:
        assert conn.execute(select(schema.schema_version.c.version)).scalars().all() == [schema.LATEST]
