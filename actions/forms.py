"""Form validators: every answer is read with bot/ logic; a bad answer gets a specific re-ask,
and after repeated failures the taxpayer is told they can skip or ask for a person."""
from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import long_date
from bot import answers, clock
from bot.answers import SKIPPED
from bot.deadlines import EARLIEST_NOTICE_DATE
from bot.nlu import extract_entities
from bot.notices import lookup

SKIP_INTENTS = ("skip", "dont_know")
# Intents that may be a question or a request rather than an answer. The answer is read
# first: if it answers the question asked (a date, a code, an amount...), it is used whatever
# the intent; if not, the form steps aside and the rules answer the digression.
DIGRESSION_INTENTS = frozenset({
    "faq", "ask_about_notice", "ask_deadline", "request_human", "bot_challenge", "restart",
    "out_of_scope", "share_sensitive_info", "feeling_worried", "goodbye", "delete_my_data",
})
# A question about a notice names a code, which would read as an answer to "which notice?";
# "delete my data" must never be taken as an answer.
ALWAYS_DIGRESS = frozenset({"ask_about_notice", "delete_my_data"})
# After this many failed answers to one question, offer "skip" or a person.
OFFER_SKIP_AFTER = 2
_PLAIN_NUMBER = re.compile(r"^\s*\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?\s*$")
DATE_PROBLEM_RESPONSES = {
    "future": "utter_date_in_future",
    "too_old": "utter_date_too_old",
    "impossible": "utter_date_impossible",
}
MAX_NAME_LENGTH = 60


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def entities_in(tracker: Tracker, text: str) -> List[Dict[str, Any]]:
    """Entities of the latest message; the same parser runs on a free-text answer."""
    found = [e for e in tracker.latest_message.get("entities", []) if e.get("extractor") == "IntakeEntityExtractor"]
    return found or extract_entities(text, clock.today())


def looks_like_a_question(value: Any, tracker: Tracker) -> bool:
    """For free-text answers (a name, a good time) the intent alone can't tell: names and
    times are words the classifier has never seen ("Dave" once read as goodbye). Short
    answers count as answers; a question mark or a longer digression intent does not.
    Only the message being answered now is judged, not a value kept from earlier."""
    text = latest_text(tracker).strip()
    if str(value or "").strip() != text:
        return False
    return latest_intent(tracker) in DIGRESSION_INTENTS and (text.endswith("?") or len(text.split()) >= 4)


def _needs_read_back(entity: Dict[str, Any]) -> bool:
    """A date the taxpayer did not spell out ("yesterday", "last week") is read back as a
    calendar date before it is used (docs/nlu.md: relative and approximate dates)."""
    info = entity.get("additional_info") or {}
    return bool(info.get("relative") or info.get("approximate"))


def previous_slot_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message."""
    seen_latest_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_latest_user = True
        elif seen_latest_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


class IntakeValidation(FormValidationAction, ABC):
    """Shared by the three forms: digressions, skip handling and per-question failure counts.
    Abstract, so rasa_sdk does not register it as an action."""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        requested = tracker.get_slot("requested_slot")
        intent = latest_intent(tracker)
        if not requested or intent not in DIGRESSION_INTENTS:
            return await super().run(dispatcher, tracker, domain)
        if intent not in ALWAYS_DIGRESS:
            trial = CollectingDispatcher()
            events = await super().run(trial, tracker, domain)
            if any(e.get("event") == "slot" and e.get("name") == requested and e.get("value") is not None for e in events):
                dispatcher.messages.extend(trial.messages)
                return events
        # Not an answer: hand the turn back to the policies (a rule answers, then the form
        # asks its question again).
        return [ActionExecutionRejected(self.form_name())]

    @staticmethod
    def wants_to_skip(tracker: Tracker) -> bool:
        return latest_intent(tracker) in SKIP_INTENTS

    @staticmethod
    def accept(slot: str, value: Any, tracker: Tracker, **more: Any) -> Dict[Text, Any]:
        failures = dict(tracker.get_slot("form_failures") or {})
        failures.pop(slot, None)
        return {slot: value, "form_failures": failures, **more}

    @staticmethod
    def reject(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **values: Any) -> Dict[Text, Any]:
        failures = dict(tracker.get_slot("form_failures") or {})
        failures[slot] = failures.get(slot, 0) + 1
        dispatcher.utter_message(response=response, **values)
        if failures[slot] >= OFFER_SKIP_AFTER:
            dispatcher.utter_message(response="utter_ask_skip_or_person")
        return {slot: None, "form_failures": failures}


class ValidateNoticeForm(IntakeValidation):
    def name(self) -> Text:
        return "validate_notice_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain: DomainDict) -> List[Text]:
        # A relative date ("yesterday") is read back to the taxpayer before it is used.
        if tracker.get_slot("notice_date_relative"):
            return domain_slots
        return [slot for slot in domain_slots if slot != "date_confirmed"]

    def validate_notice_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        match = lookup(str(value or ""))
        if not match.known and match.code is None:
            if self.wants_to_skip(tracker):
                return self.accept("notice_code", "unknown", tracker)
            return self.reject("notice_code", dispatcher, tracker, "utter_invalid_notice_code")
        if not match.known:
            dispatcher.utter_message(response="utter_unknown_notice_code", code=match.code)
        result = self.accept("notice_code", match.code, tracker)
        previous = previous_slot_value(tracker, "notice_code")
        date_given_now = any(
            e.get("entity") == "notice_date" and not e.get("role") for e in tracker.latest_message.get("entities", [])
        )
        if previous and previous != match.code and not date_given_now:
            # A different notice: the date we have belongs to the other one.
            result.update(notice_date=None, notice_date_relative=None, date_confirmed=None, reply_by_date=None)
        return result

    def validate_notice_date(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == SKIPPED:
            return self.accept("notice_date", SKIPPED, tracker)
        text = str(value or "")
        try:
            return self._accept_date(dt.date.fromisoformat(text), tracker, dispatcher)
        except ValueError:
            pass
        entities = entities_in(tracker, latest_text(tracker) or text)
        by_role = {}
        for entity in entities:
            if entity.get("entity") == "notice_date":
                by_role.setdefault(entity.get("role"), entity)
        if None in by_role:
            return self._accept_date(dt.date.fromisoformat(by_role[None]["value"]), tracker, dispatcher, _needs_read_back(by_role[None]))
        if "received" in by_role:
            dispatcher.utter_message(response="utter_date_is_arrival")
            return {"notice_date": None, "received_date": by_role["received"]["value"]}
        problem = next((e["value"] for e in entities if e.get("entity") == "date_problem"), None)
        if problem in DATE_PROBLEM_RESPONSES:
            return self.reject("notice_date", dispatcher, tracker, DATE_PROBLEM_RESPONSES[problem])
        if self.wants_to_skip(tracker):
            return self.accept("notice_date", SKIPPED, tracker)
        return self.reject("notice_date", dispatcher, tracker, "utter_invalid_notice_date")

    def _accept_date(self, day: dt.date, tracker: Tracker, dispatcher: CollectingDispatcher, relative: bool = False) -> Dict[Text, Any]:
        if day > clock.today():
            return self.reject("notice_date", dispatcher, tracker, "utter_date_in_future")
        if day < EARLIEST_NOTICE_DATE:
            return self.reject("notice_date", dispatcher, tracker, "utter_date_too_old")
        if not relative:
            relative = any(
                _needs_read_back(entity)
                for entity in tracker.latest_message.get("entities", [])
                if entity.get("entity") == "notice_date" and entity.get("value") == day.isoformat()
            )
        return self.accept(
            "notice_date", day.isoformat(), tracker, notice_date_relative=relative, date_confirmed=None if relative else True
        )

    def validate_date_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        intent = latest_intent(tracker)
        answer = answers.yes_no(str(value or ""))
        if intent == "affirm" or answer is True:
            return {"date_confirmed": True, "notice_date_relative": False}
        # A new date in the answer ("no, it's the 12th") replaces the one read back.
        corrected = self.validate_notice_date(str(value or ""), dispatcher, tracker, domain)
        if corrected.get("notice_date") and corrected.get("notice_date") != tracker.get_slot("notice_date"):
            return {**corrected, "date_confirmed": True, "notice_date_relative": False}
        if intent == "deny" or answer is False:
            dispatcher.utter_message(response="utter_date_confirm_no")
            return {"date_confirmed": None, "notice_date": None, "notice_date_relative": None}
        return self.reject("date_confirmed", dispatcher, tracker, "utter_invalid_yes_no")


class ActionAskDateConfirmed(Action):
    """Reads a relative date back as a calendar date: 'So the notice is dated Friday, ...?'"""

    def name(self) -> Text:
        return "action_ask_date_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        day = dt.date.fromisoformat(tracker.get_slot("notice_date"))
        dispatcher.utter_message(response="utter_ask_date_confirmed", date_text=f"{day:%A}, {long_date(day)}")
        return []


class ValidateSituationForm(IntakeValidation):
    def name(self) -> Text:
        return "validate_situation_form"

    def _read(self, slot: str, parsed: Any, dispatcher, tracker: Tracker, invalid: str, stored: Any = None) -> Dict[Text, Any]:
        if parsed is not None:
            return self.accept(slot, parsed if stored is None else stored, tracker)
        if self.wants_to_skip(tracker):
            return self.accept(slot, SKIPPED, tracker)
        return self.reject(slot, dispatcher, tracker, invalid)

    def validate_levy_status(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == SKIPPED:
            return self.accept("levy_status", value, tracker)
        text = str(value or "")
        targets = {e["value"] for e in entities_in(tracker, text) if e.get("entity") == "levy_target"}
        parsed = frozenset(targets) if targets else answers.levy_targets(text)
        if parsed is None and latest_intent(tracker) == "deny":
            parsed = frozenset()
        stored = answers.levy_status_value(parsed) if parsed is not None else None
        return self._read("levy_status", parsed, dispatcher, tracker, "utter_invalid_levy_status", stored)

    def validate_payment_plan(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        parsed = answers.payment_plan(str(value or ""))
        if parsed is None and latest_intent(tracker) == "deny":
            parsed = "none"
        return self._read("payment_plan", parsed, dispatcher, tracker, "utter_invalid_payment_plan")

    def _yes_no(self, slot: str, value: Any, dispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if isinstance(value, bool):
            return self.accept(slot, value, tracker)
        parsed = answers.yes_no(str(value or ""))
        if parsed is None:
            parsed = {"affirm": True, "deny": False}.get(latest_intent(tracker))
        return self._read(slot, parsed, dispatcher, tracker, "utter_invalid_yes_no")

    def validate_unfiled_returns(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._yes_no("unfiled_returns", value, dispatcher, tracker)

    def validate_hardship(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._yes_no("hardship", value, dispatcher, tracker)

    def validate_balance(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return self.accept("balance", float(value), tracker)
        text = str(value or "")
        amounts = [e["value"] for e in entities_in(tracker, text) if e.get("entity") == "amount"]
        parsed: Optional[float] = float(amounts[0]) if amounts else None
        plain = _PLAIN_NUMBER.match(text)
        if parsed is None and plain:
            # Asked "how much do you owe", a bare number is dollars.
            parsed = float(plain.group(0).replace("$", "").replace(",", "").strip())
        return self._read("balance", parsed, dispatcher, tracker, "utter_invalid_balance")

    def validate_taxpayer_type(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._read("taxpayer_type", answers.taxpayer_type(str(value or "")), dispatcher, tracker, "utter_invalid_taxpayer_type")


class ValidateContactForm(IntakeValidation):
    def name(self) -> Text:
        return "validate_contact_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain: DomainDict) -> List[Text]:
        # Ask for the phone number or the email address, whichever way they want to be reached.
        unused = {"phone": {"contact_email"}, "email": {"contact_phone"}}.get(
            tracker.get_slot("contact_method"), {"contact_phone", "contact_email"}
        )
        return [slot for slot in domain_slots if slot not in unused]

    def validate_contact_method(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "")
        method = answers.contact_method(text)
        if method is None:
            return self.reject("contact_method", dispatcher, tracker, "utter_invalid_contact_method")
        result = self.accept("contact_method", method, tracker)
        # "call me at 555-201-4433" answers two questions at once.
        if method == "phone" and answers.phone_number(text):
            result["contact_phone"] = answers.phone_number(text)
        if method == "email" and answers.email_address(text):
            result["contact_email"] = answers.email_address(text)
        return result

    def validate_contact_phone(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        phone = answers.phone_number(str(value or ""))
        if phone is None:
            return self.reject("contact_phone", dispatcher, tracker, "utter_invalid_phone")
        return self.accept("contact_phone", phone, tracker)

    def validate_contact_email(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        email = answers.email_address(str(value or ""))
        if email is None:
            return self.reject("contact_email", dispatcher, tracker, "utter_invalid_email")
        return self.accept("contact_email", email, tracker)

    def validate_best_time(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if looks_like_a_question(value, tracker):
            return {"best_time": None}
        if self.wants_to_skip(tracker) or not text:
            return self.accept("best_time", "any time", tracker)
        return self.accept("best_time", text[:120], tracker)

    def validate_contact_name(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if looks_like_a_question(value, tracker):
            return {"contact_name": None}
        text = re.sub(r"^(my name is|i'?m|it'?s|this is|call me)\s+", "", str(value or "").strip(), flags=re.I)
        if self.wants_to_skip(tracker) or not text or any(ch.isdigit() for ch in text):
            return self.accept("contact_name", SKIPPED, tracker)
        return self.accept("contact_name", text[:MAX_NAME_LENGTH].strip(" .!"), tracker)
