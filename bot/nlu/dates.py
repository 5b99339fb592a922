"""Turning the words of a date into a calendar date, against an injected "today".

Pure functions, no spaCy and no Rasa: pipeline.py finds the words, this module decides the
value. The rules (docs/nlu.md):
- US order: "10/11" is October 11.
- No year: the most recent such date that is not in the future, looking at this year and
  last year only ("Dec 28" said in January is last December; "Feb 29" said in a year
  whose last leap day is more than a year back cannot be meant and is a problem). When
  this year's date is only days or weeks ahead ("nov 30" on Nov 27) it is not quietly
  moved a year back: it is a "future" problem, and the form asks.
- Day only ("the 3rd"): the most recent 3rd that is not in the future.
- A respond-by date printed on a notice (role reply_by) usually lies ahead: without a year
  it is the occurrence nearest to today, and the future is not a problem.
- A date that cannot be right is never a value: it becomes a problem ("future",
  "impossible", or "too_old" for a notice dated before 2000).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Sequence

from dateutil.relativedelta import MO, TH, relativedelta

from bot.nlu import lexicon

ROLE_RECEIVED = "received"
ROLE_REPLY_BY = "reply_by"
FUTURE, IMPOSSIBLE, TOO_OLD = "future", "impossible", "too_old"
# IRS collection notices older than this are not what the assistant is for; a year before
# it is almost always a typo ("2/10/1926"), so the form asks again.
OLDEST_YEAR = 2000
# Without a year, a date up to this many days ahead is this year's, typed wrong (a problem);
# further ahead it is last year's ("Dec 28" said in January).
FUTURE_GRACE_DAYS = 60

_DAY_TOKEN = re.compile(r"^(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?$")
_YEAR_TOKEN = re.compile(r"^(?:19|20)\d\d$")
_NUMERIC_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC_MDY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_NUMERIC_MD = re.compile(r"^(\d{1,2})/(\d{1,2})$")


@dataclass(frozen=True)
class DateValue:
    """What a date mention resolves to: a date, or the reason it cannot be one."""

    date: Optional[dt.date]
    problem: Optional[str] = None
    relative: bool = False
    approximate: bool = False
    year_inferred: bool = False
    # For a problem: the date that was understood, when there is one (a future date).
    understood: Optional[dt.date] = None


def _problem(kind: str, understood: Optional[dt.date] = None, **flags) -> DateValue:
    return DateValue(None, kind, understood=understood, **flags)


def _check(date: dt.date, today: dt.date, role: Optional[str], **flags) -> DateValue:
    if date.year < OLDEST_YEAR:
        return _problem(TOO_OLD, date, **flags)
    if date > today and role != ROLE_REPLY_BY:
        return _problem(FUTURE, date, **flags)
    return DateValue(date, **flags)


def _valid(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest(candidates: Iterable[dt.date], today: dt.date) -> Optional[dt.date]:
    ordered = sorted(candidates, key=lambda d: (abs((d - today).days), d))
    return ordered[0] if ordered else None


def resolve_calendar(
    year: Optional[int], month: int, day: int, today: dt.date, role: Optional[str] = None
) -> DateValue:
    """A month and day, with or without a year."""
    # 2000 is a leap year: a day that exists in no year (Feb 30, Apr 31) is impossible.
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        return _problem(IMPOSSIBLE, year_inferred=year is None)
    if year is not None:
        date = _valid(year, month, day)
        if date is None:
            return _problem(IMPOSSIBLE)
        return _check(date, today, role)
    if role == ROLE_REPLY_BY:
        years = (today.year - 1, today.year, today.year + 1)
        date = _nearest(filter(None, (_valid(y, month, day) for y in years)), today)
    else:
        this_year = _valid(today.year, month, day)
        if this_year and today < this_year <= today + dt.timedelta(days=FUTURE_GRACE_DAYS):
            # "nov 30" said on Nov 27 means this year's, which has not come yet: ask,
            # rather than silently read a notice a year old.
            return _problem(FUTURE, this_year, year_inferred=True)
        # This year or last year: nobody leaves out the year of a notice older than that.
        past = [d for d in (this_year, _valid(today.year - 1, month, day)) if d and d <= today]
        date = past[0] if past else None
    if date is None:
        return _problem(IMPOSSIBLE, year_inferred=True)
    return _check(date, today, role, year_inferred=True)


def resolve_day_of_month(day: int, today: dt.date, role: Optional[str] = None) -> DateValue:
    """'the 3rd': a day of an unnamed month."""
    if role == ROLE_REPLY_BY:
        months = [today + relativedelta(day=1, months=offset) for offset in (-1, 0, 1)]
        date = _nearest(filter(None, (_valid(m.year, m.month, day) for m in months)), today)
    else:
        date = None
        for back in range(0, 12):
            first = today + relativedelta(day=1, months=-back)
            candidate = _valid(first.year, first.month, day)
            if candidate and candidate <= today:
                date = candidate
                break
    if date is None:
        return _problem(IMPOSSIBLE, year_inferred=True)
    return _check(date, today, role, year_inferred=True)


def two_digit_year(yy: int, today: dt.date) -> int:
    """'10/1/26' is 2026; a two-digit year far beyond this one is last century's ('99')."""
    year = 2000 + yy
    return year if year <= today.year + 10 else 1900 + yy


def parse_numeric(token: str, today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """'10/01/2026', '10/1/26', '2026-10-01', '10-1-26', '10.1.26', '10/11' (US order).
    None when the token is not shaped like a date at all (a phone number, a fraction)."""
    match = _NUMERIC_YMD.match(token)
    if match:
        year, month, day = (int(g) for g in match.groups())
        if not 1 <= month <= 12:
            return _problem(IMPOSSIBLE)
        return resolve_calendar(year, month, day, today, role)
    match = _NUMERIC_MDY.match(token)
    if match:
        month, day, raw_year = int(match.group(1)), int(match.group(2)), match.group(3)
        if month > 31 or day > 31:
            return None
        year = two_digit_year(int(raw_year), today) if len(raw_year) == 2 else int(raw_year)
        if not 1 <= month <= 12 or day == 0:
            return _problem(IMPOSSIBLE)
        return resolve_calendar(year, month, day, today, role)
    match = _NUMERIC_MD.match(token)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        # Without a year, "24/7" or "13/10" is not read as a date at all.
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return resolve_calendar(None, month, day, today, role)
    return None


def day_number(words: Sequence[str]) -> Optional[int]:
    """The day in '3', '3rd', 'third', 'twenty first', 'twenty-first'."""
    words = [w for w in words if w not in ("-", "the")]
    if len(words) == 1:
        match = _DAY_TOKEN.match(words[0])
        if match:
            return int(match.group(1))
        return lexicon.ORDINAL_WORDS.get(words[0])
    if len(words) == 2 and words[0] in lexicon.ORDINAL_TENS and words[1] in lexicon.ORDINAL_UNIT_WORDS:
        day = lexicon.ORDINAL_TENS[words[0]] + lexicon.ORDINAL_UNIT_WORDS[words[1]]
        return day if day <= 31 else None
    return None


def parse_month_day(words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """'oct 3', 'october 3rd, 2026', '3 oct 2026', 'the first of october', 'friday, oct 2'."""
    month = year = None
    day_words: List[str] = []
    for word in words:
        bare = word.rstrip(".")
        if month is None and (word in lexicon.MONTHS or bare in lexicon.MONTHS):
            month = lexicon.MONTHS.get(word) or lexicon.MONTHS[bare]
        elif _YEAR_TOKEN.match(word) and (month is not None or day_words):
            year = int(word)
        elif word in lexicon.WEEKDAYS or word in lexicon.WEEKDAY_SHORT or word in (",", ".", "of", "the", "-"):
            continue
        else:
            day_words.append(word)
    day = day_number(day_words)
    if month is None or day is None:
        return None
    return resolve_calendar(year, month, day, today, role)


def _most_recent_weekday(weekday: int, today: dt.date, modifier: Optional[str], role: Optional[str]) -> dt.date:
    if role == ROLE_REPLY_BY and modifier not in ("last", "past"):
        # "due friday": the coming one (today if it is friday); "next friday": after today.
        ahead = (weekday - today.weekday()) % 7
        if ahead == 0 and modifier == "next":
            ahead = 7
        return today + dt.timedelta(days=ahead)
    # Said on a Friday, "friday" or "last friday" is a week ago: people say "today" for
    # today, and the earlier date is the safer deadline.
    back = (today.weekday() - weekday) % 7 or 7
    return today - dt.timedelta(days=back)


def parse_weekday(words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """'tuesday', 'on tues', 'last friday', 'this past monday', 'next friday' (reply-by)."""
    modifier = None
    weekday = None
    for word in words:
        if word in ("last", "past", "this", "next"):
            modifier = "last" if word == "past" else (modifier or word)
        elif word in lexicon.WEEKDAYS:
            weekday = lexicon.WEEKDAYS[word]
        elif word.rstrip(".") in lexicon.WEEKDAY_SHORT:
            weekday = lexicon.WEEKDAY_SHORT[word.rstrip(".")]
    if weekday is None:
        return None
    if modifier == "next" and role != ROLE_REPLY_BY:
        date = _most_recent_weekday(weekday, today, "next", ROLE_REPLY_BY)
        return _check(date, today, role, relative=True)
    return _check(_most_recent_weekday(weekday, today, modifier, role), today, role, relative=True)


_RELATIVE_DAYS = {
    ("today",): 0, ("tonight",): 0, ("this", "morning"): 0, ("this", "afternoon"): 0,
    ("this", "evening"): 0, ("earlier", "today"): 0, ("2day",): 0, ("tday",): 0, ("todya",): 0,
    ("yesterday",): -1, ("yesterdy",): -1, ("yesturday",): -1, ("yesteday",): -1,
    ("yday",): -1, ("ystrdy",): -1, ("yesterdays",): -1, ("last", "night"): -1,
    ("yest",): -1, ("yestrday",): -1, ("yeserday",): -1, ("yesterady",): -1,
    ("day", "before", "yesterday"): -2, ("the", "day", "before", "yesterday"): -2,
    ("tomorrow",): 1, ("tmrw",): 1, ("tomorow",): 1, ("tommorow",): 1, ("tommorrow",): 1,
}
RELATIVE_DAY_PHRASES = tuple(_RELATIVE_DAYS)


def parse_relative_day(words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    offset = _RELATIVE_DAYS.get(tuple(words))
    if offset is None:
        return None
    return _check(today + dt.timedelta(days=offset), today, role, relative=True)


def _count(word: str) -> Optional[int]:
    if word.isdigit():
        return int(word)
    return lexicon.NUMBER_WORDS.get(word)


def parse_ago(words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """'two weeks ago', '3 days ago', 'a week ago', 'a couple of days ago', '10 days back'."""
    approximate = False
    count = None
    unit_days = unit_months = None
    for word in words:
        if word in lexicon.APPROXIMATE_WORDS and count is None:
            approximate = True
        elif word in lexicon.VAGUE_COUNTS:
            count, approximate = lexicon.VAGUE_COUNTS[word], True
        elif count is None and _count(word) is not None:
            count = _count(word)
        elif word in lexicon.DAY_UNITS:
            unit_days = lexicon.DAY_UNITS[word]
        elif word in lexicon.MONTH_UNITS:
            unit_months = lexicon.MONTH_UNITS[word]
    if count is None:
        count = 1  # "a week ago" reaches here through NUMBER_WORDS; "week ago" too
    if count > 400 or (unit_days is None and unit_months is None):
        return None
    if unit_days is not None:
        date = today - dt.timedelta(days=count * unit_days)
    else:
        date = today - relativedelta(months=count * unit_months)
    return _check(date, today, role, relative=True, approximate=approximate)


def _month_start(today: dt.date, months_back: int) -> dt.date:
    return today + relativedelta(day=1, months=-months_back)


def _month_end(first: dt.date) -> dt.date:
    return first + relativedelta(day=31)


def parse_vague(words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """Approximate dates: 'earlier this month', 'last week', 'last month', 'beginning of
    the month', 'end of last month', 'in october', 'early/mid/late october'. The value is
    the earliest plausible day (the safer deadline) and is marked approximate, so the form
    asks for the exact date printed on the notice."""
    text = " ".join(w for w in words if w not in ("the", "of"))
    flags = dict(relative=True, approximate=True)
    if text in ("earlier this month", "early this month", "beginning this month", "start this month",
                "beginning month", "start month", "first this month", "this month"):
        return _check(_month_start(today, 0), today, role, **flags)
    if text in ("this week", "earlier this week", "early this week", "beginning this week", "beginning week"):
        return _check(today - dt.timedelta(days=today.weekday()), today, role, **flags)
    if text in ("last week", "past week", "week before last"):
        # The Monday that began that week.
        back = 14 if text == "week before last" else 7
        monday = today - dt.timedelta(days=today.weekday() + back)
        return _check(monday, today, role, **flags)
    if text in ("last month", "past month", "beginning last month", "start last month", "early last month"):
        return _check(_month_start(today, 1), today, role, **flags)
    if text in ("end last month", "late last month"):
        return _check(_month_end(_month_start(today, 1)), today, role, **flags)
    if text in ("mid last month", "middle last month"):
        return _check(_month_start(today, 1) + dt.timedelta(days=14), today, role, **flags)
    month = None
    part = "start"
    for word in words:
        bare = word.rstrip(".")
        if bare in lexicon.MONTHS and month is None:
            month = lexicon.MONTHS[bare]
        elif word in ("mid", "middle", "mid-"):
            part = "mid"
        elif word in ("late", "end"):
            part = "end"
    if month is None:
        return None
    # The most recent such month that has begun; its part, but never after today.
    back = (today.month - month) % 12
    first = _month_start(today, back)
    day = {"start": first, "mid": first + dt.timedelta(days=14), "end": _month_end(first)}[part]
    flags = dict(relative=False, approximate=True, year_inferred=True)
    return _check(min(day, today), today, role, **flags)


# Days people name instead of dating ("it came on thanksgiving"): month, day, and for
# the floating ones the weekday rule (dateutil: TH(+4) is the fourth Thursday).
_NAMED_DAYS = {
    "thanksgiving": (11, 1, TH(+4), 0), "thanksgiving day": (11, 1, TH(+4), 0),
    "black friday": (11, 1, TH(+4), 1), "day after thanksgiving": (11, 1, TH(+4), 1),
    "christmas": (12, 25, None, 0), "xmas": (12, 25, None, 0), "christmas day": (12, 25, None, 0),
    "christmas eve": (12, 24, None, 0), "xmas eve": (12, 24, None, 0),
    "new years": (1, 1, None, 0), "new year": (1, 1, None, 0), "new years day": (1, 1, None, 0),
    "new year day": (1, 1, None, 0), "new years eve": (12, 31, None, 0), "new year eve": (12, 31, None, 0),
    "halloween": (10, 31, None, 0), "veterans day": (11, 11, None, 0),
    "fourth of july": (7, 4, None, 0), "4th of july": (7, 4, None, 0), "independence day": (7, 4, None, 0),
    "labor day": (9, 1, MO(+1), 0), "memorial day": (5, 31, MO(-1), 0),
}
NAMED_DAY_PHRASES = tuple(_NAMED_DAYS)


def _named_day_in(year: int, name: str) -> dt.date:
    month, day, weekday, shift = _NAMED_DAYS[name]
    date = dt.date(year, month, day)
    if weekday is not None:
        date += relativedelta(weekday=weekday)
    return date + dt.timedelta(days=shift)


def parse_named_day(words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """'thanksgiving', 'christmas eve', "new year's": the most recent one (the nearest for a
    respond-by date)."""
    name = " ".join(w for w in words if w not in ("'s", "’s", "'", "the", "on")).replace("years'", "years")
    if name not in _NAMED_DAYS:
        return None
    years = (today.year - 1, today.year, today.year + 1)
    candidates = [_named_day_in(y, name) for y in years]
    if role == ROLE_REPLY_BY:
        date = _nearest(candidates, today)
    else:
        date = max(d for d in candidates if d <= today)
    return _check(date, today, role, relative=True)


PARSERS: dict = {
    "DATE_NAMED": parse_named_day,
    "DATE_NUM": lambda words, today, role: parse_numeric(words[-1], today, role) if words else None,
    "DATE_MD": parse_month_day,
    "DATE_DAY": lambda words, today, role: _day_only(words, today, role),
    "DATE_DAY_OF": lambda words, today, role: _day_of_named_month(words, today, role),
    "DATE_WEEKDAY": parse_weekday,
    "DATE_REL": parse_relative_day,
    "DATE_AGO": parse_ago,
    "DATE_VAGUE": parse_vague,
}


def _day_only(words: Sequence[str], today: dt.date, role: Optional[str]) -> Optional[DateValue]:
    """'the 3rd', 'on the 2nd', 'thursday the 26th' (the weekday only names the same day)."""
    skip = {"on", "dated", ",", *lexicon.WEEKDAYS, *lexicon.WEEKDAY_SHORT}
    day = day_number([w for w in words if w not in skip and w.rstrip(".") not in skip])
    return None if day is None else resolve_day_of_month(day, today, role)


def _day_of_named_month(words: Sequence[str], today: dt.date, role: Optional[str]) -> Optional[DateValue]:
    """'the 3rd of this month', 'the 28th of last month'."""
    months_back = 1 if "last" in words or "past" in words or "previous" in words else 0
    head = []
    for word in words:
        if word == "of":
            break
        head.append(word)
    day = day_number(head)
    if day is None:
        return None
    first = _month_start(today, months_back)
    date = _valid(first.year, first.month, day)
    if date is None:
        return _problem(IMPOSSIBLE, relative=True)
    return _check(date, today, role, relative=True)


def parse(label: str, words: Sequence[str], today: dt.date, role: Optional[str] = None) -> Optional[DateValue]:
    """The value of a date mention that pipeline.py labelled; None when it is no date."""
    parser: Optional[Callable] = PARSERS.get(label)
    return parser(list(words), today, role) if parser else None


def parse_free_text(text: str, today: dt.date) -> Optional[DateValue]:
    """A date in words a trained spaCy pipeline labelled DATE, read by dateutil's parser.

    Accepted only when the words name a month and a day: parsing against two different
    default dates shows which parts the text itself gave."""
    from dateutil import parser as dateutil_parser

    try:
        first = dateutil_parser.parse(text, default=dt.datetime(2000, 1, 1), fuzzy=True)
        second = dateutil_parser.parse(text, default=dt.datetime(2004, 2, 2), fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if (first.month, first.day) != (second.month, second.day):
        return None  # the text gave no month or no day
    year = first.year if first.year == second.year else None
    return resolve_calendar(year, first.month, first.day, today)
