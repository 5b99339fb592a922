"""Helpers every action shares: the case from the tracker, the clock, the disclaimer."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.case import Case


def case_from(tracker: Tracker) -> Case:
    return Case.from_slots(tracker.current_slot_values(), clock.today())


def disclaimer_once(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """The 'general information, not legal advice' line, once per conversation."""
    if tracker.get_slot("disclaimer_shown"):
        return []
    dispatcher.utter_message(response="utter_disclaimer")
    return [SlotSet("disclaimer_shown", True)]


def long_date(day) -> str:
    return f"{day:%B %-d, %Y}"


def short_date(day) -> str:
    return f"{day:%b %-d}"


def bullet_list(lines: List[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)
