"""DC legal holidays for the IRC 7503 roll (facts 1.5; DC Code 1-612.02, 28-2701)."""
import datetime as dt

import pytest

from bot.holidays import RULES, _observed, dc_legal_holiday, dc_legal_holidays, is_business_day

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    "day, name",
    [
        ("2026-04-16", "DC Emancipation Day"),  # Thursday, no shift
        ("2022-04-15", "DC Emancipation Day (observed)"),  # Apr 16, 2022 is a Saturday -> Friday
        ("2028-04-17", "DC Emancipation Day (observed)"),  # Apr 16, 2028 is a Sunday -> Monday
        ("2026-06-19", "Juneteenth"),
        ("2021-06-18", "Juneteenth (observed)"),  # first year: Sat Jun 19, 2021 -> Friday
        ("2026-07-03", "Independence Day (observed)"),  # Jul 4, 2026 is a Saturday
        ("2021-12-31", "New Year's Day (observed)"),  # Jan 1, 2022 is a Saturday
        ("2026-12-25", "Christmas Day"),
        ("2027-12-24", "Christmas Day (observed)"),
        ("2026-11-26", "Thanksgiving Day"),
        ("2026-01-19", "Martin Luther King Jr. Day"),
        ("2026-02-16", "Washington's Birthday"),
        ("2026-05-25", "Memorial Day"),
        ("2026-09-07", "Labor Day"),
        ("2026-10-12", "Columbus Day / Indigenous Peoples' Day"),
        ("2029-11-12", "Veterans Day (observed)"),
        ("2033-01-20", "Inauguration Day"),  # a Thursday
        ("2045-01-20", "Inauguration Day"),  # a Friday
    ],
)
def test_dc_legal_holidays(day, name):
    assert dc_legal_holiday(D(day)) == name
    assert not is_business_day(D(day))


@pytest.mark.parametrize(
    "day, why",
    [
        ("2006-04-17", "Emancipation Day counts only from 2007"),
        ("2020-06-19", "Juneteenth counts only from 2021"),
        ("2028-12-29", "New Year's 2029 is a Monday: no Friday before it"),
        ("2029-01-19", "a Saturday Inauguration Day (2029) is not moved back to Friday"),
        ("2026-12-24", "Christmas Eve is not a legal holiday"),
        ("2026-11-27", "the day after Thanksgiving is not a legal holiday"),
        ("2026-01-20", "no Inauguration Day in a non-inauguration year"),
    ],
)
def test_days_that_are_not_holidays(day, why):
    assert dc_legal_holiday(D(day)) is None, why


def test_sunday_inauguration_day_moves_to_monday():
    # A Sunday January 20 (2013) moves to Monday the 21st, which is always MLK Day as well.
    rule = next(r for r in RULES if r.name == "Inauguration Day")
    assert D("2013-01-20").weekday() == 6
    assert _observed(rule, D("2013-01-20")) == D("2013-01-21")
    assert dc_legal_holiday(D("2013-01-21")) is not None


def test_saturday_inauguration_day_stays_on_saturday():
    assert D("2029-01-20").weekday() == 5
    assert dc_legal_holiday(D("2029-01-20")) == "Inauguration Day"
    assert dc_legal_holiday(D("2029-01-19")) is None


def test_a_year_has_the_expected_holidays():
    days = dc_legal_holidays(2026)
    # 12 annual holidays in 2026 plus Independence Day observed on Friday July 3.
    assert len(days) == 13
    assert all(day.year == 2026 for day in days)
    assert dc_legal_holidays(2021)[D("2021-12-31")] == "New Year's Day (observed)"
