"""Form validators: every answer is read with bot/ logic, in the terms of the question asked.

Rasa calls a form's validator in two ways (rasa/core/actions/forms.py):
1. right after the taxpayer's message (or when the form starts), with the slot candidates the
   domain's mappings took from it;
2. when the form resumes after a digression (a rule answered a question), with none.
Only the first reads the message. The second must not judge the message again: rejecting
there stops the form from asking its question, and the conversation derails.

What the first call does, in order:
- the notice and its date, wherever they were given (a correction inside another form too):
  checked, and the deadline told the moment both are known or whenever they change;
- the candidates for this form's slots: each read by its reader (`read_<slot>`), which returns
  an `Answer`: the value, other slots the same words fill, or the problem to explain;
- a message the mappings left out because the classifier called it a question ("the date on
  it is september 30" as a FAQ) is still read as an answer when it is one ("answer first");
- a correction of the previous answer ("wait, actually I missed payments") replaces it;
- the rest of the message (a levy made or threatened, fear, a question): actions/acknowledge.py.
A question that is not an answer (no candidate, nothing read) goes back to the rules: Rasa
rejects the form itself, a rule answers, the form resumes and asks again (call 2).
"""
from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.acknowledge import acknowledge, levy_made
from actions.common import case_from, latest_intent, latest_text, long_date, nothing_answered_yet, reading_of
from actions.deadline import deadline_is_new, tell_deadline
from actions.escalation import update_case
from bot import answers, clock
from bot.answers import SKIPPED
from bot.deadlines import EARLIEST_NOTICE_DATE
from bot.dialogue import digressions
from bot.guidance import targets_in_words
from bot.nlu import extract_entities
from bot.nlu.levy import ASKED, THREATENED
from bot.nlu.reading import looks_like_a_question
from bot.notices import lookup
from bot.privacy.redaction import redact
from bot.risk import PLAN_STATUSES

REQUESTED_SLOT = "requested_slot"
SKIP_INTENTS = ("skip", "dont_know")
# After this many failed answers to one question, offer "skip" or a person.
OFFER_SKIP_AFTER = 2
_PLAN_WORDS = re.compile(r"\b(plan|installment|agreement)\b", re.I)
# A question that failed this many answers in a row is left, as a person would ("let's leave
# that for now"), with the value a "skip" gives; never the same three messages again and
# again. The ways to reach the taxpayer are never left: without them no advisor can call.
MOVE_ON_AFTER = 3
# Slots acknowledge() sets from a levy told in passing: such a message was heard, not misheard.
LEVY_SLOTS = ("levy_status", "levy_threatened")
MOVES_ON_WITH = {
    "notice_code": "unknown", "notice_date": SKIPPED, "levy_status": SKIPPED, "payment_plan": SKIPPED,
    "unfiled_returns": SKIPPED, "balance": SKIPPED, "hardship": SKIPPED, "taxpayer_type": SKIPPED,
    "best_time": "any time", "contact_name": SKIPPED,
}
NOTICE_FACTS = ("notice_code", "notice_date", "received_date", "reply_by_date")
# The intents whose notice facts the domain maps wherever the conversation is (domain.yml).
CORRECTING_INTENTS = frozenset({"report_notice", "report_levy", "inform", "ask_deadline", "request_human"})
# Words that greet or thank, never a name ("hi" at "what name should the advisor ask for?").
_SOCIAL_WORDS = re.compile(
    r"^\s*(hi|hello|hey|hiya|yo|thanks?|thank you|thx|ty|ok|okay|bye|goodbye|yes|no|yeah|nope|sure)\b", re.I
)
# Words no name is made of: a message the classifier heard as a digression is a name only
# without them ("Dave" read as a goodbye is a name; "whens my deadline" is not).
_NOT_NAME_WORDS = frozenset({
    "my", "the", "a", "an", "is", "are", "do", "does", "did", "what", "whats", "when", "whens", "how", "why",
    "where", "who", "can", "will", "i", "im", "i'm", "you", "me", "it", "its", "it's", "this", "that", "your",
    "deadline", "notice", "irs", "help", "please", "so", "scared", "worried", "not", "no", "yes", "to", "of",
})
_NAME_WORD = re.compile(r"^[^\W\d_][\w'.-]*$")


def _looks_like_a_name(text: str) -> bool:
    words = text.replace(",", " ").split()
    return (0 < len(words) <= 4 and not _SOCIAL_WORDS.match(text)
            and all(_NAME_WORD.match(w) and w.lower() not in _NOT_NAME_WORDS for w in words))


_REFERS_BACK = re.compile(r"\b(one|it|that|this)\b", re.I)
_PLAIN_NUMBER = re.compile(r"^\s*\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?\s*$")
DATE_PROBLEM_RESPONSES = {
    "future": "utter_date_in_future",
    "too_old": "utter_date_too_old",
    "impossible": "utter_date_impossible",
}
# A thank-you, a greeting or a goodbye answers only a question whose answer is its own words
# or an entity: "ok thanks" is no yes, "Dave" (read as a goodbye) is a name.
SOCIAL_INTENTS = frozenset({"thank", "greet", "goodbye", "bot_challenge"})
WORDS_ANY_INTENT = frozenset({"notice_code", "notice_date", "balance", "contact_phone", "contact_email",
                              "best_time", "contact_name"})
MAX_NAME_LENGTH = 60
MAX_TIME_LENGTH = 120


@dataclass
class Answer:
    """What one message says for one slot. `value` None: not answered; then `problem` is the
    response that explains why (said once, with a skip offer after repeated failures)."""

    value: Any = None
    more: Dict[str, Any] = field(default_factory=dict)  # other slots the same words fill
    said: List[Dict[str, Any]] = field(default_factory=list)  # messages to say when it is used
    problem: Optional[str] = None
    problem_values: Dict[str, Any] = field(default_factory=dict)
    counts_as_failure: bool = True
    is_question: bool = False  # the words ask something rather than answer

    @property
    def answered(self) -> bool:
        return self.value is not None


def entities_in(tracker: Tracker, text: str) -> List[Dict[str, Any]]:
    """Entities of the latest message when `text` is its text; else the same parser on `text`."""
    if text == latest_text(tracker):
        found = [e for e in tracker.latest_message.get("entities", []) if e.get("extractor") == "IntakeEntityExtractor"]
        if found:
            return found
    return extract_entities(text, clock.today())


def _is_the_message(text: str, tracker: Tracker) -> bool:
    """The words read are the taxpayer's whole latest message (not a value Rasa handed in)."""
    return text.strip() == latest_text(tracker).strip()


def _notice_facts_left_out(text: str, tracker: Tracker) -> Optional[str]:
    """When the words are the message and name the notice or its printed date ("lt11", "nov
    10"), what is left without them; None when they name neither. Those are facts for the
    intake, not a free-text answer such as a name or a time."""
    if not _is_the_message(text, tracker):
        return None
    spans = [(e["start"], e["end"]) for e in entities_in(tracker, text)
             if e.get("entity") == "notice_code" or (e.get("entity") == "notice_date" and e.get("role") is None)]
    if not spans:
        return None
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def wants_to_skip(tracker: Tracker) -> bool:
    return latest_intent(tracker) in SKIP_INTENTS


def previous_slot_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message."""
    seen_latest_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_latest_user = True
        elif seen_latest_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def changed_this_turn(tracker: Tracker, slot: str, value: Any) -> bool:
    return value is not None and value != previous_slot_value(tracker, slot)


def _needs_read_back(entity: Dict[str, Any]) -> bool:
    """A date the taxpayer did not spell out ("yesterday", "last week") is read back as a
    calendar date before it is used (docs/nlu.md: relative and approximate dates)."""
    info = entity.get("additional_info") or {}
    return bool(info.get("relative") or info.get("approximate"))


# --- the notice and its date (read by the notice form, and anywhere a correction gives them) --
def read_notice_code(value: Any, tracker: Tracker) -> Answer:
    if latest_intent(tracker) in ("faq", "ask_deadline") and looks_like_a_question(latest_text(tracker)):
        # "what's the difference between LT11 and 1058?" names codes it asks about.
        return Answer(problem="utter_invalid_notice_code", is_question=True)
    match = lookup(str(value or ""))
    if not match.known and match.code is None:
        if wants_to_skip(tracker):
            return Answer("unknown")
        return Answer(problem="utter_invalid_notice_code")
    said = [] if match.known else [{"response": "utter_unknown_notice_code", "code": match.code}]
    return Answer(match.code, said=said)


def _vague_replacement(tracker: Tracker) -> bool:
    """The latest message's notice date is relative or approximate, and nothing in it says it
    corrects the one we have: no correction words, no notice named with it."""
    entities = tracker.latest_message.get("entities", [])
    if reading_of(tracker).get("correction") or any(e.get("entity") == "notice_code" for e in entities):
        return False
    dates = [e for e in entities if e.get("entity") == "notice_date" and e.get("role") is None]
    return bool(dates) and all(_needs_read_back(e) for e in dates)


def read_notice_date(value: Any, tracker: Tracker, read_back: bool = True) -> Answer:
    """`read_back`: a relative date ("yesterday") waits for the taxpayer's yes (notice form);
    elsewhere it is used at once, and the deadline told with it names the calendar date."""
    if value == SKIPPED:
        return Answer(SKIPPED)
    text = str(value or "")
    try:
        return _date_answer(dt.date.fromisoformat(text), tracker, False, read_back)
    except ValueError:
        pass
    entities = entities_in(tracker, latest_text(tracker) or text)
    by_role: Dict[Optional[str], Dict[str, Any]] = {}
    for entity in entities:
        if entity.get("entity") == "notice_date":
            by_role.setdefault(entity.get("role"), entity)
    if None in by_role:
        entity = by_role[None]
        return _date_answer(dt.date.fromisoformat(entity["value"]), tracker, _needs_read_back(entity), read_back)
    if "received" in by_role:
        return Answer(more={"received_date": by_role["received"]["value"]}, problem="utter_date_is_arrival",
                      counts_as_failure=False)
    problem = next((e["value"] for e in entities if e.get("entity") == "date_problem"), None)
    if problem in DATE_PROBLEM_RESPONSES:
        return Answer(problem=DATE_PROBLEM_RESPONSES[problem])
    if wants_to_skip(tracker):
        return Answer(SKIPPED)
    return Answer(problem="utter_invalid_notice_date")


def _date_answer(day: dt.date, tracker: Tracker, relative: bool, read_back: bool) -> Answer:
    if day > clock.today():
        return Answer(problem="utter_date_in_future")
    if day < EARLIEST_NOTICE_DATE:
        return Answer(problem="utter_date_too_old")
    if not relative:
        relative = any(
            _needs_read_back(entity)
            for entity in tracker.latest_message.get("entities", [])
            if entity.get("entity") == "notice_date" and entity.get("value") == day.isoformat()
        )
    relative = relative and read_back
    return Answer(day.isoformat(), more={"notice_date_relative": relative, "date_confirmed": None if relative else True})


def notice_facts_complete(slots: Dict[str, Any]) -> bool:
    """The notice form's questions are answered: the deadline can be told."""
    if not slots.get("notice_code") or not slots.get("notice_date"):
        return False
    return not (slots.get("notice_date_relative") and slots.get("date_confirmed") is not True)


class IntakeValidation(FormValidationAction, ABC):
    """What the forms share: reading answers, corrections, digressions, failures, the deadline.
    Abstract, so rasa_sdk does not register it as an action."""

    # The notice facts this form reads as its own questions (the notice form); any other form
    # takes them as corrections.
    owns_notice_facts = False
    # Intents that never answer a question, except these questions ("call me" answers "by
    # phone or by email?").
    answers_despite: Dict[str, Sequence[str]] = {}
    # Later questions whose own words can answer them before they are asked (slot -> parser).
    volunteered: Dict[str, Callable[[str], Any]] = {}

    @abstractmethod
    def name(self) -> Text:
        ...

    def reader(self, slot: str) -> Optional[Callable[[Any, Tracker], Answer]]:
        return getattr(self, f"read_{slot}", None)

    def answer_first(self, slot: str, tracker: Tracker) -> Optional[Answer]:
        """A message the mappings left out (its intent is a digression) that still answers the
        question: used whatever the classifier called it. What reads as a question is not."""
        reader = self.reader(slot)
        # What a sensitive number leaves: "(555) 201-4477, my ssn is ..." still gives the phone.
        text = redact(latest_text(tracker)).text
        intent = latest_intent(tracker)
        if reader is None or not text.strip():
            return None
        if intent in digressions.load().never_answers and intent not in self.answers_despite.get(slot, ()):
            return None
        if intent in SOCIAL_INTENTS and slot not in WORDS_ANY_INTENT:
            return None  # "ok thanks" is no yes
        if reading_of(tracker).get("language", "en") != "en":
            return None  # "no hablo ingles" is no name
        found = reader(text, tracker)
        return found if found.answered and not found.is_question else None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        now = nothing_answered_yet(tracker, running=self.form_name())
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        # At activation Rasa hands in every slot already filled; those from earlier turns were
        # read then. Only what this turn set is read now.
        candidates = {
            slot: value for slot, value in tracker.slots_to_validate().items()
            if slot != REQUESTED_SLOT and changed_this_turn(tracker, slot, value)
        }
        if now and requested in required and answers.goes_back(latest_text(tracker)):
            return await self._go_back(dispatcher, tracker, domain, required, requested)
        values: Dict[str, Any] = {}
        messages: List[Dict[str, Any]] = []
        failures = dict(tracker.get_slot("form_failures") or {})
        corrected_facts = False if self.owns_notice_facts else self._notice_facts(tracker, values, messages)

        problem: Optional[Answer] = None
        answered_other = False  # the message answered another question of this form
        for slot, value in candidates.items():
            reader = self.reader(slot)
            if reader is None:
                continue
            found = reader(value, tracker)
            self._take(slot, found, values, messages, failures)
            if not found.answered and slot == requested:
                problem = found
            answered_other = answered_other or (found.answered and slot != requested)

        answered_own_intent = asked_instead = False
        if now and requested and requested not in candidates and requested not in values:
            found = self.answer_first(requested, tracker)
            if found is not None:
                self._take(requested, found, values, messages, failures)
                answered_own_intent = digressions.load().is_digression(latest_intent(tracker))

        if now and values.get(requested) is not None and digressions.load().is_digression(latest_intent(tracker)):
            answered_own_intent = True  # "about 15k, can they take my house?": the question too

        if problem is not None and now and answers.asks_to_wait(latest_text(tracker)):
            problem = Answer(problem="utter_take_your_time", counts_as_failure=False)  # "hold on let me find it"
        if problem is not None and now:
            # Not an answer to this question: perhaps a correction of the one before it.
            if self._corrected_previous_answer(tracker, required, requested, values, messages):
                problem = None
            elif corrected_facts or answered_other or (
                not self.owns_notice_facts and any(values.get(fact) for fact in ("notice_code", "notice_date"))
            ):
                # The message corrected the notice or its date, gave them ("lt11" when the best
                # time was asked), or answered another question ("sorry, I meant letter 1058"
                # when the date was asked): nothing is wrong.
                problem = None
            elif self._volunteered(tracker, required, requested, values, messages):
                problem = None
            elif problem.is_question:
                asked_instead, problem = True, None
                values[requested] = None

        speech = CollectingDispatcher()
        for message in messages:
            speech.utter_message(**message)
        case_events: List[Dict[str, Any]] = []
        told = False
        if notice_facts_complete({**tracker.current_slot_values(), **values}):
            case = case_from(tracker, values)
            if deadline_is_new(tracker, case):
                case_events += tell_deadline(speech, tracker, case)
                told = True
        before = previous_slot_value(tracker, "notice_code")
        if not told and before and values.get("notice_code") not in (None, before):
            # "sorry, I meant letter 1058" before the date is known: the change is confirmed.
            match = lookup(values["notice_code"])
            speech.utter_message(response="utter_notice_corrected",
                                 label=match.notice.label if match.known else values["notice_code"])
        # The rest of the message is said by the form that uses it; a message this form leaves
        # to the rules (nothing read from it) is answered there.
        used = requested is None or problem is not None or asked_instead or any(v is not None for v in values.values())
        if now and used:
            heard = acknowledge(speech, tracker, values, answered_own_intent,
                                levy_question=requested == "levy_status" and "levy_status" in values,
                                asked_instead=asked_instead)
            case_events += heard
            if problem is not None and any(e.get("name") in LEVY_SLOTS for e in heard):
                # "they took my paycheck already" at the payment-plan question told the levy and
                # was answered for it: the question is asked again, without "I didn't catch that".
                problem = None
        if problem is not None:
            if problem.counts_as_failure:
                failures[requested] = failures.get(requested, 0) + 1
            if failures.get(requested, 0) >= MOVE_ON_AFTER and requested in MOVES_ON_WITH:
                values[requested] = MOVES_ON_WITH[requested]
                failures.pop(requested)
                speech.utter_message(response="utter_moving_on")
            else:
                speech.utter_message(response=problem.problem, **problem.problem_values)
                if failures.get(requested, 0) >= OFFER_SKIP_AFTER and requested in MOVES_ON_WITH:
                    speech.utter_message(response="utter_ask_skip_or_person")
        if told and tracker.get_slot("case_id") and previous_slot_value(tracker, "deadline_told"):
            # A correction after the case went to the advisors: the case gets the new facts now.
            tracker.slots.update(values)
            await update_case(speech, tracker)
        dispatcher.messages.extend(speech.messages)

        events = [SlotSet(slot, value) for slot, value in values.items()]
        if failures != (tracker.get_slot("form_failures") or {}):
            events.append(SlotSet("form_failures", failures))
        events += case_events
        tracker.slots.update(values)
        tracker.slots.update({e["name"]: e["value"] for e in case_events if e.get("event") == "slot"})
        next_slot = await self._next_slot(dispatcher, tracker, domain)
        if next_slot is not None:
            events.append(next_slot)
        return events

    # --- pieces of run ---------------------------------------------------------------------
    @staticmethod
    def _take(slot: str, found: Answer, values: Dict[str, Any], messages: List[Dict[str, Any]],
              failures: Dict[str, int]) -> None:
        values.update(found.more)
        values[slot] = found.value
        if found.answered:
            failures.pop(slot, None)
            messages.extend(found.said)

    @staticmethod
    def _notice_facts(tracker: Tracker, values: Dict[str, Any], messages: List[Dict[str, Any]]) -> bool:
        """Outside the notice form, the notice and its date come from the domain's global
        mappings (a report or a correction): checked here. True when they were corrected."""
        corrected = False
        code = tracker.get_slot("notice_code")
        if changed_this_turn(tracker, "notice_code", code):
            found = read_notice_code(code, tracker)
            if found.answered:
                IntakeValidation._take("notice_code", found, values, messages, {})
                corrected = previous_slot_value(tracker, "notice_code") is not None
            else:
                values["notice_code"] = previous_slot_value(tracker, "notice_code")
        date = tracker.get_slot("notice_date")
        before = previous_slot_value(tracker, "notice_date")
        if changed_this_turn(tracker, "notice_date", date) and before not in (None, SKIPPED) and _vague_replacement(tracker):
            # "the irs called me last week": a vague day in passing never moves a deadline
            # already told; a correction says so ("sorry, it's dated last friday").
            values["notice_date"] = before
        elif changed_this_turn(tracker, "notice_date", date):
            found = read_notice_date(date, tracker, read_back=False)
            if found.answered:
                IntakeValidation._take("notice_date", found, values, messages, {})
                corrected = corrected or previous_slot_value(tracker, "notice_date") is not None
            else:
                # A date that cannot be right does not replace the one we have; say why.
                values["notice_date"] = previous_slot_value(tracker, "notice_date")
                values.update(found.more)
                if found.problem and found.problem != "utter_invalid_notice_date":
                    messages.append({"response": found.problem})
                    corrected = True
        elif latest_intent(tracker) in CORRECTING_INTENTS:
            # "sorry, it's actually dated december 20": a date typed that cannot be the notice's.
            problem = next((e["value"] for e in tracker.latest_message.get("entities", [])
                            if e.get("entity") == "date_problem"), None)
            if problem in DATE_PROBLEM_RESPONSES:
                messages.append({"response": DATE_PROBLEM_RESPONSES[problem]})
                corrected = True
        return corrected

    def _volunteered(self, tracker: Tracker, required: List[str], requested: str, values: Dict[str, Any],
                     messages: List[Dict[str, Any]]) -> bool:
        """"its my business, im a contractor" when hardship is asked: the answer to a later
        question of this form, in words only that question uses, is noted for it; the question
        asked waits."""
        text = latest_text(tracker)
        for slot, parse in self.volunteered.items():
            if slot == requested or slot not in required or tracker.get_slot(slot) is not None:
                continue
            value = parse(text)
            if value is not None:
                values[slot] = value
                values[requested] = None
                messages.append({"response": "utter_answer_noted"})
                return True
        return False

    def _corrected_previous_answer(self, tracker: Tracker, required: List[str], requested: str,
                                   values: Dict[str, Any], messages: List[Dict[str, Any]]) -> bool:
        """"Wait, actually I do have a plan": the answer before this question, corrected."""
        if not reading_of(tracker).get("correction") or requested not in required:
            return False
        earlier = [s for s in required[: required.index(requested)] if tracker.get_slot(s) is not None]
        if not earlier:
            return False
        slot = earlier[-1]
        reader = self.reader(slot)
        if reader is None or slot in NOTICE_FACTS:
            return False
        found = reader(latest_text(tracker), tracker)
        if not found.answered or found.value == tracker.get_slot(slot):
            return False
        values.update(found.more)
        values[slot] = found.value
        values[requested] = None
        messages.append({"response": "utter_answer_corrected"})
        return True

    async def _go_back(self, dispatcher, tracker: Tracker, domain: DomainDict, required: List[str],
                       requested: str) -> List[Dict[Text, Any]]:
        """"go back": the answer before this question is cleared, so the form asks it again."""
        earlier = [s for s in required[: required.index(requested)] if tracker.get_slot(s) is not None]
        events: List[Dict[Text, Any]] = [SlotSet(requested, None)]
        if not earlier:
            dispatcher.utter_message(response="utter_nothing_to_go_back")
        else:
            dispatcher.utter_message(response="utter_going_back")
            events.append(SlotSet(earlier[-1], None))
            tracker.slots[earlier[-1]] = None
        tracker.slots[requested] = None
        next_slot = await self._next_slot(dispatcher, tracker, domain)
        return events + ([next_slot] if next_slot is not None else [])

    async def _next_slot(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Optional[Dict[str, Any]]:
        """As rasa_sdk's FormValidationAction: the next question when required_slots is custom."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        if required == self.domain_slots(domain):
            return None
        return SlotSet(REQUESTED_SLOT, next((s for s in required if tracker.slots.get(s) is None), None))


class ValidateNoticeForm(IntakeValidation):
    owns_notice_facts = True

    def name(self) -> Text:
        return "validate_notice_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        asked_about = tracker.get_slot("notice_asked_about")
        if asked_about and not tracker.get_slot("notice_code") and _REFERS_BACK.search(latest_text(tracker)):
            # "what does an LT11 mean?" ... "I have one dated Nov 13": that one.
            tracker.slots["notice_code"] = asked_about
            tracker.events.append({"event": "slot", "name": "notice_code", "value": asked_about})
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain: DomainDict) -> List[Text]:
        # A relative date ("yesterday") is read back to the taxpayer before it is used.
        if tracker.get_slot("notice_date_relative"):
            return domain_slots
        return [slot for slot in domain_slots if slot != "date_confirmed"]

    def read_notice_code(self, value: Any, tracker: Tracker) -> Answer:
        return read_notice_code(value, tracker)

    def read_notice_date(self, value: Any, tracker: Tracker) -> Answer:
        return read_notice_date(value, tracker)

    def read_date_confirmed(self, value: Any, tracker: Tracker) -> Answer:
        intent = latest_intent(tracker)
        said = answers.yes_no(str(value or ""))
        if intent == "affirm" or said is True:
            return Answer(True, more={"notice_date_relative": False})
        # A new date in the answer ("no, it's the 12th") replaces the one read back.
        corrected = read_notice_date(str(value or ""), tracker, read_back=False)
        read_back = previous_slot_value(tracker, "notice_date") or tracker.get_slot("notice_date")
        if corrected.answered and corrected.value != read_back:
            return Answer(True, more={**corrected.more, "notice_date": corrected.value, "notice_date_relative": False})
        if intent == "deny" or said is False:
            return Answer(None, more={"notice_date": None, "notice_date_relative": None},
                          problem="utter_date_confirm_no", counts_as_failure=False)
        return Answer(problem="utter_invalid_yes_no")


class ActionAskDateConfirmed(Action):
    """Reads a relative date back as a calendar date: 'So the notice is dated Friday, ...?'"""

    def name(self) -> Text:
        return "action_ask_date_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        day = dt.date.fromisoformat(tracker.get_slot("notice_date"))
        dispatcher.utter_message(response="utter_ask_date_confirmed", date_text=f"{day:%A}, {long_date(day)}")
        return []


def _read(parsed: Any, tracker: Tracker, invalid: str, stored: Any = None) -> Answer:
    if parsed is not None:
        return Answer(parsed if stored is None else stored)
    if wants_to_skip(tracker):
        return Answer(SKIPPED)
    return Answer(problem=invalid)


def _yes_no(value: Any, tracker: Tracker, reader: Callable[[str], Optional[bool]] = answers.yes_no) -> Answer:
    if isinstance(value, bool):
        return Answer(value)
    text = str(value or "")
    parsed = reader(text)
    if parsed is None and text == latest_text(tracker) and not answers.says_both(text):
        # "yes and no" is neither, whatever the classifier heard.
        parsed = {"affirm": True, "deny": False}.get(latest_intent(tracker))
    found = _read(parsed, tracker, "utter_invalid_yes_no")
    found.is_question = not found.answered and looks_like_a_question(text)
    return found


class ValidateSituationForm(IntakeValidation):
    volunteered = {
        "taxpayer_type": answers.taxpayer_type,
        # "yes" and "no" answer every question: only words about a plan answer this one unasked.
        "payment_plan": lambda text: answers.payment_plan(text) if _PLAN_WORDS.search(text) else None,
    }

    def name(self) -> Text:
        return "validate_situation_form"

    def read_levy_status(self, value: Any, tracker: Tracker) -> Answer:
        """"Has the IRS already taken money or frozen anything?" A target named in answer is
        taken; one the IRS only threatens, or one asked about, is not (bot/nlu/levy.py)."""
        if value == SKIPPED or value in ("none",) or answers.levy_targets_from_slot(value):
            return Answer(value)
        text = str(value or "")
        found = entities_in(tracker, text)
        threatened = frozenset(e["value"] for e in found if e.get("entity") == "levy_target" and e.get("role") == THREATENED)
        asked = [e for e in found if e.get("entity") == "levy_target" and e.get("role") == ASKED]
        # A threat already heard is not said again; a new one joins those before it.
        known_threats = answers.levy_targets_from_slot(tracker.get_slot("levy_threatened")) or frozenset()
        new_threats = threatened - known_threats
        more = {"levy_threatened": answers.levy_status_value(known_threats | threatened)} if new_threats else {}
        targets = levy_made(tracker, answering_levy_question=True) if text == latest_text(tracker) else frozenset(
            e["value"] for e in found if e.get("entity") == "levy_target" and e.get("role") not in (THREATENED, ASKED)
        )
        said_no = answers.levy_targets(text) == frozenset() or (latest_intent(tracker) == "deny" and not targets)
        if said_no or (threatened and not targets):
            said = [{"response": "utter_levy_threatened", "targets": targets_in_words(threatened)}] if new_threats else []
            return Answer("none", more=more, said=said)
        if targets:
            # "they took my paycheck already!!" is heard before the next question.
            return Answer(answers.levy_status_value(targets), more=more,
                          said=[{"response": "utter_levy_ack", "targets": targets_in_words(targets)}])
        if asked or looks_like_a_question(text):
            return Answer(problem="utter_invalid_levy_status", is_question=True)
        words = answers.levy_targets(text)
        return _read(answers.levy_status_value(words) if words is not None else None, tracker, "utter_invalid_levy_status")

    def read_payment_plan(self, value: Any, tracker: Tracker) -> Answer:
        if value in PLAN_STATUSES or value == SKIPPED:
            return Answer(value)
        text = str(value or "")
        if looks_like_a_question(text):  # "what if I'm paying monthly?" asks, it doesn't answer
            return Answer(problem="utter_invalid_payment_plan", is_question=True)
        parsed = answers.payment_plan(text)
        if parsed is None and latest_intent(tracker) == "deny":
            parsed = "none"
        return _read(parsed, tracker, "utter_invalid_payment_plan")

    def read_unfiled_returns(self, value: Any, tracker: Tracker) -> Answer:
        return _yes_no(value, tracker, answers.unfiled_returns)

    def read_hardship(self, value: Any, tracker: Tracker) -> Answer:
        return _yes_no(value, tracker)

    def read_balance(self, value: Any, tracker: Tracker) -> Answer:
        if value == SKIPPED:
            return Answer(SKIPPED)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return Answer(float(value))
        text = str(value or "")
        if text != latest_text(tracker) and _PLAIN_NUMBER.match(text) is None:
            text = latest_text(tracker) or text  # an amount entity: read the words it came from
        amounts = [e["value"] for e in entities_in(tracker, text) if e.get("entity") == "amount"]
        parsed: Optional[float] = float(amounts[0]) if amounts else None
        plain = _PLAIN_NUMBER.match(text)
        if parsed is None and plain:
            # Asked "how much do you owe", a bare number is dollars.
            parsed = float(plain.group(0).replace("$", "").replace(",", "").strip())
        found = _read(parsed, tracker, "utter_invalid_balance")
        found.is_question = not found.answered and looks_like_a_question(text)
        return found

    def read_taxpayer_type(self, value: Any, tracker: Tracker) -> Answer:
        if value in ("individual", "business", SKIPPED):
            return Answer(value)
        text = str(value or "")
        if looks_like_a_question(text):  # "can they take my business?" asks, it doesn't answer
            return Answer(problem="utter_invalid_taxpayer_type", is_question=True)
        return _read(answers.taxpayer_type(text), tracker, "utter_invalid_taxpayer_type")


class ValidateAdvisorOfferForm(IntakeValidation):
    """"Shall I have one contact you?" read as a yes or a no, whatever else it says."""

    def name(self) -> Text:
        return "validate_advisor_offer_form"

    def read_wants_advisor(self, value: Any, tracker: Tracker) -> Answer:
        if isinstance(value, bool):
            return Answer(value)
        text = str(value or "")
        parsed = answers.wants_help(text)
        if parsed is None and text == latest_text(tracker):
            parsed = {"affirm": True, "deny": False, "request_human": True}.get(latest_intent(tracker))
        if parsed is None and wants_to_skip(tracker):
            parsed = False
        return Answer(parsed, problem=None if parsed is not None else "utter_invalid_wants_advisor",
                      is_question=parsed is None and looks_like_a_question(text))


class ActionAskWantsAdvisor(Action):
    """The advisor offer, in the words that fit why it is made (risk or misunderstandings)."""

    def name(self) -> Text:
        return "action_ask_wants_advisor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        reason = tracker.get_slot("escalation_reason")
        dispatcher.utter_message(response="utter_offer_advisor_after_confusion" if reason == "fallback" else "utter_offer_advisor")
        return []


class ValidateContactForm(IntakeValidation):
    # "call me" answers "by phone or by email?"; a number to call typed next to an SSN is still
    # the number to call (the SSN is masked before it is read, and warned about).
    answers_despite = {"contact_method": ("request_human",), "contact_phone": ("share_sensitive_info",),
                       "contact_email": ("share_sensitive_info",)}

    def name(self) -> Text:
        return "validate_contact_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain: DomainDict) -> List[Text]:
        # Ask for the phone number or the email address, whichever way they want to be reached.
        unused = {"phone": {"contact_email"}, "email": {"contact_phone"}}.get(
            tracker.get_slot("contact_method"), {"contact_phone", "contact_email"}
        )
        return [slot for slot in domain_slots if slot not in unused]

    def read_contact_method(self, value: Any, tracker: Tracker) -> Answer:
        text = str(value or "")
        method = answers.contact_method(text)
        if method is None:
            return Answer(problem="utter_invalid_contact_method", is_question=looks_like_a_question(text))
        more: Dict[str, Any] = {}
        # "call me at 555-201-4433" answers two questions at once.
        if method == "phone" and answers.phone_number(text):
            more["contact_phone"] = answers.phone_number(text)
        if method == "email" and answers.email_address(text):
            more["contact_email"] = answers.email_address(text)
        return Answer(method, more=more)

    def read_contact_phone(self, value: Any, tracker: Tracker) -> Answer:
        phone = answers.phone_number(str(value or ""))
        return Answer(phone, problem=None if phone else "utter_invalid_phone")

    def read_contact_email(self, value: Any, tracker: Tracker) -> Answer:
        email = answers.email_address(str(value or ""))
        return Answer(email, problem=None if email else "utter_invalid_email")

    def read_best_time(self, value: Any, tracker: Tracker) -> Answer:
        text = str(value or "").strip()
        if wants_to_skip(tracker) or not text:
            return Answer("any time")
        if self._digression_words(text, tracker) and not answers.says_a_time(text):
            return Answer(is_question=True, problem="utter_ask_best_time")  # "thanks", "im so scared"
        change = self._contact_change(text, tracker)
        if change is not None:
            return change
        phone = answers.phone_number(text)
        if phone and not answers.says_a_time(re.sub(r"[\d().+\-\s]{7,}", " ", text)):
            return Answer(problem="utter_invalid_best_time_phone")  # the number we have, again
        rest = _notice_facts_left_out(text, tracker)
        if self._free_text_question(text, tracker) or (rest is not None and not answers.says_a_time(rest)):
            return Answer(is_question=True, problem="utter_ask_best_time")  # "lt11", "nov 10" are no time
        return Answer(text[:MAX_TIME_LENGTH])

    def read_contact_name(self, value: Any, tracker: Tracker) -> Answer:
        change = self._contact_change(str(value or ""), tracker)
        if change is not None:
            return change
        text = re.sub(r"^(my name is|i'?m|it'?s|this is|call me)\s+", "", str(value or "").strip(), flags=re.I)
        if self._free_text_question(str(value or ""), tracker) or _notice_facts_left_out(str(value or ""), tracker) is not None or (
            self._digression_words(str(value or ""), tracker) and not _looks_like_a_name(text)
        ):
            return Answer(is_question=True, problem="utter_ask_contact_name")
        if wants_to_skip(tracker) or not text or any(ch.isdigit() for ch in text):
            return Answer(SKIPPED)
        return Answer(text[:MAX_NAME_LENGTH].strip(" .!"))

    @staticmethod
    def _contact_change(text: str, tracker: Tracker) -> Optional[Answer]:
        """"actually email me instead, sam@example.org" when the time or the name is asked: a new
        way to reach them is noted (the form then asks what it still lacks), and the question
        waits. A time said with it is no time here ("call me at 555 777 1212 after 5" keeps
        only the number): the question is asked again."""
        if not _is_the_message(text, tracker):
            return None
        changes = {slot: value for slot, value in answers.offered_contact(text).items() if value != tracker.get_slot(slot)}
        if not changes:
            return None
        noted = "utter_phone_noted" if set(changes) <= {"contact_phone", "contact_method"} and "contact_phone" in changes else "utter_contact_noted"
        return Answer(more=changes, problem=noted, counts_as_failure=False)

    @staticmethod
    def _digression_words(text: str, tracker: Tracker) -> bool:
        """The words are the message itself and the classifier heard a digression in them."""
        return _is_the_message(text, tracker) and digressions.load().is_digression(latest_intent(tracker))

    @staticmethod
    def _free_text_question(text: str, tracker: Tracker) -> bool:
        """Names and times are words the classifier never saw ("Dave" once read as goodbye):
        a short answer is an answer; a question mark, or a longer message with a digression
        intent, is a question."""
        if not _is_the_message(text, tracker):
            return False
        text = text.strip()
        return text.endswith("?") or (digressions.load().is_digression(latest_intent(tracker)) and len(text.split()) >= 4)
