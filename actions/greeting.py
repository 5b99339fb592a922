from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import disclaimer_once
from bot.settings import firm_name


class ActionGreet(Action):
    """Greets with the firm's name and, the first time, the disclaimer."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_greet", firm_name=firm_name())
        return disclaimer_once(dispatcher, tracker)
