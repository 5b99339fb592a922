"""Deletion and retention against the real stores: the stack's PostgreSQL tracker store (Rasa's
own SQL tracker store), the queue in the same database, the SMS channel's SQLite file and the
escalation outbox; the retention purge from the command line and from the web service."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.handoff import schema as queue
from bot.handoff.cases import validate_case
from bot.handoff.db import make_engine
from bot.handoff.outbox import Outbox
from bot.handoff.sla import SlaPolicy
from bot.handoff.store import Store
from bot.handoff.webhooks import WebhookConfig
from bot.privacy.eraser import erase_queue_rows
from bot.privacy.settings import conversation_hash
from tests.integration.handoff.support import ROOT, WebServer, create_pg_database, drop_pg_database, pg_url
from tests.integration.security.conftest import new_phone
from tests.unit.handoff.cases import escalation

pytestmark = pytest.mark.stack


def hash_of(stack, conversation_id: str) -> str:
    key = (Path(stack.env["STATE_DIR"]) / "privacy-hash.key").read_text().strip().encode()
    return conversation_hash(conversation_id, key)


def escalate(stack, conversation_id: str, channel: str = "rest") -> int:
    response = stack.queue("POST", "/api/handoffs", stack.env["SERVICE_TOKEN"],
                           escalation(conversation_id=conversation_id, channel=channel))
    assert response.status_code == 201, response.text
    case_id = response.json()["id"]
    assert stack.queue("POST", f"/api/handoffs/{case_id}/notes", stack.env["ADVISOR_TOKEN"],
                       {"content": "Spoke with the bank"}).status_code == 201
    return case_id


def case_rows(stack, case_id: int) -> tuple:
    return (stack.sql("SELECT count(*) FROM handoff_cases WHERE id = %s", case_id)[0][0],
            stack.sql("SELECT count(*) FROM handoff_messages WHERE case_id = %s", case_id)[0][0],
            stack.sql("SELECT count(*) FROM handoff_audit WHERE case_id = %s", case_id)[0][0])


def counts_by_sender(stack) -> dict:
    return dict(stack.sql("SELECT sender_id, count(*) FROM events GROUP BY sender_id"))


def test_an_advisor_deletes_a_conversation_everywhere_and_only_the_fact_is_kept(security_stack):
    stack = security_stack
    sender = f"erase-{uuid.uuid4().hex[:8]}"
    bystander = f"keep-{uuid.uuid4().hex[:8]}"
    for who in (sender, bystander):
        stack.rest(who, "I got an LT11 dated November 10 2026")
    case_id = escalate(stack, sender)
    kept_case = escalate(stack, bystander)
    outbox = Outbox.from_env(stack.env)
    pending = outbox.put(escalation(conversation_id=sender), "the queue was down")
    other_pending = outbox.put(escalation(conversation_id=bystander), "the queue was down")
    before = counts_by_sender(stack)
    kept_rows = case_rows(stack, kept_case)
    assert before[sender] > 0 and all(case_rows(stack, case_id)) and all(kept_rows)

    response = stack.queue("POST", "/api/privacy/deletions", stack.env["ADVISOR_TOKEN"], {"conversation_id": sender})
    assert response.status_code == 200, response.text
    deleted = response.json()["deleted"]
    assert deleted["tracker_events"] >= before[sender] and deleted["cases"] == 1 and deleted["outbox_files"] == 1
    assert deleted["complete"] and deleted["problems"] == []
    assert deleted["conversation_hash"] == hash_of(stack, sender)

    after = counts_by_sender(stack)
    assert sender not in after
    assert {k: v for k, v in after.items() if k != sender} == {k: v for k, v in before.items() if k != sender}
    assert case_rows(stack, case_id) == (0, 0, 0) and case_rows(stack, kept_case) == kept_rows
    assert not pending.exists() and other_pending.exists()
    other_pending.unlink()

    listed = stack.queue("GET", "/api/privacy/deletions", stack.env["ADVISOR_TOKEN"], conversation_id=sender).json()
    assert [(d["requested_by"], d["actor_name"], d["cases"], d["complete"]) for d in listed["deletions"]] == [
        ("advisor", "Dev Advisor", 1, True)]
    record = stack.sql("SELECT * FROM privacy_deletions WHERE conversation_hash = %s", hash_of(stack, sender))
    assert len(record) == 1 and sender not in json.dumps(record, default=str)

    # Rasa answers about the conversation as about a new one.
    events = stack.tracker(sender)["events"]
    assert not [e for e in events if e["event"] in ("user", "bot")]


def test_an_sms_conversation_is_deleted_by_case_with_its_menu_and_the_opt_out_list_stays(security_stack):
    stack = security_stack
    phone = new_phone()
    stack.sms(phone, "hello")
    stack.wait_stored_user_texts(phone, 1)
    sms_db = sa.create_engine(f"sqlite:///{Path(stack.env['STATE_DIR']) / 'sms.sqlite3'}")
    with sms_db.begin() as conn:  # a menu as the channel leaves it after a reply with buttons
        conn.execute(sa.text("DELETE FROM sms_menus WHERE phone = :p"), {"p": phone})
        conn.execute(sa.text("INSERT INTO sms_menus (phone, options, sent_at) VALUES (:p, '[[\"Yes\", \"Yes\"]]', :t)"),
                     {"p": phone, "t": dt.datetime.now(dt.timezone.utc)})
        conn.execute(sa.text("INSERT INTO sms_opt_outs (phone, opted_out_at, source) VALUES (:p, :t, 'keyword')"),
                     {"p": phone, "t": dt.datetime.now(dt.timezone.utc)})
    case_id = escalate(stack, phone, channel="sms")
    # What the SMS channel reports of a STOP: the queue keeps it with the conversation (issue 14).
    reported = stack.queue("POST", "/api/conversation-events", stack.env["SERVICE_TOKEN"],
                           {"conversation_id": phone, "channel": "sms", "type": "opted_out"})
    assert reported.status_code == 200, reported.text
    assert stack.sql("SELECT count(*) FROM handoff_conversations WHERE conversation_id = %s", phone)[0][0] == 1
    response = stack.queue("POST", "/api/privacy/deletions", stack.env["ADVISOR_TOKEN"], {"case_id": case_id})
    assert response.status_code == 200, response.text
    assert response.json()["deleted"]["sms_menus"] == 1 and response.json()["deleted"]["cases"] == 1
    assert stack.stored_events(phone) == []
    assert stack.sql("SELECT count(*) FROM handoff_conversations WHERE conversation_id = %s", phone)[0][0] == 0
    with sms_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sms_menus WHERE phone = :p"), {"p": phone}).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM sms_opt_outs WHERE phone = :p"), {"p": phone}).scalar() == 1
    sms_db.dispose()


@pytest.mark.parametrize("body, status, error", [
    ({}, 400, "conversation_id must be a non-empty string"),
    ({"conversation_id": ""}, 400, "conversation_id must be a non-empty string"),
    ({"conversation_id": "x" * 300}, 400, "at most 255 characters"),
    ({"case_id": "seven"}, 400, "case_id must be an integer"),
    ({"case_id": 999999}, 404, "no case 999999"),
])
def test_bad_deletion_requests_are_refused_clearly(security_stack, body, status, error):
    response = security_stack.queue("POST", "/api/privacy/deletions", security_stack.env["ADVISOR_TOKEN"], body)
    assert response.status_code == status and error in response.json()["error"]


def test_only_an_advisor_or_the_service_may_ask(security_stack):
    stack = security_stack
    sender = f"guarded-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, "hello")
    for token in (None, "wrong", stack.env["RASA_TOKEN"]):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.post(f"{stack.web_url}/api/privacy/deletions", json={"conversation_id": sender},
                                 headers=headers, timeout=30)
        assert response.status_code == 401
    assert stack.stored_user_texts(sender) == ["hello"]


def test_the_service_token_alone_deletes_nothing_without_the_taxpayers_yes(security_stack):
    """The service path is for the chat's own confirmation: Rasa's tracker must show it."""
    stack = security_stack
    sender = f"service-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, "I got an LT11")
    response = stack.queue("POST", "/api/privacy/deletions", stack.env["SERVICE_TOKEN"], {"conversation_id": sender})
    assert response.status_code == 202 and response.json() == {"status": "scheduled"}
    time.sleep(3)
    assert stack.stored_user_texts(sender) == ["I got an LT11"]
    assert stack.sql("SELECT count(*) FROM privacy_deletions WHERE conversation_hash = %s", hash_of(stack, sender)) == [(0,)]


def run_cli(stack, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot.privacy", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_retention_purge_erases_idle_conversations_and_keeps_the_rest(security_stack):
    stack = security_stack
    old, resolved, waiting = (f"{kind}-{uuid.uuid4().hex[:8]}" for kind in ("old", "resolved", "waiting"))
    for sender in (old, resolved, waiting):
        stack.rest(sender, "I got an LT11 dated November 10 2026")
    resolved_case = escalate(stack, resolved)
    advisor = stack.env["ADVISOR_TOKEN"]
    assert stack.queue("POST", f"/api/handoffs/{resolved_case}/resolve", advisor, {"note": "done"}).status_code == 200
    waiting_case = escalate(stack, waiting)  # unresolved: never purged
    time.sleep(1.5)
    between = dt.datetime.now(dt.timezone.utc)
    time.sleep(1.5)
    fresh = f"fresh-{uuid.uuid4().hex[:8]}"
    stack.rest(fresh, "I got an LT11 dated November 10 2026")
    # As if 30 days had passed since `between`: everything before it is idle, `fresh` is not.
    as_of = (between + dt.timedelta(days=30)).isoformat()

    dry = run_cli(stack, "purge", "--days", "30", "--as-of", as_of, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    assert stack.stored_user_texts(old)  # a dry run erases nothing

    purged = run_cli(stack, "purge", "--days", "30", "--as-of", as_of, "--json")
    assert purged.returncode == 0, purged.stderr
    report = json.loads(purged.stdout)
    assert report["conversations"] >= 2 and report["kept_open_cases"] >= 1
    assert stack.stored_events(old) == [] and stack.stored_events(resolved) == []
    assert case_rows(stack, resolved_case) == (0, 0, 0)
    assert stack.stored_user_texts(waiting) and case_rows(stack, waiting_case)[0] == 1
    assert stack.stored_user_texts(fresh) == ["I got an LT11 dated November 10 2026"]
    records = stack.sql("SELECT requested_by, complete FROM privacy_deletions WHERE conversation_hash IN (%s, %s)",
                        hash_of(stack, old), hash_of(stack, resolved))
    assert sorted(records) == [("retention", True), ("retention", True)]

    listed = run_cli(stack, "deletions", "--conversation-id", old)
    assert listed.returncode == 0 and json.loads(listed.stdout.splitlines()[0])["requested_by"] == "retention"


def test_deleting_from_the_command_line(security_stack):
    stack = security_stack
    sender = f"cli-{uuid.uuid4().hex[:8]}"
    stack.rest(sender, "hello")
    done = run_cli(stack, "delete", sender)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("erased: ") and hash_of(stack, sender) in done.stdout
    assert stack.stored_events(sender) == []
    assert run_cli(stack, "purge", "--days", "-1").returncode == 2


def test_erasing_a_case_takes_its_webhook_deliveries_and_no_one_elses(tmp_path):
    """Webhook rows carry the case (contact, summary): they go with it (real PostgreSQL)."""
    database = create_pg_database("security_webhooks")
    try:
        store = Store(make_engine(pg_url(database)), SlaPolicy.from_env({}),
                      WebhookConfig(urls=("http://127.0.0.1:9/hook",), secret="s"))
        store.migrate()
        store.submit(validate_case(escalation(conversation_id="+15550104477")))
        store.submit(validate_case(escalation(conversation_id="someone-else")))
        with store.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(queue.webhook_deliveries)).scalar()
        assert total >= 2
        with store.engine.begin() as conn:
            assert erase_queue_rows(conn, "+15550104477") == 1
        with store.engine.connect() as conn:
            payloads = [row[0] for row in conn.execute(sa.select(queue.webhook_deliveries.c.payload))]
        assert payloads and all("+15550104477" not in p for p in payloads)
        assert all(json.loads(p)["additional_attributes"]["conversation_id"] == "someone-else" for p in payloads)
        store.engine.dispose()
    finally:
        drop_pg_database(database)


def test_the_web_service_purges_on_its_own_schedule(tmp_path):
    """Rasa's own SQLTrackerStore writes a conversation; the web service, with a retention of a
    few seconds and a purge every few seconds, erases it and records the purge."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker_db = tmp_path / "rasa.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    tracker = DialogueStateTracker("idle-taxpayer", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("I got an LT11, ssn [ssn removed]"))
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.retrieve("idle-taxpayer")) is not None
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker_db}\n")
    server = WebServer({"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'queue.db'}", "STATE_DIR": str(tmp_path),
                        "SERVICE_TOKEN": "svc-purge-test", "ADVISOR_TOKEN": "adv-purge-test", "RASA_URL": "off",
                        "RASA_ENDPOINTS": str(endpoints), "PRIVACY_RETENTION_DAYS": str(2 / 86400),
                        "PRIVACY_PURGE_INTERVAL_HOURS": str(1 / 3600)}, tmp_path / "web.log").start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and asyncio.run(store.retrieve("idle-taxpayer")) is not None:
            time.sleep(0.5)
        assert asyncio.run(store.retrieve("idle-taxpayer")) is None
        listed = requests.get(f"{server.url}/api/privacy/deletions", params={"conversation_id": "idle-taxpayer"},
                              headers={"Authorization": "Bearer adv-purge-test"}, timeout=10).json()
        assert [d["requested_by"] for d in listed["deletions"]] == ["retention"]
        assert "retention purge erased 1 conversations" in server.log()
    finally:
        server.stop()
