"""What the assistant says when it did not understand, and what it does next.

Rasa predicts `action_default_fallback` in two ways: a rule, for a message the classifier
could not read (`nlu_fallback`); and RulePolicy's core fallback, when no rule fits the
conversation. In the second case nothing changes between predictions, so the same fallback
would be predicted again and again until Rasa's limit of 10 actions (the loop of issue 13).
This action therefore always names what comes next itself: listening, the form that was
interrupted (which asks its question again), or the advisor offer after a second miss in a row.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

FALLBACK = "action_default_fallback"
# After this many misunderstandings in a row, offer a person (issue: "fails twice in a row").
OFFER_ADVISOR_AFTER = 2


def fallback_streak(events: List[Dict[Text, Any]]) -> int:
    """How many user turns in a row, counting the current one, the assistant did not understand.

    Derived from the tracker's events, so no counter can drift out of step."""
    turns: List[List[str]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([])
        elif event.get("event") == "action" and turns:
            turns[-1].append(event.get("name"))
    streak = 1  # the current turn, which is running this action
    for actions in reversed(turns[:-1]):
        if FALLBACK not in actions:
            break
        streak += 1
    return streak


class ActionDefaultFallback(Action):
    """Says what the assistant can do; on the second miss in a row, offers an advisor."""

    def name(self) -> Text:
        return FALLBACK

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        loop = tracker.active_loop_name
        offer = fallback_streak(tracker.events) >= OFFER_ADVISOR_AFTER and not tracker.get_slot("case_id")
        if offer and loop in (None, "advisor_offer_form"):
            return [
                SlotSet("advisor_offered", True), SlotSet("escalation_reason", "fallback"), SlotSet("wants_advisor", None),
                FollowupAction("advisor_offer_form"),
            ]
        dispatcher.utter_message(response="utter_default")
        # Inside a form, the form asks its question again; otherwise listen.
        return [SlotSet("advisor_offered", False), FollowupAction(loop or "action_listen")]
