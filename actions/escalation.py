"""Handing the case to a human advisor: consent, contact details, then the queue."""
import logging
from functools import lru_cache
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import case_from, channel_of, contact_offered, said_this_turn
from bot import answers, clock, firm
from bot.call_promise import call_promise
from bot.handoff.client import HandoffClient, SubmitResult
from bot.handoff.sla import current_policy

logger = logging.getLogger(__name__)

SMS_CHANNEL = "sms"
PRIORITY_WORDS = {"urgent": "urgent", "high": "high priority", "medium": "normal priority", "low": "normal priority"}


class ActionAcceptAdvisor(Action):
    """The taxpayer wants an advisor (accepted an offer or asked): record consent, the reason
    and a way to reach them the message offers, and on SMS the number they are texting from."""

    def name(self) -> Text:
        return "action_accept_advisor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        asked = tracker.latest_message.get("intent", {}).get("name") == "request_human"
        reason = "user_requested" if asked else tracker.get_slot("escalation_reason") or "user_requested"
        dispatcher.utter_message(response="utter_advisor_accepted")
        events = [
            SlotSet("handoff_consent", True),
            SlotSet("escalation_reason", reason),
            SlotSet("advisor_offered", False),
        ]
        # "talk to a person, call me at 555 201 4433": the way to reach them is taken too; on SMS
        # a phone without a number is the one they are texting from.
        offered = {} if tracker.get_slot("contact_method") else contact_offered(tracker)
        method = offered.get("contact_method") or tracker.get_slot("contact_method")
        phone = offered.get("contact_phone") or tracker.get_slot("contact_phone")
        # Only a number the contact form itself accepts: a sender it would reject (a non-US or
        # reserved number) must not be complained about before anything was asked or typed.
        sender = tracker.sender_id or ""
        if channel_of(tracker) == SMS_CHANNEL and answers.phone_number(sender) == sender and method in (None, "phone") and not phone:
            offered = {**offered, "contact_method": "phone", "contact_phone": tracker.sender_id}
        events += [SlotSet(slot, value) for slot, value in offered.items()]
        return events


class ActionAdvisorDeclined(Action):
    def name(self) -> Text:
        return "action_advisor_declined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_advisor_declined", firm_phone=firm.current().phone)
        return [SlotSet("advisor_offered", False), SlotSet("escalation_reason", None)]


def contact_of(tracker: Tracker) -> Dict[str, Any]:
    method = tracker.get_slot("contact_method")
    name = tracker.get_slot("contact_name")
    return {
        "name": None if name in (None, "skipped") else name,
        "method": method,
        "phone": tracker.get_slot("contact_phone") if method == "phone" else None,
        "email": tracker.get_slot("contact_email") if method == "email" else None,
        "best_time": tracker.get_slot("best_time"),
        "consent": bool(tracker.get_slot("handoff_consent")),
    }


@lru_cache(maxsize=1)
def handoff_client() -> HandoffClient:
    """One client per action-server process: it owns the outbox's background flusher."""
    return HandoffClient.from_env()


def _payload(tracker: Tracker) -> Dict[str, Any]:
    return case_from(tracker).handoff_payload(
        conversation_id=tracker.sender_id,
        channel=channel_of(tracker),
        reason=tracker.get_slot("escalation_reason") or "user_requested",
        contact=contact_of(tracker),
    )


async def update_case(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The advisor's case gets the facts as they are now (after a correction)."""
    result = await handoff_client().submit_async(_payload(tracker))
    if result.rejected:
        logger.error("case update for conversation %s rejected: %s", tracker.sender_id, result.error)
        return
    if not result.delivered:
        logger.warning("case update for conversation %s queued in the outbox", tracker.sender_id)
    if not said_this_turn(tracker, "utter_handoff_updated"):
        dispatcher.utter_message(response="utter_handoff_updated")


class ActionEscalate(Action):
    """Creates (or updates) the advisor case with everything gathered, then tells the
    taxpayer truthfully what happens next and by when."""

    def name(self) -> Text:
        return "action_escalate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        contact = contact_of(tracker)
        result = await handoff_client().submit_async(_payload(tracker))
        method_words = "call you" if contact["method"] == "phone" else "email you"
        if result.rejected:  # a bug on our side: the queue refused the case's shape
            logger.error("handoff for conversation %s rejected: %s", tracker.sender_id, result.error)
            dispatcher.utter_message(response="utter_handoff_failed", firm_phone=firm.current().phone)
            return []
        if not result.delivered:  # kept in the durable outbox; delivered when the queue is back
            logger.warning("handoff for conversation %s queued in the outbox", tracker.sender_id)
            dispatcher.utter_message(
                response="utter_handoff_saved_offline", method_words=method_words, firm_phone=firm.current().phone
            )
            return []
        if result.created is False:
            dispatcher.utter_message(response="utter_handoff_updated")
        promise, note = promise_words(result, contact)
        dispatcher.utter_message(
            response="utter_handoff_created",
            priority_words=PRIORITY_WORDS.get(result.priority, "normal priority"),
            method_words=method_words,
            promise=promise,
            promise_note=f" {note}" if note else "",
        )
        return [SlotSet("case_id", str(result.case_id))]


def promise_words(result: SubmitResult, contact: Dict[str, Any]) -> Tuple[str, str]:
    """When the advisor will call, fitted to the best time the taxpayer gave, the firm's hours
    and the queue's first-response target (bot/call_promise.py); an email keeps the queue's."""
    if result.first_response_due is None:
        return result.promise or "as soon as an advisor is free", ""
    best_time = contact.get("best_time") if contact.get("method") == "phone" else None  # an email is written any time
    promise = call_promise(best_time, result.first_response_due, clock.utcnow(), current_policy(), result.promise)
    return promise.words, promise.note
