"""Reading the best time to call, as frightened people type it (bot/best_time.py)."""
import datetime as dt

import pytest

from bot.best_time import END_OF_DAY, WEEKDAYS, WEEKEND, read_best_time

T = dt.time


@pytest.mark.parametrize("text, ranges", [
    ("after 5pm", [(T(17), END_OF_DAY)]),
    ("after 5", [(T(17), END_OF_DAY)]),  # a bare 1..7 is afternoon or evening
    ("aftr 5 pm pls", [(T(17), END_OF_DAY)]),
    ("after five", [(T(17), END_OF_DAY)]),
    ("call after 5:30 p.m.", [(T(17, 30), END_OF_DAY)]),
    ("i am free after 5", [(T(17), END_OF_DAY)]),  # "am" the verb is no time
    ("5 or later", [(T(17), END_OF_DAY)]),
    ("not before 10am", [(T(10), END_OF_DAY)]),
    ("after 17:30", [(T(17, 30), END_OF_DAY)]),
    ("before 10", [(T(0), T(10))]),  # a bare 8..11 is morning
    ("before noon", [(T(0), T(12))]),
    ("b4 9am", [(T(0), T(9))]),
    ("between 2 and 4", [(T(14), T(16))]),
    ("2-4pm", [(T(14), T(16))]),
    ("10-2", [(T(10), T(14))]),
    ("9 to 5", [(T(9), T(17))]),
    ("around 3", [(T(14, 30), T(16))]),
    ("3pm", [(T(15), T(16))]),
    ("at 11", [(T(11), T(12))]),
    ("mornings", [(T(6), T(12))]),
    ("mornin", [(T(6), T(12))]),
    ("early morning", [(T(6), T(9))]),
    ("afternoons", [(T(12), T(17))]),
    ("afternon", [(T(12), T(17))]),
    ("late afternoon", [(T(15), T(17))]),
    ("lunch time", [(T(12), T(13))]),
    ("lunchtime", [(T(12), T(13))]),
    ("on my lunch break", [(T(12), T(13))]),
    ("evenings", [(T(17), T(21))]),
    ("tonight", [(T(17), T(21))]),
    ("after work", [(T(17), T(21))]),
    ("in the evening after 7", [(T(19), T(21))]),  # the clock refines the part of the day
    ("mornings before 10", [(T(6), T(10))]),
    # When they are busy is not when to call: "til 4:30" is the end of the shift.
    ("aftr 5pm, i work til 4:30", [(T(17), END_OF_DAY)]),
    ("after 6 im at work till 5:30", [(T(18), END_OF_DAY)]),
])
def test_times_of_day(text, ranges):
    best = read_best_time(text)
    assert best.understood and not best.any_time
    assert list(best.ranges) == ranges


@pytest.mark.parametrize("text, days, tomorrow, words", [
    ("weekends", WEEKEND, False, "on weekends"),
    ("weekends only, i work mon-fri", WEEKEND, False, "on weekends"),
    ("wknd", WEEKEND, False, "on weekends"),
    ("weekday mornings", WEEKDAYS, False, "in the morning on weekdays"),
    ("saturday", frozenset({5}), False, "on Saturday"),
    ("mon or wed", frozenset({0, 2}), False, "on Monday or Wednesday"),
    ("sunday afternoon", frozenset({6}), False, "in the afternoon on Sunday"),
    ("tomorrow morning", None, True, "tomorrow in the morning"),
    ("tmrw afternoon", None, True, "tomorrow in the afternoon"),
    ("tomorow after 5", None, True, "tomorrow after 5 pm"),
])
def test_days(text, days, tomorrow, words):
    best = read_best_time(text)
    assert (best.days, best.from_tomorrow, best.words) == (days, tomorrow, words)


@pytest.mark.parametrize("text", ["anytime", "any time is fine", "Any time", "whenever", "asap", "no preference",
                                  "doesnt matter", "skip", "", None, "any time"])
def test_no_preference(text):
    assert read_best_time(text).any_time


@pytest.mark.parametrize("text", ["after the kids go to bed", "when my husband is home", "idk maybe later?? pls"])
def test_words_that_cannot_be_read_are_no_guess(text):
    best = read_best_time(text)
    assert not best.understood and not best.ranges and best.days is None
    assert best.words == text.strip()


def test_words_repeat_the_preference():
    assert read_best_time("after 5pm").words == "after 5 pm"
    assert read_best_time("2-4pm").words == "between 2 pm and 4 pm"
    assert read_best_time("before noon").words == "before noon"
    assert read_best_time("lunch time").words == "at lunch time"
