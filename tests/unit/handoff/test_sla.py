import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.handoff import sla
from bot.handoff.sla import SlaConfigError, SlaPolicy

ET = ZoneInfo("America/New_York")
UTC = dt.timezone.utc


def et(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ET)


@pytest.fixture
def policy():
    return SlaPolicy.from_env({})


@pytest.mark.parametrize("priority, now, due", [
    # urgent 15 and high 60 business minutes by default: promises hold out of hours too.
    ("urgent", et(2025, 6, 10, 10, 0), et(2025, 6, 10, 10, 15)),
    ("urgent", et(2025, 6, 14, 2, 0), et(2025, 6, 16, 8, 15)),  # Saturday night -> Monday
    ("high", et(2025, 6, 10, 17, 30), et(2025, 6, 11, 8, 30)),  # half an hour today, half tomorrow
    # medium: 4 business hours; the firm opens 08:00-18:00 (FIRM_HOURS default), the clock stops
    # at 18:00 and over the weekend.
    ("medium", et(2025, 6, 10, 10, 0), et(2025, 6, 10, 14, 0)),
    ("medium", et(2025, 6, 10, 16, 37), et(2025, 6, 11, 10, 37)),
    ("medium", et(2025, 6, 13, 17, 0), et(2025, 6, 16, 11, 0)),  # Friday -> Monday
    ("medium", et(2025, 6, 14, 10, 0), et(2025, 6, 16, 12, 0)),  # Saturday -> Monday
    ("medium", et(2025, 6, 10, 7, 0), et(2025, 6, 10, 12, 0)),  # before opening
    ("medium", et(2025, 6, 10, 19, 0), et(2025, 6, 11, 12, 0)),  # after closing
    # low: by closing time of the next business day.
    ("low", et(2025, 6, 10, 10, 0), et(2025, 6, 11, 18, 0)),
    ("low", et(2025, 6, 13, 10, 0), et(2025, 6, 16, 18, 0)),
    ("low", et(2025, 7, 3, 10, 0), et(2025, 7, 7, 18, 0)),  # Friday July 4 is a DC legal holiday
])
def test_first_response_due_per_priority(policy, priority, now, due):
    assert policy.first_response_due(priority, now) == due.astimezone(UTC)


def test_business_hours_cross_the_change_to_daylight_time(policy):
    # Friday 7 March 2025, 17:00 EST; DST starts Sunday 9 March: Monday 11:00 is 15:00 UTC, not 16:00.
    due = policy.first_response_due("medium", et(2025, 3, 7, 17, 0))
    assert due == dt.datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


def test_naive_datetimes_are_utc(policy):
    naive = dt.datetime(2025, 6, 10, 14, 0)  # 10:00 EDT
    assert policy.first_response_due("medium", naive) == dt.datetime(2025, 6, 10, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("priority, now, words", [
    ("urgent", et(2025, 6, 10, 10, 0), "within about 15 minutes"),
    ("urgent", et(2025, 6, 14, 3, 0), "by 8:15 am ET Monday"),  # Saturday night: business time
    ("high", et(2025, 6, 14, 3, 0), "by 9 am ET Monday"),
    ("high", et(2025, 6, 10, 10, 0), "within about an hour"),
    ("medium", et(2025, 6, 10, 10, 0), "within about 4 hours"),
    ("medium", et(2025, 6, 10, 16, 37), "by 10:45 am ET tomorrow"),  # rounded up, never down
    ("medium", et(2025, 6, 13, 17, 0), "by 11 am ET Monday"),
    ("medium", et(2025, 6, 10, 7, 0), "by noon ET today"),
    ("low", et(2025, 6, 10, 9, 0), "by 6 pm ET tomorrow"),
    ("low", et(2025, 7, 3, 10, 0), "by 6 pm ET Monday"),
])
def test_promise_words(policy, priority, now, words):
    assert policy.promise_text(priority, now) == words


def test_promise_far_ahead_names_the_date():
    policy = SlaPolicy.from_env({"HANDOFF_SLA": "urgent=15m,high=1h,medium=4bh,low=7bd"})
    # 7 business days from Tuesday 10 June: Juneteenth (Thursday 19th) does not count.
    assert policy.promise_text("low", et(2025, 6, 10, 10, 0)) == "by 6 pm ET Friday, June 20"


def test_a_firm_with_advisors_on_call_promises_15_minutes_at_night():
    policy = SlaPolicy.from_env({"HANDOFF_SLA": "urgent=15m,high=1h,medium=4bh,low=1bd"})
    assert policy.promise_text("urgent", et(2025, 6, 14, 2, 0)) == "within about 15 minutes"
    assert policy.promise_text("urgent", et(2025, 6, 10, 11, 0)) == "within about 15 minutes"


def test_other_business_hours_and_zone():
    policy = SlaPolicy.from_env({"HANDOFF_BUSINESS_HOURS": "Mon-Sat 08:00-12:30", "HANDOFF_TIMEZONE": "America/Los_Angeles",
                                 "HANDOFF_HOLIDAYS": "none"})
    pacific = ZoneInfo("America/Los_Angeles")
    # Saturday is a business day here; 4 business hours from Sat 11:00 = 1.5 h Sat + 2.5 h Mon.
    due = policy.first_response_due("medium", dt.datetime(2025, 6, 14, 11, 0, tzinfo=pacific))
    assert due == dt.datetime(2025, 6, 16, 10, 30, tzinfo=pacific).astimezone(UTC)
    assert policy.promise_text("medium", dt.datetime(2025, 6, 14, 11, 0, tzinfo=pacific)) == "by 10:30 am PT Monday"


def test_due_text_for_a_known_due_time(policy):
    now = et(2025, 6, 10, 10, 0)
    assert policy.due_text(et(2025, 6, 10, 10, 10), now, 15) == "within about 15 minutes"
    assert policy.due_text(et(2025, 6, 10, 10, 10), now) == "by 10:15 am ET today"
    assert policy.due_text(et(2025, 6, 10, 9, 50), now) == "as soon as an advisor is free"


def test_module_functions_follow_the_environment(monkeypatch):
    monkeypatch.setenv("HANDOFF_SLA", "urgent=30m,high=1h,medium=4bh,low=1bd")
    assert sla.promise_text("urgent", et(2025, 6, 10, 10, 0)) == "within about 30 minutes"
    monkeypatch.delenv("HANDOFF_SLA")
    assert sla.promise_text("urgent", et(2025, 6, 10, 10, 0)) == "within about 15 minutes"
    assert sla.due_text(et(2025, 6, 10, 11, 0), et(2025, 6, 10, 10, 0), "high") == "within about an hour"


@pytest.mark.parametrize("env, message", [
    ({"HANDOFF_SLA": "urgent=15m,high=1h,medium=4bh"}, "no target for low"),
    ({"HANDOFF_SLA": "urgent=soon,high=1h,medium=4bh,low=1bd"}, "not a target"),
    ({"HANDOFF_SLA": "critical=5m,urgent=15m,high=1h,medium=4bh,low=1bd"}, "unknown priority"),
    ({"HANDOFF_SLA": "urgent=0m,high=1h,medium=4bh,low=1bd"}, "not a target"),
    ({"HANDOFF_BUSINESS_HOURS": "weekdays 9-5"}, "HANDOFF_BUSINESS_HOURS"),
    ({"HANDOFF_BUSINESS_HOURS": "Mon-Fri 18:00-09:00"}, "closing time"),
    ({"HANDOFF_BUSINESS_HOURS": "Fri-Mon 09:00-18:00"}, "runs backwards"),
    ({"HANDOFF_TIMEZONE": "Mars/Olympus"}, "HANDOFF_TIMEZONE: unknown time zone"),
    ({"FIRM_TIMEZONE": "Mars/Olympus"}, "FIRM_TIMEZONE: unknown time zone"),
    ({"FIRM_HOURS": "weekdays 9-5"}, "FIRM_HOURS: 'weekdays 9-5' is not like"),
    ({"FIRM_HOURS": "Mon-Fri 18:00-08:00"}, "FIRM_HOURS: closing time"),
    ({"HANDOFF_BUSINESS_HOURS": "Mon-Fri 25:00-26:00"}, "HANDOFF_BUSINESS_HOURS: .* impossible time"),
    ({"HANDOFF_HOLIDAYS": "federal"}, "HANDOFF_HOLIDAYS"),
])
def test_bad_configuration_is_refused_with_a_reason(env, message):
    with pytest.raises(SlaConfigError, match=message):
        SlaPolicy.from_env(env)


def test_unknown_priority_is_an_error(policy):
    with pytest.raises(ValueError, match="unknown priority"):
        policy.promise_text("critical", et(2025, 6, 10, 10, 0))


def test_the_queue_counts_the_firms_hours_unless_told_otherwise():
    # The firm opens 08:00 by default (bot/firm.py): the SLA counts from 8, as the page says.
    assert SlaPolicy.from_env({}).opens == dt.time(8, 0)
    firm_hours = SlaPolicy.from_env({"FIRM_HOURS": "Mon-Sat 10:00-16:00"})
    assert (firm_hours.days, firm_hours.opens, firm_hours.closes) == (frozenset(range(6)), dt.time(10), dt.time(16))
    # Saturday 14 June 2025, 15:30: half an hour Saturday, half an hour Monday from 10:00.
    assert firm_hours.first_response_due("high", et(2025, 6, 14, 15, 30)) == et(2025, 6, 16, 10, 30).astimezone(UTC)
    own = SlaPolicy.from_env({"FIRM_HOURS": "Mon-Sat 10:00-16:00", "HANDOFF_BUSINESS_HOURS": "Mon-Fri 07:00-19:00"})
    assert (own.days, own.opens, own.closes) == (frozenset(range(5)), dt.time(7), dt.time(19))


def test_the_queue_speaks_the_firms_time_zone():
    pacific = SlaPolicy.from_env({"FIRM_TIMEZONE": "America/Los_Angeles"})
    assert pacific.zone_label == "PT"
    assert pacific.promise_text("urgent", dt.datetime(2025, 6, 14, 3, 0, tzinfo=ZoneInfo("America/Los_Angeles"))) == \
        "by 8:15 am PT Monday"


def test_module_functions_follow_the_firms_hours(monkeypatch):
    monkeypatch.delenv("HANDOFF_BUSINESS_HOURS", raising=False)
    monkeypatch.setenv("FIRM_HOURS", "Mon-Fri 10:00-18:00")
    assert sla.promise_text("urgent", et(2025, 6, 14, 2, 0)) == "by 10:15 am ET Monday"
    monkeypatch.delenv("FIRM_HOURS")
    assert sla.promise_text("urgent", et(2025, 6, 14, 2, 0)) == "by 8:15 am ET Monday"
