"""Answering an FAQ (the retrieval intent `faq`), as Rasa's utter_faq does, but for this
taxpayer's case (bot/faq.py)."""
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import answers
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


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        key, _ = picked_answer(tracker)
        if key:
            dispatcher.utter_message(response=faq_response(tracker, key))
        else:
            dispatcher.utter_message(response="utter_default")  # no answer picked: say what it can do
        return []
