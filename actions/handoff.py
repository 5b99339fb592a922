"""Keeping a conversation with the advisor who holds it.

While an advisor holds a conversation the queue pauses it in Rasa (bot/handoff/service.py).
Rasa 3.6 has two ways out of a pause that would silently hand the taxpayer back to the bot,
both reproduced on this stack (rasa/core/processor.py, rasa/shared/core/events.py):

- A `restart` intent ("/restart", "start over") is still processed in a paused conversation
  (`MessageProcessor._should_handle_message`), and the default `action_restart` returns a
  `Restarted` event, whose `_reset()` clears the pause.
- A message after the session expired runs `action_session_start`; its `SessionStarted`
  event resets the tracker the same way, pause included.

These overrides keep the pause in both cases. Domain entries (actions:) action_restart,
action_session_start; optional response utter_restart_while_advisor (a text default below).
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, FollowupAction, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

RESTART_WHILE_ADVISOR = "utter_restart_while_advisor"
RESTART_WHILE_ADVISOR_TEXT = ("An advisor from the firm is with you in this conversation, so I can't start over "
                              "right now. They can read your messages: tell them if you'd like to start again.")


def _has_response(domain: Dict[Text, Any], name: str) -> bool:
    return name in (domain.get("responses") or {})


class ActionRestartUnlessAdvisor(Action):
    """`action_restart`, except while an advisor holds the conversation."""

    def name(self) -> Text:
        return "action_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.is_paused():
            # The taxpayer's message stays in the transcript the advisor reads; the bot says why
            # nothing restarts, and the pause is untouched. action_listen ends the prediction
            # loop, which Rasa would otherwise keep running for the restart intent.
            if _has_response(domain, RESTART_WHILE_ADVISOR):
                dispatcher.utter_message(response=RESTART_WHILE_ADVISOR)
            else:
                dispatcher.utter_message(text=RESTART_WHILE_ADVISOR_TEXT)
            return [FollowupAction("action_listen")]
        # Rasa's own behaviour (rasa.core.actions.action.ActionRestart).
        if _has_response(domain, "utter_restart"):
            dispatcher.utter_message(response="utter_restart")
        return [Restarted()]


class ActionSessionStartKeepingAdvisor(Action):
    """`action_session_start` as Rasa's own, plus: a paused conversation stays paused."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            # As rasa.core.actions.action.ActionSessionStart: the slots of the session that ends.
            events.extend(SlotSet(event["name"], event.get("value"))
                          for event in tracker.applied_events() if event.get("event") == "slot")
        events.append(ActionExecuted("action_listen"))
        if tracker.is_paused():
            events.append(ConversationPaused())
        return events
