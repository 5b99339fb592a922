"""Everything else a message said, besides the answer the dialogue was waiting for.

"I got an LT11 dated Oct 30. They're threatening to take my bank account and I'm terrified.
Can they take my car too?" is a notice, a date, a threatened levy, fear and a question. The
deadline comes first (actions/deadline.py); then `acknowledge` says the rest, once, in this
order: a levy already made (urgent) or threatened (nothing taken yet), a word for the fear,
and the answers to the questions asked. The form that runs next asks its question last.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_text, original_intent, reading_of
from actions.faq import faq_response, firm_values, picked_answer
from actions.notices import explain_notice
from bot import answers
from bot.guidance import targets_in_words
from bot.nlu import reading as reading_kinds
from bot.nlu.levy import MADE, THREATENED

# How a digression intent is answered when the form took an answer from the same message
# ("about 15k, can they take my house?"): its answer is said here, the form goes on.
_ANSWERS_OF_INTENT = {
    "bot_challenge": "utter_iamabot",
    "share_sensitive_info": "utter_dont_share_sensitive",
}


def levy_made(tracker: Tracker, answering_levy_question: bool = False) -> frozenset:
    """Targets the latest message says were levied. Unclear words count as made only in a
    message the classifier read as a report of a levy ("I have a bank levy")."""
    levy = reading_of(tracker).get("levy") or {}
    made = set(levy.get(MADE) or ())
    if original_intent(tracker) == "report_levy" or answering_levy_question:
        made |= set(levy.get("unclear") or ())
    return frozenset(made)


def levy_threatened(tracker: Tracker) -> frozenset:
    return frozenset((reading_of(tracker).get("levy") or {}).get(THREATENED) or ())


def acknowledge(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    changes: Optional[Dict[str, Any]] = None,
    answered_own_intent: bool = False,
    levy_question: bool = False,
    asked_instead: bool = False,
) -> List[Dict[Text, Any]]:
    """Says the levy, the feeling and the answers the latest message needs; returns the slots.

    `changes`: slots already set in this call; `answered_own_intent`: the message's intent is
    a question a form took an answer from, so it is answered here (no rule will); `levy_question`:
    the message answers "has anything been taken?", which reads the levy itself; `asked_instead`:
    the message asked a question instead of answering the form's, so something must answer it."""
    changes = changes or {}
    slot = lambda name: changes.get(name, tracker.get_slot(name))  # noqa: E731
    reading = reading_of(tracker)
    events: List[Dict[Text, Any]] = []

    if not levy_question:
        made = levy_made(tracker)
        if made:
            known = answers.levy_targets_from_slot(slot("levy_status")) or frozenset()
            if not made <= known:
                dispatcher.utter_message(response="utter_levy_ack", targets=targets_in_words(made))
                events.append(SlotSet("levy_status", answers.levy_status_value(known | made)))
        threatened = levy_threatened(tracker) - made
        if threatened:
            before = answers.levy_targets_from_slot(slot("levy_threatened")) or frozenset()
            if not threatened <= before:
                if not made:
                    dispatcher.utter_message(response="utter_levy_threatened", targets=targets_in_words(threatened))
                events.append(SlotSet("levy_threatened", answers.levy_status_value(before | threatened)))

    if reading.get("feelings") and not slot("reassured") and latest_intent(tracker) != "feeling_worried":
        dispatcher.utter_message(response="utter_empathy")
        events.append(SlotSet("reassured", True))

    asked = list(reading.get("asked") or [])
    if (answered_own_intent or asked_instead) and not asked:
        asked.append(_own_question(tracker))
    answered = [item for item in asked if item and _answer(dispatcher, tracker, item)]
    if asked_instead and not answered:
        dispatcher.utter_message(response="utter_question_not_understood")
    return events


def _own_question(tracker: Tracker) -> Optional[Dict[str, Any]]:
    intent = latest_intent(tracker)
    if intent == "faq":
        if not reading_kinds.looks_like_a_question(latest_text(tracker)):
            return None  # "nothing taken but they say they will garnish my wages" asks nothing
        key, confidence = picked_answer(tracker)
        if confidence >= reading_kinds.FAQ_ANSWER_CONFIDENCE:
            return {"kind": reading_kinds.ASKED_FAQ, "key": key}
        return None
    if intent == "ask_about_notice":
        return {"kind": reading_kinds.ASKED_NOTICE}
    if intent in _ANSWERS_OF_INTENT:
        return {"kind": "response", "key": _ANSWERS_OF_INTENT[intent]}
    return None


def _answer(dispatcher: CollectingDispatcher, tracker: Tracker, asked: Dict[str, Any]) -> bool:
    kind, key = asked.get("kind"), asked.get("key")
    if kind == reading_kinds.ASKED_FAQ and key:
        dispatcher.utter_message(response=faq_response(tracker, key), **firm_values())
    elif kind == reading_kinds.ASKED_NOTICE:
        explain_notice(dispatcher, tracker, brief=True)
    elif kind == reading_kinds.ASKED_BOT:
        dispatcher.utter_message(response="utter_iamabot")
    elif kind == "response" and key:
        dispatcher.utter_message(response=key)
    else:
        return False
    return True
