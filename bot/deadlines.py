"""The deadline engine: Collection Due Process and related dates, from the law.

Pure functions over dates; "today" is always passed in (see bot/clock.py). Every rule names
its source: a section of ../shared/domain/irs-collection-facts.md ("facts 1.1") and the
statute or regulation behind it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Optional, Tuple

from dateutil.relativedelta import relativedelta

from bot.holidays import is_business_day, non_business_reason

# facts 1.1: Treas. Reg. 301.6330-1(c)(2) Q&A-C3: "within the 30-day period commencing the
# day after the date of the CDP Notice", so the last day is notice date + 30 calendar days.
CDP_WINDOW_DAYS = 30
# facts 1.3: IRC 6320(a)(2): the lien notice is due within 5 business days after the filing.
LIEN_NOTICE_BUSINESS_DAYS = 5
# facts 4: IRC 6332(c), Reg. 301.6332-3: a bank surrenders levied deposits only after 21 days.
BANK_HOLD_DAYS = 21
# facts 7: "the computed CDP deadline is 7 days or less away" is the near-deadline signal.
NEAR_DEADLINE_DAYS = 7
# A design choice on top of facts 7: with 2 days or less (today included) the request has to be
# mailed today or tomorrow, so the case is urgent and the taxpayer is told what to do today.
IMMINENT_DEADLINE_DAYS = 2
# The same signals for the last days of the one-year equivalent-hearing window (facts 1.4,
# Treas. Reg. 301.6330-1(i)(2) Q&A-I7): a design choice, as for the CDP window.
EQUIVALENT_NEAR_DAYS = 14
# Dates the engine accepts: the IRS notices this assistant explains are all from this century.
EARLIEST_NOTICE_DATE = dt.date(2000, 1, 1)

STATUS_OPEN = "open"
STATUS_LAST_DAY = "last_day_today"
STATUS_PASSED = "passed"


class DeadlineInputError(ValueError):
    """A date the engine must not compute from; the message is written for the user."""


@dataclass(frozen=True)
class SkippedDay:
    day: dt.date
    reason: str  # "Saturday", "Sunday" or the holiday's name


@dataclass(frozen=True)
class Deadline:
    """One legal deadline: the nominal last day, and the day after the 7503 roll."""

    kind: str
    nominal: dt.date
    last_day: dt.date
    skipped: Tuple[SkippedDay, ...]
    source: str

    def days_left(self, today: dt.date) -> int:
        return (self.last_day - today).days

    def status(self, today: dt.date) -> str:
        return status_for(self.days_left(today))

    @property
    def rolled(self) -> bool:
        return self.last_day != self.nominal


def status_for(days_left: int) -> str:
    if days_left > 0:
        return STATUS_OPEN
    return STATUS_LAST_DAY if days_left == 0 else STATUS_PASSED


def roll_forward(day: dt.date) -> Tuple[dt.date, Tuple[SkippedDay, ...]]:
    """IRC 7503 / Reg. 301.7503-1(a) (facts 1.5): a last day on a Saturday, Sunday or DC legal
    holiday moves to the next day that is none of those."""
    skipped = []
    reason = non_business_reason(day)
    while reason is not None:
        skipped.append(SkippedDay(day, reason))
        day += dt.timedelta(days=1)
        reason = non_business_reason(day)
    return day, tuple(skipped)


def _deadline(kind: str, nominal: dt.date, source: str) -> Deadline:
    last_day, skipped = roll_forward(nominal)
    return Deadline(kind, nominal, last_day, skipped, source)


def check_notice_date(notice_date: dt.date, today: dt.date) -> None:
    if notice_date > today:
        raise DeadlineInputError(
            f"The date {notice_date:%B %-d, %Y} is in the future. Please check the date printed "
            "on the notice (usually near the top right)."
        )
    if notice_date < EARLIEST_NOTICE_DATE:
        raise DeadlineInputError(
            f"The date {notice_date:%B %-d, %Y} is before 2000, which can't be the date of a "
            "current notice. Please check the date printed on it."
        )


def cdp_levy_deadline(notice_date: dt.date) -> Deadline:
    """Last day to request a CDP hearing on a pre-levy notice (LT11, Letter 1058, CP90...).

    facts 1.1: IRC 6330(a)(3)(B); Reg. 301.6330-1(c)(2) Q&A-C3: notice date + 30 days.
    facts 1.5: IRC 7502 (postmark counts) and 7503 (weekend / DC holiday roll).
    """
    return _deadline(
        "cdp_levy",
        notice_date + dt.timedelta(days=CDP_WINDOW_DAYS),
        "IRC 6330(a)(3)(B); Treas. Reg. 301.6330-1(c)(2) Q&A-C3; IRC 7502, 7503",
    )


def equivalent_hearing_deadline(notice_date: dt.date) -> Deadline:
    """Last day to request an equivalent hearing after a missed CDP window.

    facts 1.4: Reg. 301.6330-1(i)(2) Q&A-I7: "within the one-year period commencing the day
    after the date of the CDP Notice", which ends on the notice date's anniversary (Feb 29
    -> Feb 28); Q&A-I8: IRC 7502 and 7503 apply.
    """
    return _deadline(
        "equivalent_hearing",
        notice_date + relativedelta(years=1),
        "Treas. Reg. 301.6330-1(i)(2) Q&A-I7, I8; IRC 7502, 7503",
    )


def add_business_days(start: dt.date, count: int) -> dt.date:
    day = start
    while count > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def cdp_lien_deadline(
    filing_date: Optional[dt.date] = None, letter_date: Optional[dt.date] = None
) -> Deadline:
    """Last day to request a lien CDP hearing (Letter 3172, IRC 6320).

    facts 1.3: IRC 6320(a)(2), (a)(3)(B); Reg. 301.6320-1(c)(2) Q&A-C3: 30 days beginning the
    day after the 5-business-day period that follows the lien filing; rolled under 7503
    (Newsome v. Comm'r counted it this way).

    Without the filing date, the date printed on the letter is used: the letter goes out
    within those 5 business days, so letter date + 30 is never later than the true
    deadline. The letter itself prints the exact date (Pub 1660).
    """
    if filing_date is not None:
        fifth = add_business_days(filing_date, LIEN_NOTICE_BUSINESS_DAYS)
        return _deadline(
            "cdp_lien",
            fifth + dt.timedelta(days=CDP_WINDOW_DAYS),
            "IRC 6320(a)(2), (a)(3)(B); Treas. Reg. 301.6320-1(c)(2) Q&A-C3; IRC 7503",
        )
    if letter_date is None:
        raise DeadlineInputError("The lien deadline needs the lien filing date or the letter date.")
    return _deadline(
        "cdp_lien_from_letter",
        letter_date + dt.timedelta(days=CDP_WINDOW_DAYS),
        "IRC 6320(a)(3)(B) (conservative: from the letter date); IRC 7503",
    )


@dataclass(frozen=True)
class BankHold:
    """IRC 6332(c) (facts 4): the bank holds levied deposits for 21 days after service."""

    served: dt.date
    hold_ends: dt.date
    earliest_surrender: dt.date

    def days_left(self, today: dt.date) -> int:
        return (self.hold_ends - today).days


def bank_levy_hold(served: dt.date) -> BankHold:
    hold_ends = served + dt.timedelta(days=BANK_HOLD_DAYS)
    # Reg. 301.6332-3: surrender comes after the hold, on the bank's next business day.
    earliest, _ = roll_forward(hold_ends + dt.timedelta(days=1))
    return BankHold(served, hold_ends, earliest)


@dataclass(frozen=True)
class DeadlineReport:
    """What a taxpayer needs to know about the dates of one notice, as of `today`."""

    notice_date: dt.date
    today: dt.date
    cdp: Deadline
    equivalent_hearing: Optional[Deadline]
    printed_reply_by: Optional[dt.date] = None
    notes: Tuple[str, ...] = field(default=())

    @property
    def effective_last_day(self) -> dt.date:
        """facts 1.5 caveats: when the notice prints a different date, the earlier one wins."""
        if self.printed_reply_by and self.printed_reply_by < self.cdp.last_day:
            return self.printed_reply_by
        return self.cdp.last_day

    @property
    def printed_date_differs(self) -> bool:
        return self.printed_reply_by is not None and self.printed_reply_by != self.cdp.last_day

    @property
    def days_left(self) -> int:
        return (self.effective_last_day - self.today).days

    @property
    def status(self) -> str:
        return status_for(self.days_left)

    @property
    def near(self) -> bool:
        return self.status != STATUS_PASSED and self.days_left <= NEAR_DEADLINE_DAYS

    @property
    def imminent(self) -> bool:
        """The CDP request must go out today or within IMMINENT_DEADLINE_DAYS."""
        return self.status != STATUS_PASSED and self.days_left <= IMMINENT_DEADLINE_DAYS

    @property
    def equivalent_days_left(self) -> Optional[int]:
        if self.equivalent_hearing is None:
            return None
        return self.equivalent_hearing.days_left(self.today)

    @property
    def equivalent_closing(self) -> bool:
        """The CDP window has passed and the equivalent-hearing year ends within EQUIVALENT_NEAR_DAYS."""
        left = self.equivalent_days_left
        return self.status == STATUS_PASSED and left is not None and 0 <= left <= EQUIVALENT_NEAR_DAYS

    @property
    def equivalent_open(self) -> bool:
        return (
            self.equivalent_hearing is not None
            and self.equivalent_hearing.days_left(self.today) >= 0
        )


def cdp_report(
    notice_date: dt.date,
    today: dt.date,
    printed_reply_by: Optional[dt.date] = None,
    lien_filing_date: Optional[dt.date] = None,
    lien: bool = False,
) -> DeadlineReport:
    """The CDP deadline (and equivalent-hearing window) for a notice dated `notice_date`.

    `lien=True` uses the IRC 6320 rule (Letter 3172); otherwise the IRC 6330 levy rule.
    Raises DeadlineInputError for a date the engine must not compute from.
    """
    check_notice_date(notice_date, today)
    if lien_filing_date is not None:
        check_notice_date(lien_filing_date, today)
    if printed_reply_by is not None and printed_reply_by < notice_date:
        raise DeadlineInputError(
            "The reply-by date you gave is before the notice date; please check both dates."
        )
    if lien:
        cdp = cdp_lien_deadline(filing_date=lien_filing_date, letter_date=notice_date)
    else:
        cdp = cdp_levy_deadline(notice_date)
    # The equivalent hearing is the late route for levy and lien CDP notices alike (facts 1.4).
    # For a lien the year runs from after the 5-business-day period; counting it from the
    # letter date is never later than that, so it is the safe figure to give.
    report = DeadlineReport(
        notice_date=notice_date,
        today=today,
        cdp=cdp,
        equivalent_hearing=equivalent_hearing_deadline(notice_date),
        printed_reply_by=printed_reply_by,
    )
    notes = []
    if report.printed_date_differs:
        notes.append(
            f"The notice prints {printed_reply_by:%A, %B %-d, %Y} but the rule gives "
            f"{cdp.last_day:%A, %B %-d, %Y}; act by the earlier date and have a person check."
        )
    return replace(report, notes=tuple(notes))
