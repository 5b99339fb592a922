import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bullet_list, case_from, contact_offered, disclaimer_once, last_said
from actions.escalation import update_case
from bot.guidance import next_steps
from bot.notices import catalog
from bot.risk import LOW

# The taxpayer sees the strongest reasons only; the advisor sees them all in the case.
REASONS_SHOWN = 3


class ActionAssessRisk(Action):
    """Levy risk from the facts gathered (bot.risk), the next steps, and an advisor offer at
    high or urgent risk. Not repeated when nothing changed since the last assessment; with a
    case already at the advisors', the case gets the new facts instead of a new offer."""

    def name(self) -> Text:
        return "action_assess_risk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        case = case_from(tracker)
        fingerprint = json.dumps({"facts": case.facts(), "today": case.today.isoformat()}, sort_keys=True)
        if fingerprint == tracker.get_slot("assessed_facts"):
            return self._nothing_new(dispatcher, tracker)
        risk = case.risk()
        reasons = sorted((f for f in risk.factors if f.points > 0), key=lambda f: -f.points)
        if risk.level == LOW or not reasons:
            dispatcher.utter_message(response="utter_risk_low")
        else:
            dispatcher.utter_message(
                response=f"utter_risk_{risk.level}",
                reasons="\n" + bullet_list([catalog().as_people_say(f.reason) for f in reasons[:REASONS_SHOWN]]),
            )
        steps = next_steps(case)
        if steps:
            dispatcher.utter_message(response="utter_next_steps", steps=bullet_list(steps))
        events = [SlotSet("risk_level", risk.level), SlotSet("assessed_facts", fingerprint)]
        events += disclaimer_once(dispatcher, tracker)
        if tracker.get_slot("case_id"):
            # The advisor already has the case: it gets the new facts (a correction), not a new offer.
            await update_case(dispatcher, tracker)
            dispatcher.utter_message(response="utter_anything_else")
            return events + [SlotSet("advisor_offered", False)]
        if risk.escalate:
            # The advisor offer form asks the question (actions/forms.py, ValidateAdvisorOfferForm).
            return events + [SlotSet("advisor_offered", True), SlotSet("escalation_reason", "risk"), SlotSet("wants_advisor", None)]
        dispatcher.utter_message(response="utter_anything_else")
        return events + [SlotSet("advisor_offered", False)]

    @staticmethod
    def _nothing_new(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
        """A message after the summary that changes no fact: no repeat of the summary.

        "text me", "my cell is 555 201 9988" offer a way to be reached: that is a wish for an
        advisor, taken with the details (the offer form completes at once and the contact form
        asks only what is missing). Anything else gets "anything else?", and never the same
        question twice in a row: the second time it says what it can do, the third it offers an
        advisor, as the fallback does (the offer form asks)."""
        offered = contact_offered(tracker)
        with_case = bool(tracker.get_slot("case_id"))
        if offered and not with_case:
            return [SlotSet("advisor_offered", True), SlotSet("escalation_reason", "user_requested"),
                    SlotSet("wants_advisor", True)] + [SlotSet(slot, value) for slot, value in offered.items()]
        before = last_said(tracker)
        if before == "utter_intake_complete" and not with_case:
            return [SlotSet("advisor_offered", True), SlotSet("escalation_reason", "fallback"), SlotSet("wants_advisor", None)]
        dispatcher.utter_message(response="utter_intake_complete" if before == "utter_anything_else" else "utter_anything_else")
        return [SlotSet("advisor_offered", False)]
