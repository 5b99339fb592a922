"""Rules of issue 14 without servers: who sent a bot message, the hub's subscribers, CSV cells,
the conversation event's fields, the away answer's wording."""
import asyncio
import datetime as dt

import pytest

from bot import firm as firms
from bot.handoff import live
from bot.handoff.conversation_events import parse_event
from bot.handoff.rasa_api import transcript_from_events
from bot.handoff.service import AWAY_AGAIN, away_answer, opt_activity
from bot.handoff.store import BadRequest
from bot.web.export import opted_out_at, safe_cell

NOW = dt.datetime(2026, 12, 4, 15, 4, tzinfo=dt.timezone.utc)  # a Friday, 10:04 am ET


def bot_event(metadata=None, custom=None, text="hi"):
    event = {"event": "bot", "text": text, "metadata": metadata or {}, "timestamp": NOW.timestamp()}
    if custom is not None:
        event["data"] = {"custom": custom}
    return event


@pytest.mark.parametrize("event, sender", [
    (bot_event({"from": "advisor", "handoff": {"case_id": 1, "advisor": "Dana Reyes"}}),
     {"type": "advisor", "name": "Dana Reyes"}),
    (bot_event({"from": "assistant", "handoff": {"case_id": 1, "advisor": "Dana Reyes"}}), {"type": "bot"}),
    (bot_event({"from": "assistant", "handoff": {"case_id": 1, "advisor": "Dana Reyes"}, "away": True}),
     {"type": "bot"}),
    # Events stored before "from" existed: the advisor's only with a name and no custom payload.
    (bot_event({"handoff": {"case_id": 1, "advisor": "Dana Reyes"}}), {"type": "advisor", "name": "Dana Reyes"}),
    (bot_event({"handoff": {"case_id": 1, "advisor": "Dana Reyes"}}, custom={"type": "handoff", "state": "left"}),
     {"type": "bot"}),
    (bot_event({}), {"type": "bot"}),
    (bot_event({"handoff": "nonsense"}), {"type": "bot"}),
    (bot_event("not a dict"), {"type": "bot"}),
])
def test_the_transcript_labels_by_who_really_sent_it(event, sender):
    assert transcript_from_events([event])[0]["sender"] == sender


def test_the_hub_counts_open_streams_per_advisor_and_drops_closed_ones():
    async def scenario():
        hub = live.LiveHub()
        hub.bind(asyncio.get_running_loop())
        one, two = hub.subscribe(7), hub.subscribe(7)
        assert hub.is_live(7) and not hub.is_live(8) and not hub.is_live(None)
        hub.publish([("case_updated", {"case_id": 1}), ("not_an_event", {})])
        assert one.queue.get_nowait() == ("case_updated", {"case_id": 1}) and one.queue.empty()
        hub.unsubscribe(one)
        assert hub.is_live(7)  # the other tab is still open
        hub.unsubscribe(two)
        assert not hub.is_live(7) and hub.count() == 0
        three = hub.subscribe(9)
        hub.close_all()
        assert three.queue.get_nowait() is live.CLOSED and not hub.is_live(9)

    asyncio.run(scenario())


def test_a_stream_that_cannot_keep_up_is_closed_not_buffered_forever():
    async def scenario():
        hub = live.LiveHub()
        hub.bind(asyncio.get_running_loop())
        stalled = hub.subscribe(1)
        hub.publish([("presence", {"case_id": n, "online": True}) for n in range(live.MAX_BACKLOG + 5)])
        assert not hub.is_live(1)
        items = [stalled.queue.get_nowait() for _ in range(stalled.queue.qsize())]
        assert items[-1] is live.CLOSED and len(items) == live.MAX_BACKLOG + 1

    asyncio.run(scenario())


def test_publishing_from_a_thread_reaches_the_loop():
    async def scenario():
        hub = live.LiveHub()
        hub.bind(asyncio.get_running_loop())
        sub = hub.subscribe(1)
        await asyncio.get_running_loop().run_in_executor(None, hub.publish, [("case_created", {"case_id": 5})])
        return await asyncio.wait_for(sub.queue.get(), 2)

    assert asyncio.run(scenario()) == ("case_created", {"case_id": 5})


def test_previews_are_one_line_of_at_most_80_characters():
    assert live.preview("hello\n  there") == "hello there"
    assert len(live.preview("x" * 500)) == 80 and live.preview(None) == ""


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1 555 010 4477", "'+1 555 010 4477"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Dana", "Dana"), (None, ""), (3, "3"), (-3, "'-3"), (True, "true"),
    (dt.date(2025, 6, 2), "2025-06-02"),
])
def test_csv_cells_cannot_start_a_formula(value, cell):
    assert safe_cell(value) == cell


def test_the_csv_opt_out_is_the_one_still_standing():
    out, back = NOW, NOW + dt.timedelta(hours=1)
    assert opted_out_at({"taxpayer": {"opted_out_at": out, "opted_in_at": None}}) == out
    assert opted_out_at({"taxpayer": {"opted_out_at": out, "opted_in_at": back}}) is None
    assert opted_out_at({"taxpayer": {"opted_out_at": back, "opted_in_at": out}}) == back


def test_event_parsing():
    event = parse_event({"conversation_id": "+15550104477", "channel": "sms", "type": "opted_out"}, NOW)
    assert event.at == NOW and event.text is None
    event = parse_event({"conversation_id": "c", "channel": "socketio", "type": "unanswered", "text": "hi",
                         "at": "2026-12-04T10:00:00-05:00"}, NOW)
    assert event.at == dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.timezone.utc)
    # A little clock skew between the channel and the queue is fine; more is a bug.
    parse_event({"conversation_id": "c", "channel": "sms", "type": "online",
                 "at": (NOW + dt.timedelta(seconds=30)).isoformat()}, NOW)
    with pytest.raises(BadRequest, match="future"):
        parse_event({"conversation_id": "c", "channel": "sms", "type": "online",
                     "at": (NOW + dt.timedelta(minutes=5)).isoformat()}, NOW)


def case(**overrides):
    body = {"id": 4, "assignee": {"id": 2, "name": "Dana Reyes"}, "priority": "urgent",
            "first_response_due": NOW + dt.timedelta(minutes=15), "first_reply_created_at": None}
    body.update(overrides)
    return body


def test_the_away_answer_names_the_holder_the_time_and_the_firm():
    firm = firms.current()
    text = away_answer(case(), NOW, repeat=False)
    assert text.startswith(f"Your message is saved with your case. Dana Reyes from {firm.name} is handling")
    assert "They'll contact you within about 15 minutes." in text or f" {firm.zone_label} " in text
    assert text.endswith(f"call {firm.name} at {firm.phone} ({firm.hours_text}).")
    later = away_answer(case(first_response_due=NOW + dt.timedelta(days=2)), NOW, repeat=False)
    assert f" {firm.zone_label} " in later  # a clock time says its zone
    replied = away_answer(case(first_reply_created_at=NOW), NOW, repeat=False)
    assert "They'll answer here when they're back." in replied
    assert replied.count(firm.hours_text) == 1  # the hours once, with the phone
    assert away_answer(case(), NOW, repeat=True) == AWAY_AGAIN.format(first="Dana")


def test_the_stop_activity_says_the_time_in_the_firms_zone():
    firm = firms.current()
    words = opt_activity(True, NOW, NOW)
    local = NOW.astimezone(firm.zone)
    assert words == (f"The taxpayer texted STOP at {firms.clock_words(local.time())} {firm.zone_label}: "
                     "texts to them are blocked.")
    assert " on " in opt_activity(False, NOW - dt.timedelta(days=1), NOW)


def test_a_closed_office_is_not_offered_as_if_someone_would_answer():
    open_now = away_answer(case(), NOW, repeat=False)  # Friday 10:04 am ET
    assert "If you'd rather not wait, call" in open_now
    saturday = NOW + dt.timedelta(days=1)
    closed = away_answer(case(first_response_due=saturday + dt.timedelta(days=2)), saturday, repeat=False)
    assert "The office is closed right now; you can call" in closed and "rather not wait" not in closed
    night = NOW.replace(hour=3)  # 10 pm ET on Thursday
    assert "closed right now" in away_answer(case(first_response_due=NOW), night, repeat=False)


@pytest.mark.parametrize("env, words", [
    ({"FIRM_PHONE": "call us"}, "FIRM_PHONE"), ({"FIRM_HOURS": "whenever"}, "FIRM_HOURS"),
    ({"FIRM_TIMEZONE": "Mars/Olympus"}, "FIRM_TIMEZONE"),
])
def test_the_web_service_refuses_to_start_with_firm_details_it_cannot_read(env, words):
    from bot.handoff.config import QueueSettings, SettingsError

    with pytest.raises(SettingsError, match=words):
        QueueSettings.from_env({"RASA_URL": "off", "HANDOFF_DB_URL": "sqlite://", **env})
