"""The promised call time: best time x the firm's hours x the queue's target (bot/call_promise.py).
The clock is passed in; the firm is open Monday to Friday 8 am to 6 pm ET by default."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.call_promise import call_promise
from bot.handoff.sla import SlaPolicy

ET = ZoneInfo("America/New_York")
THURSDAY = (2026, 12, 3)


def et(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ET)


@pytest.fixture
def policy():
    return SlaPolicy.from_env({})


def promise(policy, best, now, priority="high"):
    due = policy.first_response_due(priority, now)
    return call_promise(best, due, now, policy, policy.promise_text(priority, now)), due


@pytest.mark.parametrize("best, now, priority, words, note", [
    # The case: "after 5pm" must not become "by 10 am today".
    ("after 5pm", et(*THURSDAY, 9, 40), "high", "between 5 pm and 6 pm ET today", "We close at 6 pm ET"),
    ("after 5", et(*THURSDAY, 9, 40), "urgent", "between 5 pm and 6 pm ET today", "We close at 6 pm ET"),
    ("evenings", et(*THURSDAY, 9, 40), "high", "between 5 pm and 6 pm ET today", "We close at 6 pm ET"),
    ("mornings", et(*THURSDAY, 9, 40), "high", "by 10:45 am ET today", ""),
    ("lunch time", et(*THURSDAY, 9, 40), "high", "between noon and 1 pm ET today", ""),
    ("lunch time", et(*THURSDAY, 12, 30), "high", "between noon and 1 pm ET tomorrow", ""),  # not free in time today
    ("tomorrow morning", et(*THURSDAY, 9, 40), "high", "between 8 am and noon ET tomorrow", "We open at 8 am ET."),
    ("weekday mornings", et(*THURSDAY, 9, 40), "medium", "between 8 am and noon ET tomorrow", "We open at 8 am ET."),
    ("around 3", et(*THURSDAY, 9, 40), "urgent", "between 2:30 pm and 4 pm ET today", ""),
    ("2-4pm", et(*THURSDAY, 15, 0), "medium", "between 2 pm and 4 pm ET tomorrow", ""),  # due Friday 9 am
    ("2-4pm", et(*THURSDAY, 16, 30), "low", "between 2 pm and 4 pm ET Monday", ""),  # due Friday 6 pm
    # Friday evening: nothing until Monday.
    ("after 5pm", et(2026, 12, 4, 17, 30), "high", "between 5 pm and 6 pm ET Monday", "We close at 6 pm ET"),
    ("mornings", et(2026, 12, 4, 17, 30), "high", "between 8 am and 8:30 am ET Monday", "We open at 8 am ET."),
    # Outside the firm's hours: said plainly, and the nearest time that fits.
    ("weekends", et(*THURSDAY, 9, 40), "high", "by 10:45 am ET today", "so we can't call on weekends"),
    ("after 8pm", et(*THURSDAY, 9, 40), "high", "between 5 pm and 6 pm ET today", "so we can't call after 8 pm"),
    ("before 7am", et(*THURSDAY, 9, 40), "high", "between 8 am and 9 am ET tomorrow", "so we can't call before 7 am"),
])
def test_the_promise_respects_the_best_time(policy, best, now, priority, words, note):
    result, due = promise(policy, best, now, priority)
    assert result.words == words
    assert note in result.note if note else result.note == ""


@pytest.mark.parametrize("best", ["anytime", "", None, "after the kids go to bed", "asap"])
def test_no_preference_keeps_the_queues_promise(policy, best):
    result, due = promise(policy, best, et(*THURSDAY, 9, 40))
    assert result.words == "within about an hour (by 10:45 am ET today)" and result.note == "" and result.latest == due


@pytest.mark.parametrize("best", ["after 5pm", "mornings", "lunch time", "tomorrow morning", "evenings", "weekends",
                                  "after 8pm", "before 7am", "around 3", "2-4pm", "saturday", "tmrw afternoon",
                                  "weekday mornings", "10-2", "before noon"])
@pytest.mark.parametrize("now", [et(*THURSDAY, 9, 40), et(*THURSDAY, 17, 50), et(2026, 12, 5, 3, 0),
                                 et(2026, 12, 24, 16, 0), et(*THURSDAY, 7, 0)])
@pytest.mark.parametrize("priority", ["urgent", "high", "medium", "low"])
def test_never_before_the_target_allows_nor_outside_opening_hours(policy, best, now, priority):
    result, due = promise(policy, best, now, priority)
    assert result.latest >= due  # never a time earlier than the queue can keep
    assert result.earliest < result.latest
    assert "ET" in result.words
    for moment in (result.earliest, result.latest):
        local = moment.astimezone(ET)
        if moment > now:  # a future edge of the promise falls in opening hours (6 pm closing included)
            assert policy.is_business_day(local.date()) and dt.time(8) <= local.time() <= dt.time(18)


def test_christmas_is_skipped(policy):
    # Thursday 24 December 2026, 4 pm: Christmas Day is a DC holiday, so after 5 pm is Monday the 28th
    # (the 24th's slot ends before the hour the target allows).
    result, _ = promise(policy, "after 5pm", et(2026, 12, 24, 16, 30), "medium")
    assert result.words == "between 5 pm and 6 pm ET Monday"


def test_other_hours_and_zone():
    policy = SlaPolicy.from_env({"FIRM_HOURS": "Mon-Sat 09:00-20:00", "FIRM_TIMEZONE": "America/Chicago",
                                 "HANDOFF_HOLIDAYS": "none"})
    now = dt.datetime(2026, 12, 3, 9, 40, tzinfo=ZoneInfo("America/Chicago"))
    result, _ = promise(policy, "after 5pm", now)
    assert result.words == "between 5 pm and 8 pm CT today"
    assert result.note == "We close at 8 pm CT, so that's the latest we can call."
    result, _ = promise(policy, "weekends", now)  # open on Saturdays: Sunday is not, and is not said
    assert (result.words, result.note) == ("between 9 am and 8 pm CT Saturday", "")


def test_a_target_already_passed_promises_no_past_time(policy):
    now = et(*THURSDAY, 14, 0)
    late = now - dt.timedelta(minutes=20)  # the queue is behind
    inside = call_promise("afternoons", late, now, policy, "as soon as an advisor is free")
    assert inside.words == "as soon as an advisor is free"
    later = call_promise("after 5pm", late, now, policy, "as soon as an advisor is free")
    assert later.words == "between 5 pm and 6 pm ET today"
