"""action_calculate_deadline: the right response and values for every situation."""
import datetime as dt

import pytest

from actions.deadline import ActionCalculateDeadline, roll_note
from bot.deadlines import cdp_report
from tests.actions.conftest import make_tracker, responses, run_action, slot_events


async def calculate(domain, **slots):
    return await run_action(ActionCalculateDeadline(), make_tracker(slots), domain)


async def test_open_deadline_with_holiday_roll(domain):
    messages, events = await run_action(
        ActionCalculateDeadline(), make_tracker({"notice_code": "LT11", "notice_date": "2026-11-25"}, channel="socketio"), domain)
    first = messages[0]
    assert first["response"] == "utter_deadline_open"
    assert first["weekday"] == "Monday" and first["last_day"] == "December 28, 2026"
    assert first["days_left"] == 31
    assert first["notice_date_text"] == "Wednesday, November 25, 2026" and first["notice_label"] == "LT11"
    assert first["days_text"] == "31 days from today"
    assert "Christmas Day, a legal holiday in the District of Columbia" in first["roll_note"]
    card = next(m["custom"] for m in messages if m.get("custom"))
    assert card == {
        "type": "deadline_card", "kind": "cdp", "title": "Last day to request a Collection Due Process hearing",
        "notice": "LT11", "notice_date": "2026-11-25", "as_of": "2026-11-27",
        "last_day": "2026-12-28", "weekday": "Monday", "days_left": 31, "status": "open",
        "equivalent_hearing_last_day": "2027-11-26",
    }
    assert slot_events(events)["cdp_deadline"] == "2026-12-28"
    assert slot_events(events)["days_left"] == 31
    assert "utter_disclaimer" in responses(messages)


async def test_disclaimer_only_once(domain):
    messages, events = await calculate(domain, notice_code="LT11", notice_date="2026-11-25", disclaimer_shown=True)
    assert "utter_disclaimer" not in responses(messages)
    assert "disclaimer_shown" not in slot_events(events)


@pytest.mark.parametrize(
    "notice_date, response",
    [
        ("2026-10-30", "utter_deadline_near"),  # Mon Nov 30, 3 days
        ("2026-10-28", "utter_deadline_today"),  # Fri Nov 27 is day 30
        ("2026-09-01", "utter_deadline_passed_equivalent_open"),
        ("2025-09-01", "utter_deadline_passed_equivalent_closed"),
    ],
)
async def test_status_responses(domain, notice_date, response):
    messages, _ = await calculate(domain, notice_code="L1058", notice_date=notice_date)
    assert messages[0]["response"] == response


@pytest.mark.parametrize(
    "today, notice_date, response, days_text",
    [
        ("2026-11-26", "2026-10-28", "utter_deadline_imminent", "tomorrow"),  # last day Fri Nov 27
        ("2026-11-25", "2026-10-28", "utter_deadline_imminent", "2 days from today"),
        ("2026-11-24", "2026-10-28", "utter_deadline_near", "3 days from today"),
        ("2026-11-27", "2025-12-01", "utter_deadline_passed_equivalent_closing", "4 days from today"),
    ],
)
async def test_the_last_days_say_what_to_do(domain, monkeypatch, today, notice_date, response, days_text):
    monkeypatch.setenv("INTAKE_TODAY", today)
    messages, _ = await calculate(domain, notice_code="LT11", notice_date=notice_date)
    assert messages[0]["response"] == response
    key = "equivalent_days_text" if "equivalent" in response else "days_text"
    assert messages[0][key] == days_text


async def test_a_passed_deadline_of_an_unknown_notice_asks_to_check_the_code(domain):
    messages, _ = await calculate(domain, notice_code="unknown", notice_date="2026-09-01")
    assert responses(messages)[:2] == ["utter_deadline_passed_equivalent_open", "utter_deadline_check_code"]
    assert messages[0]["notice_label"] == "notice"


async def test_passed_names_the_equivalent_hearing_day(domain):
    messages, events = await calculate(domain, notice_code="LT11", notice_date="2026-09-01")
    assert messages[0]["last_day"] == "October 1, 2026"
    assert messages[0]["equivalent_last_day"] == "September 1, 2027"
    assert slot_events(events)["days_left"] == -57


async def test_printed_reply_by_date_that_differs(domain):
    messages, events = await calculate(domain, notice_code="LT11", notice_date="2026-11-25", reply_by_date="2026-12-24")
    assert messages[0]["last_day"] == "December 24, 2026"  # the earlier date wins
    differs = next(m for m in messages if m.get("response") == "utter_deadline_dates_differ")
    assert differs["printed_date"] == "December 24, 2026"
    assert differs["computed_date"] == "December 28, 2026"
    assert slot_events(events)["cdp_deadline"] == "2026-12-24"


async def test_cp504_has_no_hearing_deadline(domain):
    messages, events = await calculate(domain, notice_code="CP504", notice_date="2026-11-01")
    assert messages[0]["response"] == "utter_deadline_no_cdp"
    assert "LT11" in messages[1]["text"]  # what comes next, from the catalog
    assert "cdp_deadline" not in slot_events(events)


async def test_post_levy_notice_uses_the_printed_date(domain):
    messages, _ = await calculate(domain, notice_code="CP92", notice_date="2026-11-01")
    assert messages[0]["response"] == "utter_deadline_post_levy"


async def test_lien_letter(domain):
    messages, _ = await calculate(domain, notice_code="L3172", notice_date="2026-11-02")
    assert messages[0]["response"] == "utter_deadline_lien"
    assert messages[0]["last_day"] == "December 2, 2026"


async def test_unknown_notice_code_gets_a_hedged_deadline(domain):
    messages, _ = await calculate(domain, notice_code="unknown", notice_date="2026-11-10")
    assert messages[0]["response"] == "utter_deadline_unknown_notice"


async def test_foreign_code_is_not_guessed(domain):
    messages, events = await calculate(domain, notice_code="CP2000", notice_date="2026-11-10")
    assert messages[0]["response"] == "utter_notice_unknown_code"
    assert messages[0]["code"] == "CP2000"
    assert not any(m.get("custom") for m in messages)


async def test_no_date_explains_where_to_find_it(domain):
    messages, events = await calculate(domain, notice_code="LT11", notice_date="skipped")
    assert messages[0]["response"] == "utter_deadline_no_date"
    assert slot_events(events)["cdp_deadline"] is None


async def test_arrival_date_gives_the_latest_possible_day(domain):
    messages, _ = await calculate(domain, notice_code="LT11", received_date="2026-11-20")
    assert messages[0]["response"] == "utter_deadline_no_date_latest"
    assert messages[0]["last_day"] == "December 21, 2026"


async def test_a_future_date_is_answered_not_crashed(domain):
    messages, events = await calculate(domain, notice_code="LT11", notice_date="2027-01-05")
    assert "in the future" in messages[0]["text"]
    assert slot_events(events)["notice_date"] is None


def test_roll_note_is_empty_without_a_roll():
    report = cdp_report(dt.date(2026, 11, 10), dt.date(2026, 11, 27))
    assert roll_note(report) == ""
    rolled = cdp_report(dt.date(2026, 10, 30), dt.date(2026, 11, 27))  # day 30: Sunday Nov 29
    assert "falls on Sunday, November 29, a weekend" in roll_note(rolled)


@pytest.mark.parametrize("channel", ["rest", "sms"])
async def test_no_card_where_it_would_be_a_blank_message(domain, channel):
    """The card is the widget's; REST and SMS would show an empty message."""
    tracker = make_tracker({"notice_code": "LT11", "notice_date": "2026-11-25"}, channel=channel)
    messages, _ = await run_action(ActionCalculateDeadline(), tracker, domain)
    assert messages and not any(m.get("custom") for m in messages)
    assert all(m.get("response") or m.get("text") for m in messages)


async def test_the_card_names_the_notice_as_the_taxpayer_knows_it(domain):
    messages, _ = await run_action(
        ActionCalculateDeadline(), make_tracker({"notice_code": "L1058", "notice_date": "2026-10-30"}, channel="socketio"), domain)
    card = next(m["custom"] for m in messages if m.get("custom"))
    assert card["notice"] == "Letter 1058" and card["notice_date"] == "2026-10-30" and card["as_of"] == "2026-11-27"
    assert messages[0]["notice_label"] == "Letter 1058"


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_roll_notes_never_name_a_day_twice(year):
    # "Sunday, November 29, is a Sunday" must not come back: each day of the year as a notice date.
    import re

    day = dt.date(year, 1, 1)
    while day.year == year:
        report = cdp_report(day, today=day)
        note = roll_note(report)
        for weekday in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
            assert len(re.findall(weekday, note)) <= 1, note
        assert "(s)" not in note
        day += dt.timedelta(days=1)
