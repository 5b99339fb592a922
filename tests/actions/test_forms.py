"""Form validators, in rasa-sdk's tests/test_forms.py style: a tracker as Rasa hands it to the
validator, the real domain, and the exact slots that come back.

Rasa calls a validator in two ways (rasa/core/actions/forms.py), and both are tested:
- after `action_listen`: the message just received, with the slot candidates the domain's
  mappings took from it appended after the form's own entry (`answer(...)`);
- when the form resumes after a rule answered a digression: no candidates (`resumed(...)`).
"""
import datetime as dt
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    ActionAskDateConfirmed,
    ActionAskWantsAdvisor,
    ValidateAdvisorOfferForm,
    ValidateContactForm,
    ValidateNoticeForm,
    ValidateSituationForm,
)
from bot.nlu import extract_entities
from bot.nlu.reading import read
from tests.actions.conftest import make_tracker, responses, run_action, slot_events

TODAY = dt.date(2026, 11, 27)
FORMS = {
    "notice_form": ValidateNoticeForm, "situation_form": ValidateSituationForm,
    "advisor_offer_form": ValidateAdvisorOfferForm, "contact_form": ValidateContactForm,
}


def parse(text: str, intent: str) -> Dict[str, Any]:
    """The latest message as our NLU leaves it: entities and the reading (bot/nlu/reader.py)."""
    entities = extract_entities(text, TODAY)
    reading = read(text, intent, entities)
    return {"text": text, "intent": {"name": reading.intent, "confidence": 1.0}, "entities": entities,
            "intake": reading.as_dict()}


def form_tracker(form: str, requested: Optional[str], text: str, intent: str, slots: Dict[str, Any],
                 candidates: Dict[str, Any], after: List[Dict[str, Any]], before: List[Dict[str, Any]]) -> Tracker:
    """The temporary tracker Rasa builds for a validator: the conversation, then
    SlotSet(requested_slot), ActionExecuted(form), then the slot candidates."""
    message = parse(text, intent)
    slots = {**slots, **candidates, "requested_slot": requested}
    events = list(before) + [{"event": "user", "text": text, "parse_data": message, "input_channel": "rest"},
                             {"event": "action", "name": "action_extract_slots"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    events += after
    events += [{"event": "slot", "name": "requested_slot", "value": requested}, {"event": "action", "name": form}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    return Tracker("test-user", slots, message, events, False, None, {"name": form}, form)


def answer(text, requested, form="notice_form", intent="inform", slots=None, candidates=None, before=()):
    """Call 1: right after the taxpayer's message. By default the requested slot's candidate is
    the message itself (a from_text mapping)."""
    candidates = {requested: text} if candidates is None else candidates
    return form_tracker(form, requested, text, intent, dict(slots or {}), candidates, [], list(before))


def resumed(text, requested, form="notice_form", intent="faq", slots=None, answered_by="utter_faq"):
    """Call 2: the form resumes after a rule answered the message."""
    after = [{"event": "action", "name": answered_by}, {"event": "bot", "text": "the answer"}]
    return form_tracker(form, requested, text, intent, dict(slots or {}), {}, after, [])


async def validate(tracker: Tracker, domain):
    validator = FORMS[tracker.active_loop["name"]]()
    dispatcher = CollectingDispatcher()
    events = await validator.run(dispatcher, tracker, domain)
    return dispatcher.messages, events


def values(events) -> Dict[str, Any]:
    return {k: v for k, v in slot_events(events).items() if k != "requested_slot"}


def rejected(events):
    return [e for e in events if e.get("event") == "action_execution_rejected"]


# --- both of Rasa's calls, for every form -------------------------------------------------------
@pytest.mark.parametrize("form, requested, text, slot_value", [
    ("notice_form", "notice_code", "lt 11", ("notice_code", "LT11")),
    ("situation_form", "levy_status", "No, nothing yet", ("levy_status", "none")),
    ("advisor_offer_form", "wants_advisor", "yes please", ("wants_advisor", True)),
    ("contact_form", "contact_method", "email", ("contact_method", "email")),
])
async def test_call_after_action_listen_takes_the_answer(domain, form, requested, text, slot_value):
    messages, events = await validate(answer(text, requested, form=form), domain)
    assert values(events)[slot_value[0]] == slot_value[1]
    assert not rejected(events)


@pytest.mark.parametrize("form, requested, text, intent", [
    ("notice_form", "notice_code", "are you a robot?", "bot_challenge"),
    ("notice_form", "notice_date", "what is an LT11 notice?", "ask_about_notice"),
    ("situation_form", "payment_plan", "whats the difference between a lien and a levy", "faq"),
    ("advisor_offer_form", "wants_advisor", "how much does it cost?", "faq"),
    ("contact_form", "best_time", "is this a bot?", "bot_challenge"),
])
async def test_call_on_resuming_judges_nothing(domain, form, requested, text, intent):
    """After a rule answered the question the form asks again: the validator must neither
    reject (Rasa would then not ask) nor read the question as the answer, nor speak."""
    messages, events = await validate(resumed(text, requested, form=form, intent=intent), domain)
    assert messages == []
    assert not rejected(events)
    assert values(events) == {}


@pytest.mark.parametrize("form, requested, text, intent", [
    ("notice_form", "notice_code", "are you a robot?", "bot_challenge"),
    ("situation_form", "levy_status", "what can they take? my car?", "faq"),
    ("situation_form", "hardship", "thanks", "thank"),
    ("contact_form", "contact_name", "whats my deadline", "ask_deadline"),
])
async def test_a_digression_the_mappings_left_out_is_not_answered_here(domain, form, requested, text, intent):
    """Call 1 with no candidate (the domain's not_intent lists kept the question out): nothing
    is filled, so Rasa rejects the form and the digression's rule answers."""
    messages, events = await validate(answer(text, requested, form=form, intent=intent, candidates={}), domain)
    assert values(events) == {} and messages == []


# --- notice form ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, code",
    [("lt 11", "LT11"), ("its a letter 1058", "L1058"), ("1058", "L1058"), ("CP504B", "CP504"),
     ("it says LT11 in the corner", "LT11"), ("letter 11", "L11")],
)
async def test_notice_code_answers(domain, text, code):
    messages, events = await validate(answer(text, "notice_code"), domain)
    assert values(events)["notice_code"] == code
    assert messages == []


async def test_unknown_code_is_kept_and_said(domain):
    messages, events = await validate(answer("cp2000", "notice_code"), domain)
    assert values(events)["notice_code"] == "CP2000"
    assert responses(messages) == ["utter_unknown_notice_code"]


async def test_no_code_is_reasked_then_skip_is_offered(domain):
    messages, events = await validate(answer("the white one", "notice_code"), domain)
    assert values(events)["notice_code"] is None
    assert responses(messages) == ["utter_invalid_notice_code"]
    failures = slot_events(events)["form_failures"]
    messages, events = await validate(answer("the scary one", "notice_code", slots={"form_failures": failures}), domain)
    assert responses(messages) == ["utter_invalid_notice_code", "utter_ask_skip_or_person"]
    # A third miss: the question is left for now, as "skip" would leave it, and the count starts over.
    failures = slot_events(events)["form_failures"]
    messages, events = await validate(answer("the blue one", "notice_code", slots={"form_failures": failures}), domain)
    assert responses(messages) == ["utter_moving_on"] and values(events)["notice_code"] == "unknown"
    assert "notice_code" not in slot_events(events)["form_failures"]


async def test_the_ways_to_reach_them_are_never_left(domain):
    messages, events = await validate(answer("blue", "contact_phone", form="contact_form",
                                             slots={"contact_method": "phone", "form_failures": {"contact_phone": 2}}), domain)
    assert responses(messages) == ["utter_invalid_phone"]  # no "skip" offered: it can't be skipped
    assert values(events).get("contact_phone") is None


async def test_dont_know_the_code_is_accepted_as_unknown(domain):
    _, events = await validate(answer("no idea", "notice_code", intent="dont_know"), domain)
    assert values(events)["notice_code"] == "unknown"


@pytest.mark.parametrize("text, iso", [("oct 3", "2026-10-03"), ("10/03/2026", "2026-10-03"),
                                       ("November 2, 2026", "2026-11-02"), ("the 20th", "2026-11-20")])
async def test_notice_date_answers_tell_the_deadline_at_once(domain, text, iso):
    messages, events = await validate(answer(text, "notice_date", slots={"notice_code": "LT11"}), domain)
    slots = values(events)
    assert slots["notice_date"] == iso
    assert slots["notice_date_relative"] is False and slots["date_confirmed"] is True
    # The deadline is the first thing said, the moment the notice and its date are known.
    assert responses(messages)[0].startswith("utter_deadline_")
    assert slots["deadline_told"].startswith(f"LT11|{iso}") and slots["cdp_deadline"]


async def test_the_deadline_is_not_told_twice_for_the_same_facts(domain):
    told = "LT11|2026-11-10|||2026-11-27"
    messages, events = await validate(
        answer("nov 10", "notice_date", slots={"notice_code": "LT11", "deadline_told": told}), domain)
    assert not any(r.startswith("utter_deadline_") for r in responses(messages))


async def test_relative_date_is_read_back(domain):
    messages, events = await validate(answer("yesterday", "notice_date", slots={"notice_code": "LT11"}), domain)
    slots = values(events)
    assert slots["notice_date"] == "2026-11-26" and slots["notice_date_relative"] is True
    assert slots["date_confirmed"] is None
    assert not any(r.startswith("utter_deadline_") for r in responses(messages))  # not before the yes
    required = await ValidateNoticeForm().required_slots(
        ["notice_code", "notice_date", "date_confirmed"], CollectingDispatcher(), make_tracker({"notice_date_relative": True}), domain)
    assert required == ["notice_code", "notice_date", "date_confirmed"]
    messages, _ = await run_action(ActionAskDateConfirmed(), make_tracker({"notice_date": "2026-11-26"}), domain)
    assert messages[0]["date_text"] == "Thursday, November 26, 2026"


async def test_absolute_date_needs_no_read_back(domain):
    required = await ValidateNoticeForm().required_slots(
        ["notice_code", "notice_date", "date_confirmed"], CollectingDispatcher(), make_tracker({}), domain
    )
    assert required == ["notice_code", "notice_date"]


async def test_date_read_back_confirmed_corrected_or_denied(domain):
    base = {"notice_code": "LT11", "notice_date": "2026-11-26", "notice_date_relative": True}
    _, events = await validate(answer("yes", "date_confirmed", intent="affirm", slots=base), domain)
    assert values(events)["date_confirmed"] is True
    # "no, it's the 24th": the global mapping has already set the new date; it replaces the old.
    _, events = await validate(answer("no its the 24th", "date_confirmed", intent="deny", slots=base,
                                      candidates={"date_confirmed": "no its the 24th", "notice_date": "2026-11-24"},
                                      before=[{"event": "slot", "name": "notice_date", "value": "2026-11-26"}]), domain)
    assert values(events)["notice_date"] == "2026-11-24" and values(events)["date_confirmed"] is True
    messages, events = await validate(answer("no", "date_confirmed", intent="deny", slots=base), domain)
    assert values(events)["notice_date"] is None
    assert "utter_date_confirm_no" in responses(messages)


@pytest.mark.parametrize(
    "text, response",
    [("12/15/2026", "utter_date_in_future"), ("feb 30", "utter_date_impossible"), ("03/04/1998", "utter_date_too_old"),
     ("the white envelope", "utter_invalid_notice_date")],
)
async def test_bad_dates_get_a_specific_reask(domain, text, response):
    messages, events = await validate(answer(text, "notice_date", slots={"notice_code": "LT11"}), domain)
    assert values(events)["notice_date"] is None
    assert responses(messages)[0] == response


async def test_arrival_day_is_kept_and_the_printed_date_asked(domain):
    messages, events = await validate(answer("it came yesterday", "notice_date", slots={"notice_code": "LT11"}), domain)
    slots = values(events)
    assert slots["received_date"] == "2026-11-26" and slots["notice_date"] is None
    assert responses(messages) == ["utter_date_is_arrival"]


async def test_printed_date_wins_over_arrival_in_one_sentence(domain):
    _, events = await validate(answer("it came yesterday but its dated the 10th", "notice_date",
                                      slots={"notice_code": "LT11"}), domain)
    assert values(events)["notice_date"] == "2026-11-10"


async def test_dont_have_the_letter_skips_the_date(domain):
    _, events = await validate(answer("i dont have the letter here", "notice_date", intent="dont_know",
                                      slots={"notice_code": "LT11"}), domain)
    assert values(events)["notice_date"] == "skipped"


async def test_a_corrected_code_keeps_the_date_and_is_confirmed(domain):
    before = [{"event": "slot", "name": "notice_code", "value": "LT11"}]
    messages, events = await validate(answer("sorry I meant letter 1058", "notice_date", slots={"notice_code": "L1058"},
                                             candidates={"notice_code": "L1058", "notice_date": "sorry I meant letter 1058"},
                                             before=before), domain)
    assert values(events)["notice_code"] == "L1058"
    # The date question's "no date in that" is no problem: the message answered the code.
    assert responses(messages) == ["utter_notice_corrected"] and messages[0]["label"] == "Letter 1058"


# --- the first message: everything it says is used (call 1 at activation) ----------------------
async def activation(text, intent, domain):
    """The notice form starting on a report: its candidates are what the global mappings took."""
    entities = extract_entities(text, TODAY)
    candidates = {}
    for entity in entities:
        if entity["entity"] == "notice_code":
            candidates["notice_code"] = entity["value"]
        if entity["entity"] == "notice_date" and not entity.get("role"):
            candidates["notice_date"] = entity["value"]
    return await validate(form_tracker("notice_form", None, text, intent, {}, candidates, [], []), domain)


async def test_a_threat_is_no_levy_made(domain):
    messages, events = await activation(
        "The IRS sent me LT11 dated October 30. They are threatening to levy my bank account.", "report_levy", domain)
    slots = values(events)
    assert "levy_status" not in slots and slots["levy_threatened"] == "bank"
    said = responses(messages)
    assert said[0] == "utter_deadline_near" and "utter_levy_threatened" in said and "utter_levy_ack" not in said


async def test_a_levy_made_is_taken_and_acknowledged_after_the_deadline(domain):
    messages, events = await activation("the irs froze my checking account, i have an lt11 dated oct 30", "report_levy", domain)
    assert values(events)["levy_status"] == "bank"
    said = responses(messages)
    assert said.index("utter_deadline_near") < said.index("utter_levy_ack")


async def test_fear_gets_a_word_once(domain):
    messages, events = await activation("I got a letter that says LT11 at the top. I'm really scared.", "report_notice", domain)
    assert "utter_empathy" in responses(messages) and values(events)["reassured"] is True


async def test_a_question_in_the_first_message_is_answered_after_the_deadline(domain):
    messages, _ = await activation("I got an LT11 dated nov 10, what does it mean?", "ask_about_notice", domain)
    said = responses(messages)
    assert said[0] == "utter_deadline_open" and "utter_notice_explained" in said


# --- corrections inside the other forms ---------------------------------------------------------
async def test_a_date_corrected_inside_the_situation_form_restates_the_deadline(domain):
    before = [{"event": "slot", "name": "notice_code", "value": "LT11"}, {"event": "slot", "name": "notice_date", "value": "2026-11-10"}]
    tracker = form_tracker("situation_form", "levy_status", "sorry typo, its dated nov 18", "inform",
                           {"notice_code": "LT11", "notice_date": "2026-11-18", "deadline_told": "LT11|2026-11-10|||2026-11-27",
                            "disclaimer_shown": True},
                           {"levy_status": "sorry typo, its dated nov 18"}, [], before)
    # The global mapping set the new date before the form ran (it is not a candidate of this form).
    tracker.events.insert(len(before) + 2, {"event": "slot", "name": "notice_date", "value": "2026-11-18"})
    messages, events = await validate(tracker, domain)
    said = responses(messages)
    assert said == ["utter_deadline_open"] and messages[0]["last_day"] == "December 18, 2026"
    assert values(events)["levy_status"] is None and "form_failures" not in slot_events(events)


@pytest.mark.parametrize("text, kept", [
    ("the irs called me last week", True),  # a vague day in passing moves no deadline
    ("sorry, it's dated last friday", False),  # a correction does
])
async def test_a_vague_day_in_passing_never_replaces_the_notice_date(domain, text, kept):
    new_date = extract_entities(text, TODAY)[0]["value"]
    before = [{"event": "slot", "name": "notice_code", "value": "LT11"}, {"event": "slot", "name": "notice_date", "value": "2026-11-10"}]
    tracker = form_tracker("situation_form", "levy_status", text, "inform",
                           {"notice_code": "LT11", "notice_date": new_date, "deadline_told": "LT11|2026-11-10|||2026-11-27"},
                           {"levy_status": text}, [], before)
    tracker.events.insert(len(before) + 2, {"event": "slot", "name": "notice_date", "value": new_date})
    messages, events = await validate(tracker, domain)
    assert values(events)["notice_date"] == ("2026-11-10" if kept else new_date)
    assert ("utter_deadline_open" in responses(messages)) is not kept


async def test_yes_and_no_is_no_answer_whatever_the_intent(domain):
    messages, events = await validate(answer("yes and no", "hardship", form="situation_form", intent="affirm"), domain)
    assert values(events)["hardship"] is None and responses(messages) == ["utter_invalid_yes_no"]


async def test_a_date_that_cannot_be_right_keeps_the_old_one(domain):
    before = [{"event": "slot", "name": "notice_date", "value": "2026-11-10"}]
    tracker = form_tracker("situation_form", "levy_status", "sorry its actually dated december 20", "inform",
                           {"notice_code": "LT11", "notice_date": "2026-11-10", "deadline_told": "LT11|2026-11-10|||2026-11-27"},
                           {"levy_status": "sorry its actually dated december 20"},
                           [], before)
    messages, events = await validate(tracker, domain)
    assert responses(messages) == ["utter_date_in_future"]


async def test_the_previous_answer_is_corrected(domain):
    slots = {"levy_status": "none"}
    before = [{"event": "slot", "name": "levy_status", "value": "none"}]
    text = "wait, actually they froze my checking last week"
    messages, events = await validate(answer(text, "payment_plan", form="situation_form", slots=slots, before=before), domain)
    assert values(events)["levy_status"] == "bank" and values(events)["payment_plan"] is None
    assert responses(messages) == ["utter_answer_corrected"]


# --- situation form ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "slot, text, intent, value",
    [
        ("levy_status", "No, nothing yet", "deny", "none"),
        ("levy_status", "they froze my checking and garnished my paycheck", "inform", "bank,wages"),
        ("levy_status", "They are taking my Social Security", "inform", "social_security"),
        ("levy_status", "no but they say they will take my bank account", "inform", "none"),
        ("payment_plan", "I had a plan but missed payments", "inform", "defaulted"),
        ("payment_plan", "i had one but misssed payments", "inform", "defaulted"),
        ("payment_plan", "nope", "deny", "none"),
        ("unfiled_returns", "yes 2022 isnt filed", "affirm", True),
        ("unfiled_returns", "all my returns are filed", "inform", False),
        ("unfiled_returns", "i havent filed 2023 yet", "inform", True),
        ("balance", "about 40k", "inform", 40000.0),
        ("balance", "$12,500", "inform", 12500.0),
        ("balance", "63000", "inform", 63000.0),
        ("hardship", "yes i can barely pay rent", "affirm", True),
        ("taxpayer_type", "its for my llc", "inform", "business"),
        ("taxpayer_type", "Personal", "inform", "individual"),
        ("balance", "no idea", "dont_know", "skipped"),
        ("hardship", "rather not say", "skip", "skipped"),
    ],
)
async def test_situation_answers(domain, slot, text, intent, value):
    messages, events = await validate(answer(text, slot, form="situation_form", intent=intent), domain)
    assert values(events)[slot] == value


async def test_a_threat_in_the_levy_answer_is_kept_apart(domain):
    _, events = await validate(answer("no but they say they will take my bank account", "levy_status",
                                      form="situation_form"), domain)
    assert values(events)["levy_status"] == "none" and values(events)["levy_threatened"] == "bank"


async def test_the_levy_answer_is_heard_before_the_next_question(domain):
    # A levy made gets its acknowledgement; a threat says nothing is taken yet, once.
    messages, _ = await validate(answer("they took my paycheck already!!", "levy_status", form="situation_form"), domain)
    assert responses(messages)[0] == "utter_levy_ack" and messages[0]["targets"] == "your wages"
    messages, events = await validate(answer("nothing taken but they say they will garnish my wages", "levy_status",
                                             form="situation_form", slots={"levy_threatened": "bank"}), domain)
    assert responses(messages)[0] == "utter_levy_threatened" and values(events)["levy_threatened"] == "bank,wages"
    assert "utter_faq/wage_levy" not in responses(messages)  # a statement, not a question
    messages, events = await validate(answer("no but they will take my bank account", "levy_status",
                                             form="situation_form", slots={"levy_threatened": "bank"}), domain)
    assert "utter_levy_threatened" not in responses(messages) and "levy_threatened" not in values(events)
    # With a levy made in the same answer, a new threat joins the earlier ones too.
    _, events = await validate(answer("they froze my checking and are threatening my wages", "levy_status",
                                      form="situation_form", slots={"levy_threatened": "social_security"}), domain)
    assert values(events)["levy_status"] == "bank" and values(events)["levy_threatened"] == "wages,social_security"


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("levy_status", "hmm what", "utter_invalid_levy_status"),
        ("payment_plan", "purple", "utter_invalid_payment_plan"),
        ("unfiled_returns", "hmm", "utter_invalid_yes_no"),
        ("balance", "a lot", "utter_invalid_balance"),
        ("taxpayer_type", "blue", "utter_invalid_taxpayer_type"),
    ],
)
async def test_situation_bad_answers(domain, slot, text, response):
    messages, events = await validate(answer(text, slot, form="situation_form"), domain)
    assert values(events)[slot] is None
    assert responses(messages) == [response]


@pytest.mark.parametrize("slot, text", [
    ("levy_status", "what happens to my bank account?"),
    ("payment_plan", "what if im paying monthly?"),
    ("taxpayer_type", "can they take my business?"),
])
async def test_a_question_at_a_word_question_is_not_stored_as_the_answer(domain, slot, text):
    messages, events = await validate(answer(text, slot, form="situation_form"), domain)
    assert values(events).get(slot) is None
    assert "form_failures" not in slot_events(events)
    assert responses(messages)  # the question gets an answer (or an honest "not understood")


@pytest.mark.parametrize("slot, text, intent, value", [
    ("balance", "the total is $8,000 i think", "faq", 8000.0),
    ("unfiled_returns", "yes, can they take my house?", "faq", True),
])
async def test_an_answer_the_classifier_called_a_question_is_still_used(domain, slot, text, intent, value):
    messages, events = await validate(answer(text, slot, form="situation_form", intent=intent, candidates={}), domain)
    assert values(events)[slot] == value and not rejected(events)


async def test_social_replies_are_no_yes(domain):
    _, events = await validate(answer("ok thanks", "hardship", form="situation_form", intent="thank", candidates={}), domain)
    assert values(events) == {}


# --- advisor offer -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, intent, value", [
    ("yes, get me help today", "affirm", True), ("Yes please", "affirm", True), ("please do", "inform", True),
    ("no thats all, thanks", "thank", False), ("not now", "deny", False), ("maybe later", "inform", False),
])
async def test_the_offer_is_read_as_a_yes_or_a_no(domain, text, intent, value):
    _, events = await validate(answer(text, "wants_advisor", form="advisor_offer_form", intent=intent), domain)
    assert values(events)["wants_advisor"] is value


@pytest.mark.parametrize("reason, response", [("risk", "utter_offer_advisor"), ("fallback", "utter_offer_advisor_after_confusion")])
async def test_the_offer_fits_its_reason(domain, reason, response):
    messages, _ = await run_action(ActionAskWantsAdvisor(), make_tracker({"escalation_reason": reason}), domain)
    assert responses(messages) == [response]


# --- contact form --------------------------------------------------------------------------------
async def test_phone_given_with_the_method(domain):
    _, events = await validate(answer("call me at 555 201 4433", "contact_method", form="contact_form"), domain)
    slots = values(events)
    assert slots["contact_method"] == "phone" and slots["contact_phone"] == "+15552014433"


async def test_call_me_answers_the_method_though_it_asks_for_a_person(domain):
    _, events = await validate(answer("call me", "contact_method", form="contact_form", intent="request_human",
                                      candidates={}), domain)
    assert values(events)["contact_method"] == "phone"


async def test_a_number_to_call_next_to_an_ssn_is_taken_and_the_ssn_warned_about(domain):
    messages, events = await validate(answer("(555) 201-4477, and my ssn is 123-45-6789", "contact_phone",
                                             form="contact_form", intent="share_sensitive_info",
                                             slots={"contact_method": "phone"}, candidates={}), domain)
    assert values(events)["contact_phone"] == "+15552014477"
    assert "utter_dont_share_sensitive" in responses(messages)


async def test_an_ssn_alone_is_no_phone_number(domain):
    _, events = await validate(answer("my ssn is 123-45-6789", "contact_phone", form="contact_form",
                                      intent="share_sensitive_info", slots={"contact_method": "phone"},
                                      candidates={}), domain)
    assert values(events).get("contact_phone") is None


async def test_contact_form_asks_only_for_the_chosen_channel(domain):
    slots = ["contact_method", "contact_phone", "contact_email", "best_time", "contact_name"]
    email = await ValidateContactForm().required_slots(slots, CollectingDispatcher(), make_tracker({"contact_method": "email"}), domain)
    assert email == ["contact_method", "contact_email", "best_time", "contact_name"]
    unknown = await ValidateContactForm().required_slots(slots, CollectingDispatcher(), make_tracker({}), domain)
    assert unknown == ["contact_method", "best_time", "contact_name"]


@pytest.mark.parametrize(
    "slot, text, value, response",
    [
        ("contact_phone", "555.201.4433", "+15552014433", None),
        ("contact_phone", "123-45-6789", None, "utter_invalid_phone"),
        ("contact_email", "Jane@Example.com", "jane@example.com", None),
        ("contact_email", "jane at example", None, "utter_invalid_email"),
        ("best_time", "weekday mornings", "weekday mornings", None),
        ("contact_name", "my name is Maria", "Maria", None),
        ("contact_name", "123456789", "skipped", None),
    ],
)
async def test_contact_answers(domain, slot, text, value, response):
    slots = {"contact_method": "phone" if "phone" in slot else "email"}
    messages, events = await validate(answer(text, slot, form="contact_form", slots=slots), domain)
    assert values(events)[slot] == value
    assert responses(messages) == ([response] if response else [])


@pytest.mark.parametrize("slot", ["best_time", "contact_name"])
async def test_a_new_way_to_reach_them_is_noted_and_the_question_waits(domain, slot):
    slots = {"contact_method": "phone", "contact_phone": "+15552014433", "best_time": "mornings"}
    slots.pop(slot, None)
    messages, events = await validate(answer("actually email me instead, sam@example.org", slot, form="contact_form",
                                             slots=slots), domain)
    found = values(events)
    assert found[slot] is None and found["contact_method"] == "email" and found["contact_email"] == "sam@example.org"
    assert responses(messages) == ["utter_contact_noted"] and "form_failures" not in slot_events(events)


async def test_a_phone_number_is_not_a_best_time(domain):
    slots = {"contact_method": "phone", "contact_phone": "+15552014433"}
    messages, events = await validate(answer("555-201-4433", "best_time", form="contact_form", slots=slots), domain)
    assert values(events)["best_time"] is None and responses(messages) == ["utter_invalid_best_time_phone"]
    messages, events = await validate(answer("call me at 555 777 1212", "best_time", form="contact_form", slots=slots), domain)
    assert values(events)["contact_phone"] == "+15557771212" and responses(messages) == ["utter_phone_noted"]


@pytest.mark.parametrize("slot, text, fact", [
    ("best_time", "lt11", {"notice_code": "LT11"}), ("best_time", "nov 10", {"notice_date": "2026-11-10"}),
    ("contact_name", "nov 10", {"notice_date": "2026-11-10"}),
])
async def test_the_notice_or_its_date_is_no_time_and_no_name(domain, slot, text, fact):
    # The domain's global mappings hand the fact in with the free text; the fact is taken, the
    # question stays open, and nothing says "I didn't understand".
    slots = {"contact_method": "phone", "contact_phone": "+15552014433", "best_time": "mornings"}
    slots.pop(slot, None)
    messages, events = await validate(answer(text, slot, form="contact_form", slots=slots,
                                             candidates={slot: text, **fact}), domain)
    assert values(events)[slot] is None and values(events)[next(iter(fact))] == next(iter(fact.values()))
    assert "utter_question_not_understood" not in responses(messages) and "form_failures" not in slot_events(events)


@pytest.mark.parametrize("text, intent", [("Dave", "goodbye"), ("Ana Maria", "greet")])
async def test_short_names_are_names_whatever_the_intent(domain, text, intent):
    _, events = await validate(answer(text, "contact_name", form="contact_form", intent=intent, candidates={},
                                      slots={"contact_method": "email"}), domain)
    assert values(events)["contact_name"] == text


@pytest.mark.parametrize("text, intent", [("hi", "greet"), ("whens my deadline", "ask_deadline"),
                                          ("im so scared", "feeling_worried"), ("no hablo ingles", "other_language")])
async def test_digressions_are_no_names(domain, text, intent):
    _, events = await validate(answer(text, "contact_name", form="contact_form", intent=intent, candidates={},
                                      slots={"contact_method": "email"}), domain)
    assert "contact_name" not in values(events)


async def test_anytime_is_a_best_time_whatever_the_intent(domain):
    _, events = await validate(answer("anytime", "best_time", form="contact_form", intent="ask_deadline", candidates={},
                                      slots={"contact_method": "email"}), domain)
    assert values(events)["best_time"] == "anytime"


async def test_values_kept_from_earlier_are_not_judged_by_the_new_message(domain):
    """Asking for a person again starts the contact form with the details already given."""
    slots = {"contact_method": "email", "best_time": "any time", "contact_name": "Kim"}
    before = [{"event": "slot", "name": k, "value": v} for k, v in slots.items()]
    tracker = form_tracker("contact_form", None, "i want a person now please", "request_human", slots, slots, [], before)
    messages, events = await validate(tracker, domain)
    assert values(events) == {} and messages == []


async def test_hold_on_is_no_failed_answer(domain):
    messages, events = await validate(answer("hold on let me find it", "notice_date", slots={"notice_code": "LT11"}), domain)
    assert responses(messages) == ["utter_take_your_time"]
    assert values(events).get("notice_date") is None and "form_failures" not in slot_events(events)


async def test_go_back_asks_the_question_before_again(domain):
    slots = {"levy_status": "none", "payment_plan": "none"}
    messages, events = await validate(answer("go back", "unfiled_returns", form="situation_form", slots=slots), domain)
    assert responses(messages) == ["utter_going_back"]
    assert slot_events(events)["payment_plan"] is None and slot_events(events)["unfiled_returns"] is None
    assert "levy_status" not in slot_events(events)  # only the one answer before is asked again
    # At the first question of a form there is nothing of this form to go back to.
    messages, events = await validate(answer("go back", "levy_status", form="situation_form"), domain)
    assert responses(messages) == ["utter_nothing_to_go_back"] and values(events) == {"levy_status": None}


@pytest.mark.parametrize("requested, text, slot, value", [
    ("hardship", "its my business, im a contractor", "taxpayer_type", "business"),
    ("levy_status", "i had a plan but missed payments", "payment_plan", "defaulted"),
])
async def test_a_later_answer_given_early_is_noted_and_the_question_waits(domain, requested, text, slot, value):
    messages, events = await validate(answer(text, requested, form="situation_form"), domain)
    assert values(events)[slot] == value and values(events)[requested] is None
    assert "utter_answer_noted" in responses(messages) and "form_failures" not in slot_events(events)


async def test_a_yes_or_no_is_never_a_later_answer(domain):
    _, events = await validate(answer("maybe", "hardship", form="situation_form"), domain)
    assert "payment_plan" not in values(events) and "taxpayer_type" not in values(events)
