import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bullet_list, case_from, disclaimer_once
from actions.escalation import update_case
from bot.guidance import next_steps
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
            # Nothing new to assess (a correction that changed nothing): no repeat of the summary.
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("advisor_offered", False)]
        risk = case.risk()
        reasons = sorted((f for f in risk.factors if f.points > 0), key=lambda f: -f.points)
        if risk.level == LOW or not reasons:
            dispatcher.utter_message(response="utter_risk_low")
        else:
            dispatcher.utter_message(
                response=f"utter_risk_{risk.level}",
                reasons="\n" + bullet_list([f.reason for f in reasons[:REASONS_SHOWN]]),
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
