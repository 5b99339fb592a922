"""The firm the assistant works for: ONE place for its name, phone, opening hours and time zone.

Everything that names the firm reads it here: the bot's responses, the demo page, the .ics,
the SMS keyword replies (STOP/START/HELP), the queue's business hours and the promises made
from them, and the honest answers given while an advisor is away.

Environment (defaults are the demo firm's):
  FIRM_NAME       "Harbor Tax Resolution"
  FIRM_PHONE      "(555) 010-0142"     as written to people; the tel: link is derived from it
  FIRM_HOURS      "Mon-Fri 08:00-18:00" (days: Mon..Sun, a range or a comma list); the queue's
                  business hours unless HANDOFF_BUSINESS_HOURS says otherwise
  FIRM_TIMEZONE   "America/New_York"   (HANDOFF_TIMEZONE is read when this is unset)
  FIRM_TIMEZONE_LABEL  how the zone is written to people; "ET" for New York
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import FrozenSet, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEMO_NAME = "Harbor Tax Resolution"
DEMO_PHONE = "(555) 010-0142"
DEFAULT_HOURS = "Mon-Fri 08:00-18:00"
DEFAULT_TIMEZONE = "America/New_York"
ZONE_LABELS = {"America/New_York": "ET", "America/Chicago": "CT", "America/Denver": "MT",
               "America/Los_Angeles": "PT", "America/Phoenix": "MST", "Pacific/Honolulu": "HT",
               "America/Anchorage": "AKT", "UTC": "UTC"}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class FirmConfigError(ValueError):
    """The firm's details in the environment cannot be read."""


def parse_days(raw: str, setting: str = "FIRM_HOURS") -> FrozenSet[int]:
    days = set()
    for part in raw.lower().split(","):
        ends = [p.strip()[:3] for p in part.split("-")]
        if any(end not in DAY_NAMES for end in ends) or len(ends) > 2:
            raise FirmConfigError(f"{setting}: '{part.strip()}' is not a day or a day range")
        first, last = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        if last < first:
            raise FirmConfigError(f"{setting}: '{part.strip()}' runs backwards")
        days.update(range(first, last + 1))
    return frozenset(days)


def parse_hours(raw: str, setting: str = "FIRM_HOURS") -> Tuple[FrozenSet[int], dt.time, dt.time]:
    """"Mon-Fri 08:00-18:00" -> (weekdays 0..4, 08:00, 18:00)."""
    match = re.fullmatch(r"\s*([A-Za-z,\- ]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", raw)
    if not match:
        raise FirmConfigError(f"{setting}: '{raw}' is not like 'Mon-Fri 08:00-18:00'")
    try:
        opens = dt.time(int(match.group(2)), int(match.group(3)))
        closes = dt.time(int(match.group(4)), int(match.group(5)))
    except ValueError:
        raise FirmConfigError(f"{setting}: '{raw}' has an impossible time") from None
    if closes <= opens:
        raise FirmConfigError(f"{setting}: closing time must be after opening time")
    return parse_days(match.group(1), setting), opens, closes


def hours_setting(env: Mapping[str, str]) -> str:
    """The firm's opening hours as configured (FIRM_HOURS), or the default."""
    return (env.get("FIRM_HOURS") or "").strip() or DEFAULT_HOURS


def zone_from_env(env: Mapping[str, str]) -> Tuple[str, str]:
    """The firm's time zone and how it is written to people: FIRM_TIMEZONE(_LABEL), else the
    queue's HANDOFF_TIMEZONE(_LABEL), else New York / "ET". The queue reads the same zone."""
    zone_name = ((env.get("FIRM_TIMEZONE") or "").strip() or (env.get("HANDOFF_TIMEZONE") or "").strip()
                 or DEFAULT_TIMEZONE)
    setting = "FIRM_TIMEZONE" if (env.get("FIRM_TIMEZONE") or "").strip() else "HANDOFF_TIMEZONE"
    try:
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FirmConfigError(f"{setting}: unknown time zone '{zone_name}'") from None
    label = ((env.get("FIRM_TIMEZONE_LABEL") or "").strip() or (env.get("HANDOFF_TIMEZONE_LABEL") or "").strip()
             or ZONE_LABELS.get(zone_name, zone_name))
    return zone_name, label


def clock_words(time: dt.time) -> str:
    """08:00 -> "8 am", 17:30 -> "5:30 pm", 12:00 -> "noon"."""
    if time.hour == 12 and time.minute == 0:
        return "noon"
    hour = time.hour % 12 or 12
    suffix = "am" if time.hour < 12 else "pm"
    return f"{hour} {suffix}" if time.minute == 0 else f"{hour}:{time.minute:02d} {suffix}"


def days_words(days: FrozenSet[int]) -> str:
    """{0..4} -> "Monday to Friday", {5, 6} -> "Saturday and Sunday"."""
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{_FULL_DAY_NAMES[ordered[0]]} to {_FULL_DAY_NAMES[ordered[-1]]}"
    names = [_FULL_DAY_NAMES[d] for d in ordered]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Firm:
    name: str
    phone: str
    hours: str  # as configured, "Mon-Fri 08:00-18:00"
    days: FrozenSet[int]
    opens: dt.time
    closes: dt.time
    timezone: str
    zone_label: str

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Firm":
        env = os.environ if env is None else env
        hours = hours_setting(env)
        days, opens, closes = parse_hours(hours)
        zone_name, label = zone_from_env(env)
        phone = (env.get("FIRM_PHONE") or "").strip() or DEMO_PHONE
        if len(re.sub(r"\D", "", phone)) < 7:
            raise FirmConfigError(f"FIRM_PHONE: '{phone}' is not a phone number")
        return cls(name=(env.get("FIRM_NAME") or "").strip() or DEMO_NAME, phone=phone, hours=hours,
                   days=days, opens=opens, closes=closes, timezone=zone_name, zone_label=label)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def phone_tel(self) -> str:
        """For a tel: link: +1 and ten digits for a US number, else the digits with a +."""
        digits = re.sub(r"\D", "", self.phone)
        if len(digits) == 10:
            return "+1" + digits
        return "+" + digits

    @property
    def hours_text(self) -> str:
        """"Monday to Friday, 8 am to 6 pm ET"."""
        return f"{days_words(self.days)}, {clock_words(self.opens)} to {clock_words(self.closes)} {self.zone_label}"

    def is_open(self, moment: dt.datetime) -> bool:
        """Within opening hours (holidays are the SLA's business; bot/handoff/sla.py)."""
        local = (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def as_dict(self) -> dict:
        return {"name": self.name, "phone": self.phone, "phone_tel": self.phone_tel, "hours": self.hours_text,
                "timezone": self.timezone, "zone_label": self.zone_label}


_CACHE: Optional[Tuple[Tuple[str, ...], Firm]] = None
_KEYS = ("FIRM_NAME", "FIRM_PHONE", "FIRM_HOURS", "FIRM_TIMEZONE", "FIRM_TIMEZONE_LABEL",
         "HANDOFF_TIMEZONE", "HANDOFF_TIMEZONE_LABEL")


def current() -> Firm:
    """The firm of this process's environment (re-read when the environment changes)."""
    global _CACHE
    fingerprint = tuple(os.environ.get(key, "") for key in _KEYS)
    if _CACHE is None or _CACHE[0] != fingerprint:
        _CACHE = (fingerprint, Firm.from_env())
    return _CACHE[1]
