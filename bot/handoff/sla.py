"""First-response targets of the advisor queue, and how the bot words its promise.

This module is the ONE place for the thresholds per priority and the firm's business hours;
the queue's SLA-breached flag and the bot's promise to the taxpayer both come from here, so
the taxpayer is told what the queue measures.

Configuration (environment, read when `SlaPolicy.from_env()` is called):
  HANDOFF_SLA             per-priority targets, default "urgent=15bm,high=1bh,medium=4bh,low=1bd"
                          15m / 1h   calendar minutes / hours (someone is on call around the clock)
                          30bm / 4bh business minutes / hours (the clock runs only while open)
                          1bd        by closing time of the n-th next business day
  HANDOFF_BUSINESS_HOURS  unset: the firm's opening hours (FIRM_HOURS, default "Mon-Fri 08:00-18:00",
                          bot/firm.py); set it only when the queue is staffed on other hours
  FIRM_TIMEZONE / HANDOFF_TIMEZONE, FIRM_TIMEZONE_LABEL / HANDOFF_TIMEZONE_LABEL: the firm's zone
                          and how it is written (bot.firm.zone_from_env; "America/New_York", "ET")
  HANDOFF_HOLIDAYS        "dc" (closed on DC legal holidays, bot/holidays.py) or "none"

The default counts business time for every priority, so the bot never promises 15 minutes at
2 am on a Sunday (it says "by 8:15 am ET Monday"); a firm with advisors on call around the
clock sets "urgent=15m,high=1h,...".
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from bot import firm
from bot.holidays import dc_legal_holiday

URGENT, HIGH, MEDIUM, LOW = "urgent", "high", "medium", "low"
PRIORITIES = (URGENT, HIGH, MEDIUM, LOW)  # most urgent first; the queue orders by this

DEFAULT_SLA = "urgent=15bm,high=1bh,medium=4bh,low=1bd"

CALENDAR, BUSINESS, BUSINESS_DAYS = "calendar", "business", "business_days"


class SlaConfigError(ValueError):
    """The SLA or business-hours configuration cannot be read."""


@dataclass(frozen=True)
class Target:
    """A first-response target: an amount on one of three clocks."""

    amount: int
    clock: str  # CALENDAR / BUSINESS (minutes) or BUSINESS_DAYS (days)

    @classmethod
    def parse(cls, raw: str) -> "Target":
        match = re.fullmatch(r"\s*(\d+)\s*(m|h|bm|bh|bd)\s*", raw)
        if not match or int(match.group(1)) <= 0:
            raise SlaConfigError(f"'{raw}' is not a target like 15m, 1h, 4bh, 30bm or 1bd")
        amount, unit = int(match.group(1)), match.group(2)
        if unit == "bd":
            return cls(amount, BUSINESS_DAYS)
        minutes = amount * 60 if unit.endswith("h") else amount
        return cls(minutes, BUSINESS if unit.startswith("b") else CALENDAR)


def _parse_targets(raw: str) -> Dict[str, Target]:
    targets: Dict[str, Target] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise SlaConfigError(f"HANDOFF_SLA: '{part.strip()}' is not priority=target")
        name, value = (piece.strip().lower() for piece in part.split("=", 1))
        if name not in PRIORITIES:
            raise SlaConfigError(f"HANDOFF_SLA: unknown priority '{name}'")
        targets[name] = Target.parse(value)
    missing = [p for p in PRIORITIES if p not in targets]
    if missing:
        raise SlaConfigError(f"HANDOFF_SLA: no target for {', '.join(missing)}")
    return targets


def _business_hours(env: Mapping[str, str]) -> Tuple[FrozenSet[int], dt.time, dt.time]:
    """The queue's opening hours: HANDOFF_BUSINESS_HOURS when set, else the firm's (FIRM_HOURS),
    read by the firm's one parser (bot/firm.py), so the queue counts the hours the page shows."""
    own = (env.get("HANDOFF_BUSINESS_HOURS") or "").strip()
    setting, raw = ("HANDOFF_BUSINESS_HOURS", own) if own else ("FIRM_HOURS", firm.hours_setting(env))
    try:
        return firm.parse_hours(raw, setting)
    except firm.FirmConfigError as error:
        raise SlaConfigError(str(error)) from None


@dataclass(frozen=True)
class SlaPolicy:
    targets: Mapping[str, Target]
    days: FrozenSet[int]
    opens: dt.time
    closes: dt.time
    zone: ZoneInfo
    zone_label: str
    closed_on: Callable[[dt.date], Optional[str]] = field(default=lambda day: None, compare=False)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "SlaPolicy":
        env = os.environ if env is None else env
        days, opens, closes = _business_hours(env)
        try:
            zone_name, zone_label = firm.zone_from_env(env)
        except firm.FirmConfigError as error:
            raise SlaConfigError(str(error)) from None
        holidays = (env.get("HANDOFF_HOLIDAYS") or "dc").strip().lower()
        if holidays not in ("dc", "none"):
            raise SlaConfigError("HANDOFF_HOLIDAYS must be 'dc' or 'none'")
        return cls(
            targets=_parse_targets(env.get("HANDOFF_SLA") or DEFAULT_SLA),
            days=days,
            opens=opens,
            closes=closes,
            zone=ZoneInfo(zone_name),
            zone_label=zone_label,
            closed_on=dc_legal_holiday if holidays == "dc" else (lambda day: None),
        )

    # --- business calendar ------------------------------------------------------------------
    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.days and not self.closed_on(day)

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def _next_business_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        for _ in range(400):  # a configuration with no business day at all is refused below
            if self.is_business_day(day):
                return day
            day += dt.timedelta(days=1)
        raise SlaConfigError("no business day within a year: check HANDOFF_BUSINESS_HOURS / FIRM_HOURS")

    def add_business_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """`start` plus `minutes` of open time (the clock stops while the firm is closed)."""
        local = _aware(start).astimezone(self.zone)
        day = local.date()
        if not self.is_business_day(day) or local >= self._at(day, self.closes):
            day = self._next_business_day(day)
            local = self._at(day, self.opens)
        elif local < self._at(day, self.opens):
            local = self._at(day, self.opens)
        remaining = dt.timedelta(minutes=minutes)
        while True:
            left_today = self._at(day, self.closes) - local
            if remaining <= left_today:
                return (local + remaining).astimezone(dt.timezone.utc)
            remaining -= left_today
            day = self._next_business_day(day)
            local = self._at(day, self.opens)

    def close_of_business_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Closing time of the `days`-th business day after the day of `start`."""
        day = _aware(start).astimezone(self.zone).date()
        for _ in range(days):
            day = self._next_business_day(day)
        return self._at(day, self.closes).astimezone(dt.timezone.utc)

    # --- the rule --------------------------------------------------------------------------
    def target(self, priority: str) -> Target:
        try:
            return self.targets[priority]
        except KeyError:
            raise ValueError(f"unknown priority '{priority}' (one of {', '.join(PRIORITIES)})") from None

    def first_response_due(self, priority: str, since: dt.datetime) -> dt.datetime:
        """When the first advisor response is due for a case waiting since `since` (UTC)."""
        target = self.target(priority)
        since = _aware(since)
        if target.clock == CALENDAR:
            return (since + dt.timedelta(minutes=target.amount)).astimezone(dt.timezone.utc)
        if target.clock == BUSINESS:
            return self.add_business_minutes(since, target.amount)
        return self.close_of_business_days(since, target.amount)

    # --- words for the taxpayer ----------------------------------------------------------------
    def due_text(self, due: dt.datetime, now: dt.datetime, nominal_minutes: Optional[int] = None) -> str:
        """Words for "an advisor will contact you ___", true for the time `due`.

        When the due time is the plain target from now (no closed hours in between), say the
        duration ("within about an hour"); otherwise name the local time, rounded up to the
        quarter hour so the promise errs on the safe side ("by 1 pm ET tomorrow").
        """
        due, now = _aware(due), _aware(now)
        if due <= now:
            return "as soon as an advisor is free"
        left = (due - now).total_seconds() / 60
        if nominal_minutes is not None and left <= nominal_minutes + 0.5:
            return f"within about {_duration_words(nominal_minutes)}"
        return f"by {self._clock_words(due, now)}"

    def promise_text(self, priority: str, now: dt.datetime) -> str:
        target = self.target(priority)
        nominal = target.amount if target.clock in (CALENDAR, BUSINESS) else None
        return self.due_text(self.first_response_due(priority, now), now, nominal)

    def _clock_words(self, due: dt.datetime, now: dt.datetime) -> str:
        return self.time_words(due, now)

    def time_words(self, due: dt.datetime, now: dt.datetime) -> str:
        """"1 pm ET tomorrow": `due` rounded up to the quarter hour, with its zone and day."""
        local = round_up_quarter(_aware(due).astimezone(self.zone))
        return f"{firm.clock_words(local.time())} {self.zone_label} {self.day_words(local.date(), now)}"

    def day_words(self, day: dt.date, now: dt.datetime) -> str:
        """"today", "tomorrow", "Monday" (within the week), else "Monday, June 23"."""
        days_ahead = (day - _aware(now).astimezone(self.zone).date()).days
        if days_ahead == 0:
            return "today"
        if days_ahead == 1:
            return "tomorrow"
        if days_ahead < 7:
            return f"{day:%A}"
        return f"{day:%A, %B} {day.day}"

    @property
    def hours_text(self) -> str:
        """The hours the queue is staffed, as bot.firm words them: "Monday to Friday, 8 am to 6 pm ET"."""
        return f"{firm.days_words(self.days)}, {firm.clock_words(self.opens)} to {firm.clock_words(self.closes)} {self.zone_label}"

    def opening_hours_on(self, day: dt.date) -> Optional[Tuple[dt.datetime, dt.datetime]]:
        """When the firm is open on `day` (aware, in the firm's zone), or None when closed."""
        if not self.is_business_day(day):
            return None
        return self._at(day, self.opens), self._at(day, self.closes)


def _aware(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes in this package are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def round_up_quarter(moment: dt.datetime) -> dt.datetime:
    """Promises err on the safe side: 10:07 -> 10:15, 10:15 stays."""
    minutes = moment.minute + (moment.second or moment.microsecond > 0)
    quarters = math.ceil(minutes / 15) * 15
    base = moment.replace(minute=0, second=0, microsecond=0)
    return base + dt.timedelta(minutes=quarters)


def _duration_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes} minutes" if minutes != 1 else "a minute"
    hours_words = "an hour" if hours == 1 else f"{hours} hours"
    if rest == 0:
        return hours_words
    if rest == 30 and hours == 1:
        return "an hour and a half"
    return f"{hours_words} and {rest} minutes"


_DEFAULT: Optional[Tuple[Tuple[Tuple[str, str], ...], SlaPolicy]] = None


def current_policy() -> SlaPolicy:
    """The policy of this process's environment (re-read when the environment changes)."""
    global _DEFAULT
    keys = ("HANDOFF_SLA", "HANDOFF_BUSINESS_HOURS", "HANDOFF_TIMEZONE", "HANDOFF_TIMEZONE_LABEL", "HANDOFF_HOLIDAYS",
            "FIRM_HOURS", "FIRM_TIMEZONE", "FIRM_TIMEZONE_LABEL")
    fingerprint = tuple((key, os.environ.get(key, "")) for key in keys)
    if _DEFAULT is None or _DEFAULT[0] != fingerprint:
        _DEFAULT = (fingerprint, SlaPolicy.from_env())
    return _DEFAULT[1]


def first_response_due(priority: str, since: dt.datetime) -> dt.datetime:
    return current_policy().first_response_due(priority, since)


def promise_text(priority: str, now: dt.datetime) -> str:
    """What the bot tells the taxpayer: "an advisor will contact you <promise_text>".

    e.g. "within about 15 minutes", "within about an hour", "by 1 pm ET tomorrow".
    """
    return current_policy().promise_text(priority, now)


def due_text(due: dt.datetime, now: dt.datetime, priority: Optional[str] = None) -> str:
    """Words for an already known due time (e.g. the first_response_due the queue returned).

    With the case's priority, a due time that is the plain target from now reads as a duration.
    """
    policy = current_policy()
    nominal = None
    if priority is not None:
        target = policy.target(priority)
        nominal = target.amount if target.clock in (CALENDAR, BUSINESS) else None
    return policy.due_text(due, now, nominal)
