from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import disclaimer_once
from bot import firm


class ActionGreet(Action):
    """Greets with the firm's name and, the first time, the disclaimer, then asks what they
    need; inside a form only says hello again (the form asks its question next)."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_greet_again")
            return []
        dispatcher.utter_message(response="utter_greet", firm_name=firm.current().name)
        events = disclaimer_once(dispatcher, tracker)
        dispatcher.utter_message(response="utter_greet_question")
        return events
