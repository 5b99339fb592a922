"""Legal holidays in the District of Columbia, for the IRC 7503 weekend/holiday roll.

IRC 7503 and Treas. Reg. 301.7503-1 define "legal holiday" as a legal holiday in the
District of Columbia (facts file 1.5). The list is DC Code § 1-612.02(a); the observance rule
is § 1-612.02(b)(1): Saturday -> the preceding Friday, Sunday -> the following Monday.
Inauguration Day comes from DC Code § 28-2701 and only moves when it falls on a Sunday.

Left out on purpose, and why that is safe: ad hoc closures by executive order and the
"Statewide legal holiday" prong for IRS offices outside DC. Leaving a holiday out can only
make a computed deadline earlier, never later, and the earlier date is the safe one to give.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Optional

SATURDAY, SUNDAY = 5, 6
MONDAY, THURSDAY = 0, 3


def _fixed(month: int, day: int) -> Callable[[int], dt.date]:
    return lambda year: dt.date(year, month, day)


def _nth_weekday(month: int, weekday: int, n: int) -> Callable[[int], dt.date]:
    """n-th (1-based) weekday of the month; n = -1 for the last one."""

    def date_in(year: int) -> dt.date:
        if n > 0:
            first = dt.date(year, month, 1)
            return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
        next_month = dt.date(year + month // 12, month % 12 + 1, 1)
        last = next_month - dt.timedelta(days=1)
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)

    return date_in


@dataclass(frozen=True)
class HolidayRule:
    name: str
    date_in: Callable[[int], dt.date]
    first_year: int = 1900
    every_fourth_year_from: Optional[int] = None
    # DC Code 1-612.02(b)(1) moves Saturday holidays back to Friday; Inauguration Day
    # (DC Code 28-2701) is never moved back, only forward from a Sunday.
    saturday_to_friday: bool = True

    def applies_in(self, year: int) -> bool:
        if year < self.first_year:
            return False
        if self.every_fourth_year_from is not None:
            return (year - self.every_fourth_year_from) % 4 == 0
        return True


# DC Code § 1-612.02(a), plus § 28-2701 for Inauguration Day.
RULES = (
    HolidayRule("New Year's Day", _fixed(1, 1)),
    HolidayRule("Martin Luther King Jr. Day", _nth_weekday(1, MONDAY, 3), first_year=1986),
    HolidayRule(
        "Inauguration Day",
        _fixed(1, 20),
        every_fourth_year_from=1965,
        saturday_to_friday=False,
    ),
    HolidayRule("Washington's Birthday", _nth_weekday(2, MONDAY, 3)),
    # DC Emancipation Day: a DC holiday "beginning in the year 2007" (facts file 1.5).
    HolidayRule("DC Emancipation Day", _fixed(4, 16), first_year=2007),
    HolidayRule("Memorial Day", _nth_weekday(5, MONDAY, -1)),
    # Juneteenth: a legal public holiday from 2021 (federal Act of June 17, 2021; DC followed).
    HolidayRule("Juneteenth", _fixed(6, 19), first_year=2021),
    HolidayRule("Independence Day", _fixed(7, 4)),
    HolidayRule("Labor Day", _nth_weekday(9, MONDAY, 1)),
    HolidayRule("Columbus Day / Indigenous Peoples' Day", _nth_weekday(10, MONDAY, 2)),
    HolidayRule("Veterans Day", _fixed(11, 11)),
    HolidayRule("Thanksgiving Day", _nth_weekday(11, THURSDAY, 4)),
    HolidayRule("Christmas Day", _fixed(12, 25)),
)


def _observed(rule: HolidayRule, day: dt.date) -> dt.date:
    if day.weekday() == SUNDAY:
        return day + dt.timedelta(days=1)
    if day.weekday() == SATURDAY and rule.saturday_to_friday:
        return day - dt.timedelta(days=1)
    return day


@lru_cache(maxsize=256)
def _holidays_for_rule_year(year: int) -> Dict[dt.date, str]:
    """Holidays produced by the rules of `year` (an observed date may fall in year - 1)."""
    found: Dict[dt.date, str] = {}
    for rule in RULES:
        if not rule.applies_in(year):
            continue
        actual = rule.date_in(year)
        found.setdefault(actual, rule.name)
        observed = _observed(rule, actual)
        if observed != actual:
            found.setdefault(observed, f"{rule.name} (observed)")
    return found


def dc_legal_holiday(day: dt.date) -> Optional[str]:
    """The holiday's name when `day` is a DC legal holiday (actual or observed), else None."""
    # A Saturday New Year's Day of next year is observed on Friday, December 31.
    for year in (day.year, day.year + 1):
        name = _holidays_for_rule_year(year).get(day)
        if name:
            return name
    return None


def dc_legal_holidays(year: int) -> Dict[dt.date, str]:
    """Every DC legal holiday (actual and observed) that falls within `year`."""
    merged: Dict[dt.date, str] = {}
    for rule_year in (year, year + 1):
        for day, name in _holidays_for_rule_year(rule_year).items():
            if day.year == year:
                merged.setdefault(day, name)
    return dict(sorted(merged.items()))


def non_business_reason(day: dt.date) -> Optional[str]:
    """Why `day` is not a business day for IRC 7503 (weekend or DC legal holiday), else None."""
    if day.weekday() == SATURDAY:
        return "Saturday"
    if day.weekday() == SUNDAY:
        return "Sunday"
    return dc_legal_holiday(day)


def is_business_day(day: dt.date) -> bool:
    return non_business_reason(day) is None
