"""Helpers every action shares: the case from the tracker, the clock, the disclaimer, the
latest message as bot/nlu/reading.py read it."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import answers, clock
from bot.case import Case
from bot.nlu.reading import looks_like_a_question

# The widget renders custom payloads (the deadline card); REST and SMS would show them blank.
WIDGET_CHANNEL = "socketio"


def case_from(tracker: Tracker, changes: Optional[Mapping[str, Any]] = None) -> Case:
    """The case as the tracker has it, with `changes` (slots this action is about to set)."""
    return Case.from_slots({**tracker.current_slot_values(), **(changes or {})}, clock.today())


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def reading_of(tracker: Tracker) -> Dict[str, Any]:
    """What bot.nlu.reader added to the latest message (empty for a message without it)."""
    return tracker.latest_message.get("intake") or {}


def original_intent(tracker: Tracker) -> Optional[str]:
    return reading_of(tracker).get("original_intent") or latest_intent(tracker)


def disclaimer_once(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """The 'general information, not legal advice' line, once per conversation."""
    if tracker.get_slot("disclaimer_shown"):
        return []
    dispatcher.utter_message(response="utter_disclaimer")
    return [SlotSet("disclaimer_shown", True)]


def nothing_answered_yet(tracker: Tracker, running: Optional[str] = None) -> bool:
    """No action has answered the latest message yet: since it came, only slot extraction ran
    (and `running`, the form a validator is called for, which Rasa lists in the tracker it
    sends; a plain action is not listed while it runs)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in ("action_extract_slots", "action_listen", running):
            return False
    return True


def long_date(day) -> str:
    return f"{day:%B %-d, %Y}"


def short_date(day) -> str:
    return f"{day:%b %-d}"


def days_text(days: int) -> str:
    """'today', 'tomorrow', '13 days from today'."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"{days} days from today"


def bullet_list(lines: List[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def said_this_turn(tracker: Tracker, response: str) -> bool:
    """The response was already sent since the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            return True
    return False


def last_said(tracker: Tracker) -> Optional[str]:
    """The response the bot's latest message was (None for text without one)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def contact_offered(tracker: Tracker) -> Dict[str, str]:
    """The contact slots the latest message offers unasked ("text me", "call me at 555 201
    4433"); a question offers none ("can you text me the deadline?")."""
    text = latest_text(tracker)
    return {} if looks_like_a_question(text) else answers.offered_contact(text)
