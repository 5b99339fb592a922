"""Dates: the tricky cases of issue 5 and the resolution rules of docs/nlu.md."""
import datetime as dt

import pytest

from bot.nlu import dates
from tests.unit.nlu.conftest import TODAY, dates_of, entities_of


def test_dec_28_said_in_january_is_last_december():
    assert dates_of("dated Dec 28", dt.date(2027, 1, 5)) == [("2026-12-28", None)]
    assert dates_of("12/28", dt.date(2027, 1, 5)) == [("2026-12-28", None)]


def test_a_respond_by_date_after_new_year_is_next_january():
    assert dates_of("respond by jan 4", dt.date(2026, 12, 20)) == [("2027-01-04", "reply_by")]


@pytest.mark.parametrize(
    "text, today, expected",
    [
        ("feb 29", dt.date(2028, 3, 10), "2028-02-29"),
        ("2/29/2028", dt.date(2028, 3, 10), "2028-02-29"),
        ("feb 29", dt.date(2029, 1, 10), "2028-02-29"),  # last year's leap day
    ],
)
def test_leap_day_when_it_exists(text, today, expected):
    assert dates_of(text, today) == [(expected, None)]


@pytest.mark.parametrize("text", ["feb 29", "2/29/2026", "february 29th 2026"])
def test_leap_day_that_does_not_exist_is_a_problem_not_a_guess(text):
    found = entities_of(text)
    assert [(e["entity"], e["value"]) for e in found] == [("date_problem", "impossible")]


def test_last_friday_said_on_a_friday_is_a_week_ago():
    assert TODAY.weekday() == 4
    assert dates_of("last friday") == [("2026-11-20", None)]
    assert dates_of("friday") == [("2026-11-20", None)]  # "today" is what people say for today
    assert dates_of("last friday", dt.date(2026, 11, 28)) == [("2026-11-27", None)]


def test_weekdays_are_the_most_recent_past_one():
    assert dates_of("on tuesday") == [("2026-11-24", None)]
    assert dates_of("got it thursday") == [("2026-11-26", "received")]
    assert dates_of("this past monday") == [("2026-11-23", None)]


@pytest.mark.parametrize(
    "text, expected",
    [("10/11", "2026-10-11"), ("10/11/2026", "2026-10-11"), ("1/2/26", "2026-01-02"), ("11-2-2026", "2026-11-02")],
)
def test_numeric_dates_are_month_first(text, expected):
    assert dates_of(text) == [(expected, None)]


def test_a_day_first_date_is_impossible_not_flipped():
    found = entities_of("29/10/2026")
    assert [(e["entity"], e["value"]) for e in found] == [("date_problem", "impossible")]
    assert entities_of("24/7") == []  # without a year it is not read as a date at all


def test_two_dates_in_one_sentence_keep_their_order_and_roles():
    assert dates_of("LT11 dated 11/20 received 11/25") == [("2026-11-20", None), ("2026-11-25", "received")]
    assert dates_of("received 11/25, dated 11/20") == [("2026-11-25", "received"), ("2026-11-20", None)]
    assert dates_of("i got it on 11/23 and it says respond by dec 28") == [
        ("2026-11-23", "received"), ("2026-12-28", "reply_by"),
    ]


def test_arrival_and_printed_date_are_told_apart():
    found = entities_of("it came yesterday but it's dated the 10th", kind="notice_date")
    assert [(e["value"], e.get("role")) for e in found] == [("2026-11-26", "received"), ("2026-11-10", None)]
    assert found[0]["additional_info"]["relative"] is True
    assert found[1]["additional_info"]["relative"] is False
    assert found[1]["additional_info"]["text"] == "the 10th"


def test_a_date_announced_after_an_earlier_one_takes_its_own_cue():
    text = "I received an IRS notice LT11 dated November 13, 2026 on November 20."
    assert dates_of(text) == [("2026-11-13", None), ("2026-11-20", "received")]


def test_a_date_shares_the_role_of_the_date_it_is_joined_to():
    assert dates_of("got CP504 on 11/21 and LT11 on 11/24") == [
        ("2026-11-21", "received"), ("2026-11-24", "received"),
    ]


def test_a_new_subject_after_and_shares_no_role():
    # The day the levy hit is no notice date (and left out); the notice's own date is kept.
    assert dates_of("my bank got levied yesterday and i have an lt11 from october 1") == [("2026-10-01", None)]


@pytest.mark.parametrize("text", ["i already mailed the form 12153 last week", "we called them on monday",
                                  "i sent my payment on 11/20", "i've filed the form nov 18"])
def test_the_day_the_taxpayer_acted_is_no_notice_date(text):
    assert dates_of(text) == []


def test_a_date_right_after_the_code_is_printed_on_it():
    assert dates_of("Lt11 11/15/2026 my social security got cut") == [("2026-11-15", None)]
    assert dates_of("i received lt11 11/20") == [("2026-11-20", "received")]


def test_the_irs_mailing_a_notice_is_its_date():
    assert dates_of("they mailed it nov 10") == [("2026-11-10", None)]


def test_not_until_is_an_arrival_not_a_deadline():
    assert dates_of("it didnt get here until 11/9") == [("2026-11-09", "received")]


@pytest.mark.parametrize(
    "text",
    ["they levied my bank acct on monday", "My LT11 came. Today is the 27th.", "can someone call me tomorrow afternoon",
     "can you help me today", "my employer got a levy for my wages on 11/19",
     "they garnished my paycheck last week"],
)
def test_dates_that_are_not_about_the_notice_are_left_out(text):
    assert entities_of(text, kind="notice_date") == []
    assert entities_of(text, kind="date_problem") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yesterday", "2026-11-26"), ("today", "2026-11-27"), ("day before yesterday", "2026-11-25"),
        ("two weeks ago", "2026-11-13"), ("3 days ago", "2026-11-24"), ("a month ago", "2026-10-27"),
        ("10 days back", "2026-11-17"), ("2wks ago", "2026-11-13"),
        ("on thanksgiving", "2026-11-26"), ("christmas eve", "2025-12-24"), ("new year's eve", "2025-12-31"),
    ],
)
def test_relative_forms_against_today(text, expected):
    found = entities_of(text, kind="notice_date")
    assert [e["value"] for e in found] == [expected]
    assert found[0]["additional_info"]["relative"] is True


@pytest.mark.parametrize(
    "text, expected",
    [("earlier this month", "2026-11-01"), ("last week", "2026-11-16"), ("last month", "2026-10-01"),
     ("a couple of days ago", "2026-11-25"), ("about 2 weeks ago", "2026-11-13"), ("in october", "2026-10-01"),
     ("late october", "2026-10-31"), ("this week", "2026-11-23")],
)
def test_vague_dates_are_the_earliest_day_and_marked_approximate(text, expected):
    found = entities_of(text, kind="notice_date")
    assert [e["value"] for e in found] == [expected]
    assert found[0]["additional_info"]["approximate"] is True


def test_exact_dates_are_not_approximate_and_say_when_the_year_was_inferred():
    info = entities_of("oct 3")[0]["additional_info"]
    assert info == {"relative": False, "text": "oct 3", "approximate": False, "year_inferred": True}
    assert entities_of("oct 3 2026")[0]["additional_info"]["year_inferred"] is False


@pytest.mark.parametrize(
    "text, problem, understood",
    [
        ("10/1/2027", "future", "2027-10-01"),
        ("dated nov 30", "future", "2026-11-30"),  # days ahead: this year's, typed wrong; ask
        ("i got it tomorrow", "future", "2026-11-28"),
        ("feb 30", "impossible", None),
        ("april 31st", "impossible", None),
        ("13/10/2026", "impossible", None),
        ("10/1/1999", "too_old", "1999-10-01"),
        ("10/1/99", "too_old", "1999-10-01"),
    ],
)
def test_a_date_that_cannot_be_right_is_a_problem_never_a_value(text, problem, understood):
    found = entities_of(text)
    assert [e["entity"] for e in found] == ["date_problem"]
    assert found[0]["value"] == problem
    assert found[0]["additional_info"]["date"] == understood


def test_a_respond_by_date_may_lie_ahead():
    assert dates_of("it says pay by 11/30/2026") == [("2026-11-30", "reply_by")]
    assert dates_of("due friday") == [("2026-11-27", "reply_by")]
    assert dates_of("respond by next friday") == [("2026-12-04", "reply_by")]


def test_day_of_month_goes_back_to_a_month_that_has_it():
    assert dates_of("the 31st", dt.date(2026, 12, 5)) == [("2026-10-31", None)]
    assert dates_of("the 30th") == [("2026-10-30", None)]
    assert dates_of("the 3rd") == [("2026-11-03", None)]


def test_ordinals_that_count_things_are_not_days():
    assert dates_of("this is my 3rd notice") == []
    assert dates_of("the second letter was worse") == []
    assert dates_of("first a cp501 then a cp503") == []


def test_typos_in_months_and_weekdays():
    assert dates_of("ocotber 29") == [("2026-10-29", None)]
    assert dates_of("dated Novmber 6th") == [("2026-11-06", None)]
    assert dates_of("got it wensday") == [("2026-11-25", "received")]
    assert dates_of("yesturday") == [("2026-11-26", None)]


def test_glued_and_punctuated_forms():
    assert dates_of("oct3") == [("2026-10-03", None)]
    assert dates_of("3oct2026") == [("2026-10-03", None)]
    assert dates_of("sept 3rd,2026") == [("2026-09-03", None)]
    assert dates_of("oct.3") == [("2026-10-03", None)]


def test_resolvers_directly():
    assert dates.resolve_calendar(None, 12, 28, dt.date(2027, 1, 5)).date == dt.date(2026, 12, 28)
    assert dates.resolve_calendar(None, 2, 30, TODAY).problem == dates.IMPOSSIBLE
    assert dates.two_digit_year(26, TODAY) == 2026 and dates.two_digit_year(99, TODAY) == 1999
    assert dates.parse_numeric("503-555-1212", TODAY) is None
    assert dates.parse_free_text("29th day of October", TODAY).date == dt.date(2026, 10, 29)
    assert dates.parse_free_text("sometime soon", TODAY) is None


def test_a_levy_notice_is_paper_and_intent_to_levy_is_its_title():
    assert dates_of("i got a levy notice on 11/20") == [("2026-11-20", "received")]
    assert dates_of("final notice of intent to levy 11/13/26") == [("2026-11-13", None)]


def test_a_weekday_with_its_day_is_one_date():
    assert dates_of("it came saturday the 21st") == [("2026-11-21", "received")]
    assert dates_of("thursday the 26th") == [("2026-11-26", None)]
