"""The deadline engine against every worked example in the facts file, plus properties."""
import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from bot.deadlines import (
    STATUS_LAST_DAY,
    STATUS_OPEN,
    STATUS_PASSED,
    DeadlineInputError,
    add_business_days,
    bank_levy_hold,
    cdp_levy_deadline,
    cdp_lien_deadline,
    cdp_report,
    equivalent_hearing_deadline,
)
from bot.holidays import dc_legal_holiday, is_business_day

D = dt.date.fromisoformat


# facts 1.5, "Worked CDP examples": notice date -> day 30 -> last timely postmark.
@pytest.mark.parametrize(
    "notice_date, day_30, last_day, rolled_past",
    [
        ("2026-03-17", "2026-04-16", "2026-04-17", ["DC Emancipation Day"]),
        ("2027-03-17", "2027-04-16", "2027-04-19", ["DC Emancipation Day", "Saturday", "Sunday"]),
        ("2028-03-18", "2028-04-17", "2028-04-18", ["DC Emancipation Day (observed)"]),
        ("2026-11-25", "2026-12-25", "2026-12-28", ["Christmas Day", "Saturday", "Sunday"]),
        ("2026-12-02", "2027-01-01", "2027-01-04", ["New Year's Day", "Saturday", "Sunday"]),
        ("2026-05-20", "2026-06-19", "2026-06-22", ["Juneteenth", "Saturday", "Sunday"]),
        # Weiss: printed 2009-02-11 but mailed 2009-02-13; counted from the mailing date.
        ("2009-02-13", "2009-03-15", "2009-03-16", ["Sunday"]),
        # Inauguration Day: Dec 21, 2032 + 30 = Thu Jan 20, 2033 -> Fri Jan 21.
        ("2032-12-21", "2033-01-20", "2033-01-21", ["Inauguration Day"]),
        # Saturday Inauguration Day 2029 is not moved back: Fri Jan 19 is an ordinary day.
        ("2028-12-20", "2029-01-19", "2029-01-19", []),
        ("2026-10-28", "2026-11-27", "2026-11-27", []),  # the day after Thanksgiving is open
    ],
)
def test_cdp_levy_worked_examples(notice_date, day_30, last_day, rolled_past):
    deadline = cdp_levy_deadline(D(notice_date))
    assert deadline.nominal == D(day_30)
    assert deadline.last_day == D(last_day)
    assert [s.reason for s in deadline.skipped] == rolled_past


def test_lien_deadline_matches_newsome():
    # facts 1.3: NFTL filed 11/4/2004; 5th business day 11/12 (skips weekend and Veterans Day);
    # day 30 is Sunday 12/12/2004, so the last day is Monday 12/13/2004.
    assert add_business_days(D("2004-11-04"), 5) == D("2004-11-12")
    deadline = cdp_lien_deadline(filing_date=D("2004-11-04"))
    assert deadline.nominal == D("2004-12-12")
    assert deadline.last_day == D("2004-12-13")


def test_lien_deadline_from_the_letter_date_is_never_later_than_from_the_filing():
    filing = D("2026-10-01")
    for offset in range(0, 6):
        letter = add_business_days(filing, offset) if offset else filing
        assert cdp_lien_deadline(letter_date=letter).last_day <= cdp_lien_deadline(filing_date=filing).last_day


@pytest.mark.parametrize(
    "notice_date, last_day",
    [
        ("2026-03-17", "2027-03-17"),  # Wednesday anniversary
        ("2026-11-25", "2027-11-26"),  # Nov 25, 2027 is Thanksgiving -> Friday
        ("2028-02-29", "2029-02-28"),  # leap day: the year ends on Feb 28
        ("2026-04-16", "2027-04-19"),  # anniversary on Emancipation Day (Fri) -> Monday
        ("2027-01-02", "2028-01-03"),  # Jan 2, 2028 is a Sunday
    ],
)
def test_equivalent_hearing_one_year_after_the_notice(notice_date, last_day):
    assert equivalent_hearing_deadline(D(notice_date)).last_day == D(last_day)


def test_bank_levy_hold_is_21_days_then_the_next_business_day():
    hold = bank_levy_hold(D("2026-11-20"))
    assert hold.hold_ends == D("2026-12-11")  # Friday
    assert hold.earliest_surrender == D("2026-12-14")  # Monday
    assert hold.days_left(D("2026-11-27")) == 14


@pytest.mark.parametrize(
    "today, days_left, status",
    [
        ("2026-11-27", 31, STATUS_OPEN),
        ("2026-12-28", 0, STATUS_LAST_DAY),
        ("2026-12-29", -1, STATUS_PASSED),
    ],
)
def test_report_days_left_and_status(today, days_left, status):
    report = cdp_report(D("2026-11-25"), D(today))
    assert report.days_left == days_left
    assert report.status == status


def test_passed_deadline_keeps_the_equivalent_hearing_open():
    report = cdp_report(D("2026-06-01"), D("2026-11-27"))
    assert report.status == STATUS_PASSED
    assert report.equivalent_open
    assert report.equivalent_hearing.last_day == D("2027-06-01")


def test_equivalent_hearing_closes_after_a_year():
    report = cdp_report(D("2025-06-02"), D("2026-11-27"))
    assert report.status == STATUS_PASSED
    assert not report.equivalent_open


def test_printed_reply_by_earlier_than_computed_wins_and_is_flagged():
    report = cdp_report(D("2026-11-25"), D("2026-11-27"), printed_reply_by=D("2026-12-24"))
    assert report.cdp.last_day == D("2026-12-28")
    assert report.effective_last_day == D("2026-12-24")
    assert report.printed_date_differs
    assert "earlier date" in report.notes[0]


def test_printed_reply_by_later_than_computed_loses():
    report = cdp_report(D("2026-11-25"), D("2026-11-27"), printed_reply_by=D("2026-12-30"))
    assert report.effective_last_day == D("2026-12-28")
    assert report.printed_date_differs


def test_printed_reply_by_equal_is_not_flagged():
    report = cdp_report(D("2026-11-25"), D("2026-11-27"), printed_reply_by=D("2026-12-28"))
    assert not report.printed_date_differs
    assert report.notes == ()


@pytest.mark.parametrize(
    "notice_date, message",
    [
        ("2026-11-28", "in the future"),
        ("1999-12-31", "before 2000"),
    ],
)
def test_bad_notice_dates_are_refused(notice_date, message):
    with pytest.raises(DeadlineInputError, match=message):
        cdp_report(D(notice_date), D("2026-11-27"))


def test_reply_by_before_notice_date_is_refused():
    with pytest.raises(DeadlineInputError, match="before the notice date"):
        cdp_report(D("2026-11-20"), D("2026-11-27"), printed_reply_by=D("2026-11-01"))


def test_notice_dated_today_is_accepted():
    report = cdp_report(D("2026-11-27"), D("2026-11-27"))
    assert report.cdp.nominal == D("2026-12-27")
    assert report.effective_last_day == D("2026-12-28")  # Sunday -> Monday


notice_dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2070, 12, 31))


@settings(max_examples=5000, deadline=None)
@given(notice_dates)
def test_cdp_deadline_properties(notice_date):
    deadline = cdp_levy_deadline(notice_date)
    day_30 = notice_date + dt.timedelta(days=30)
    assert deadline.nominal == day_30
    assert deadline.last_day >= day_30
    assert deadline.last_day.weekday() < 5
    assert is_business_day(deadline.last_day)
    assert dc_legal_holiday(deadline.last_day) is None
    # Longest roll: a Friday holiday plus a weekend, or a Saturday plus an observed Monday.
    assert (deadline.last_day - day_30).days <= 4
    # Every day skipped is a non-business day, and nothing between is left out.
    assert [s.day for s in deadline.skipped] == [
        day_30 + dt.timedelta(days=i) for i in range((deadline.last_day - day_30).days)
    ]


@settings(max_examples=2000, deadline=None)
@given(notice_dates)
def test_equivalent_hearing_properties(notice_date):
    deadline = equivalent_hearing_deadline(notice_date)
    assert deadline.last_day > cdp_levy_deadline(notice_date).last_day
    assert is_business_day(deadline.last_day)
    assert 365 <= (deadline.nominal - notice_date).days <= 366
