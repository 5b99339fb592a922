"""The custom payloads the assistant sends to its channels: one place for their shapes.

The action server builds them (a Rasa `custom` response / `dispatcher.utter_message(json_message=...)`),
the web service sends the handoff ones through Rasa's API, the widget draws them and the SMS
channel turns them into short text. docs/channels.md documents the same shapes for people.
No Rasa imports: everything here is plain data.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Mapping, Optional

DEADLINE_CARD = "deadline_card"
HANDOFF = "handoff"
HANDOFF_STATES = ("joined", "left")


def deadline_card(
    *,
    last_day: dt.date,
    days_left: int,
    status: str,
    notice: Optional[str] = None,
    notice_date: Optional[dt.date] = None,
    kind: str = "cdp",
    equivalent_hearing_last_day: Optional[dt.date] = None,
    title: Optional[str] = None,
    as_of: Optional[dt.date] = None,
) -> Dict[str, Any]:
    """The deadline as a card: the widget shows date, weekday and days left and offers an .ics.

    `status` is the deadline engine's (bot.deadlines: open, last_day_today, passed);
    `as_of` is the day `days_left` was counted on (the project's clock, bot/clock.py), so a
    card shown again days later can say when it was counted.
    """
    card: Dict[str, Any] = {
        "type": DEADLINE_CARD,
        "kind": kind,
        "title": title or "Last day to request a Collection Due Process hearing",
        "last_day": last_day.isoformat(),
        "weekday": last_day.strftime("%A"),
        "days_left": days_left,
        "status": status,
    }
    if notice:
        card["notice"] = notice
    if notice_date:
        card["notice_date"] = notice_date.isoformat()
    if equivalent_hearing_last_day:
        card["equivalent_hearing_last_day"] = equivalent_hearing_last_day.isoformat()
    if as_of:
        card["as_of"] = as_of.isoformat()
    return card


def deadline_card_from_report(report: Any, notice: Optional[str] = None) -> Dict[str, Any]:
    """A card from bot.deadlines.DeadlineReport (duck-typed, so this module stays import-light)."""
    equivalent = getattr(report, "equivalent_hearing", None)
    return deadline_card(
        last_day=report.effective_last_day,
        days_left=report.days_left,
        status=report.status,
        notice=notice,
        notice_date=report.notice_date,
        equivalent_hearing_last_day=equivalent.last_day if equivalent is not None else None,
        as_of=report.today,
    )


def handoff(state: str, advisor: Optional[str] = None) -> Dict[str, Any]:
    """An advisor joined or left the conversation: state for the widget (its header bar).

    The handoff queue sends it as `data.custom` of the same bot event that carries its words
    ("Dana, an advisor at the firm, has joined..."), so text-only channels say it once.
    """
    if state not in HANDOFF_STATES:
        raise ValueError(f"handoff state must be one of {HANDOFF_STATES}, not {state!r}")
    payload: Dict[str, Any] = {"type": HANDOFF, "state": state}
    if advisor:
        payload["advisor"] = advisor
    return payload


def as_sms_text(payload: Mapping[str, Any]) -> Optional[str]:
    """What a text-only channel says for a custom payload, or None to say nothing.

    The deadline card repeats what the assistant's text reply already says, and the handoff
    state travels with the queue's own words, so SMS drops both; any other payload may carry a
    `text` fallback.
    """
    if not isinstance(payload, Mapping):
        return None
    kind = payload.get("type")
    if kind in (DEADLINE_CARD, HANDOFF):
        return None
    text = payload.get("text")
    return text if isinstance(text, str) and text.strip() else None
