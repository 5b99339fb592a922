""""Delete my data" in the chat: ask once, then erase the conversation everywhere.

- `action_ask_delete_my_data` asks for confirmation (buttons Yes / No). If the taxpayer asked
  for an advisor in this conversation, the question says that deleting withdraws the request.
  Inside a form it stops the form (its questions would otherwise read the answer "Yes").
- `action_delete_my_data` (after "Yes") asks the web service to erase the conversation
  (bot/privacy/client.py). The web service does it once this turn is saved, after checking in
  Rasa's tracker that this action really ran after the taxpayer's answer; it deletes the
  tracker, the advisor case and its notes, the SMS menu and any undelivered case, and records
  only that a deletion happened (bot/privacy/eraser.py).

While an advisor holds the conversation Rasa does not run actions (the conversation is
paused): the taxpayer's request reaches the advisor in the transcript, and the advisor deletes
through the dashboard's API (`POST /api/privacy/deletions`, docs/security.md). If this action
runs in a paused conversation anyway, it says so and changes nothing.

Domain entries: docs/security.md, "Delete my data in the chat".
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.privacy import logs
from bot.privacy.client import ERASE_ACTION, request_chat_deletion

logs.install()  # the action server's log hygiene (rasa_sdk imports every module of actions/)

ASK = "utter_ask_delete_my_data"
ASK_WITH_CASE = "utter_ask_delete_my_data_with_case"
DELETED = "utter_data_deleted"
FAILED = "utter_data_delete_failed"
WHILE_ADVISOR = "utter_delete_while_advisor"
WHILE_ADVISOR_TEXT = ("An advisor from the firm is with you in this conversation. Please tell them you'd like "
                      "your data deleted, and they will do it.")


def asked_for_advisor(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("case_id") or tracker.get_slot("handoff_consent"))


def _say(dispatcher: CollectingDispatcher, domain: Dict[Text, Any], response: str, fallback: str) -> None:
    if response in (domain.get("responses") or {}):
        dispatcher.utter_message(response=response)
    else:
        dispatcher.utter_message(text=fallback)


class ActionAskDeleteMyData(Action):
    def name(self) -> Text:
        return "action_ask_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.is_paused():
            _say(dispatcher, domain, WHILE_ADVISOR, WHILE_ADVISOR_TEXT)
            return []
        dispatcher.utter_message(response=ASK_WITH_CASE if asked_for_advisor(tracker) else ASK)
        # Always: the rules expect it (Rasa checks that an action that ends a loop in one rule
        # does so in all of them), and a form in progress must not read "Yes" as its answer.
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionDeleteMyData(Action):
    def name(self) -> Text:
        return ERASE_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.is_paused():
            _say(dispatcher, domain, WHILE_ADVISOR, WHILE_ADVISOR_TEXT)
            return []
        if not await asyncio.to_thread(request_chat_deletion, tracker.sender_id):
            dispatcher.utter_message(response=FAILED)
            return []
        dispatcher.utter_message(response=DELETED)
        # What this turn still does (until the erasure, a moment after it) forgets the facts too.
        return [AllSlotsReset()]
