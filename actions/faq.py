"""Answering an FAQ (the retrieval intent `faq`), as Rasa's utter_faq does, but for this
taxpayer's case (bot/faq.py)."""
import datetime as dt
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import long_date
from bot import answers, clock, firm
from bot.faq import fitting_answer


def picked_answer(tracker: Tracker) -> Tuple[Optional[str], float]:
    """The answer picker's key for the latest message (faq/<name>, or None) and how sure it is."""
    selected = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    response = selected.get("response") or {}
    return response.get("intent_response_key"), float(response.get("confidence") or 0)


def faq_response(tracker: Tracker, key: str) -> str:
    """The response that answers the FAQ `key` for this taxpayer: utter_faq/<name>."""
    named = {e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "levy_target"}
    known = (answers.levy_targets_from_slot(tracker.get_slot("levy_status")) or frozenset()) | (
        answers.levy_targets_from_slot(tracker.get_slot("levy_threatened")) or frozenset())
    return f"utter_{fitting_answer(key, named, known)}"


def firm_values() -> Dict[str, str]:
    """The firm's details for answers that name them (utter_faq/firm_contact): bot/firm.py."""
    current = firm.current()
    open_now = " We're open now." if current.is_open(clock.utcnow()) else (
        " We're closed right now; you can also leave your details here and an advisor will call you back.")
    return {"firm_name": current.name, "firm_phone": current.phone, "firm_hours": current.hours_text, "open_now": open_now}


def next_step(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """An answer ends with what they can do next: work out the deadline, or talk to an advisor
    once the deadline is known. Inside a form the form's question is the next step; with a
    case at the advisors' there is nothing to offer."""
    if tracker.active_loop_name or tracker.get_slot("case_id"):
        return
    deadline = tracker.get_slot("cdp_deadline")
    if deadline:
        try:
            day = dt.date.fromisoformat(str(deadline))
        except ValueError:
            day = None
        if day is not None:
            dispatcher.utter_message(response="utter_faq_next_advisor", deadline_text=f"{day:%A}, {long_date(day)}")
            return
    dispatcher.utter_message(response="utter_faq_next_deadline")


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        key, _ = picked_answer(tracker)
        if key:
            dispatcher.utter_message(response=faq_response(tracker, key), **firm_values())
            next_step(dispatcher, tracker)
        else:
            dispatcher.utter_message(response="utter_default")  # no answer picked: say what it can do
        return []
