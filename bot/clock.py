"""The project's one clock.

INTAKE_TODAY=YYYY-MM-DD overrides today's date in every process (action server, CLI,
tests), so a conversation about a deadline can be replayed on any day. Nothing else in the
project reads the system date: call `today()` (legal dates) or `utcnow()` (timestamps).
"""
from __future__ import annotations

import datetime as dt
import os

ENV_VAR = "INTAKE_TODAY"


class ClockError(ValueError):
    """INTAKE_TODAY is set but is not a YYYY-MM-DD date."""


def parse_iso_date(raw: str) -> dt.date:
    """A strict YYYY-MM-DD date (the only form the clock and the CLI accept)."""
    try:
        if len(raw) != 10:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is not a date in the form YYYY-MM-DD") from None


def today() -> dt.date:
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return dt.date.today()
    try:
        return parse_iso_date(raw)
    except ValueError as error:
        raise ClockError(f"{ENV_VAR}: {error}") from None


def utcnow() -> dt.datetime:
    """Wall-clock time for timestamps (queue waiting times, audit trail): always real time.

    INTAKE_TODAY moves legal dates only; SLA timers must keep measuring real minutes.
    """
    return dt.datetime.now(dt.timezone.utc)
