"""Form validators: what each answer sets, and the specific re-ask when it can't be used."""
import datetime as dt

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    ActionAskDateConfirmed,
    ValidateContactForm,
    ValidateNoticeForm,
    ValidateSituationForm,
)
from bot.nlu import extract_entities
from tests.actions.conftest import make_tracker, responses, run_action, slot_events

TODAY = dt.date(2026, 11, 27)


def answer(text, intent="inform", slots=None, form="notice_form", requested=None, events=None):
    """A tracker whose latest message is `text` (with the entities our extractor finds), as
    the form leaves it: the requested slot's candidate value appended after the message."""
    slots = dict(slots or {})
    extracted = {requested: slots[requested]} if requested in slots else {}
    return make_tracker(
        slots, text=text, intent=intent, entities=extract_entities(text, TODAY),
        active_loop=form, requested_slot=requested, events=events, extracted=extracted,
    )


async def validate(validator, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = await validator.run(dispatcher, tracker, domain)
    return dispatcher.messages, events


# --- notice form ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, code",
    [("lt 11", "LT11"), ("its a letter 1058", "L1058"), ("1058", "L1058"), ("CP504B", "CP504"), ("it says LT11 in the corner", "LT11")],
)
async def test_notice_code_answers(domain, text, code):
    tracker = answer(text, slots={"notice_code": text}, requested="notice_code")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_code"] == code
    assert messages == []


async def test_unknown_code_is_kept_and_said(domain):
    tracker = answer("cp2000", slots={"notice_code": "cp2000"}, requested="notice_code")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_code"] == "CP2000"
    assert responses(messages) == ["utter_unknown_notice_code"]


async def test_no_code_is_reasked_then_skip_is_offered(domain):
    tracker = answer("the white one", slots={"notice_code": "the white one"}, requested="notice_code")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_code"] is None
    assert responses(messages) == ["utter_invalid_notice_code"]
    failures = slot_events(events)["form_failures"]
    tracker = answer("the scary one", slots={"notice_code": "the scary one", "form_failures": failures}, requested="notice_code")
    messages, _ = await validate(ValidateNoticeForm(), tracker, domain)
    assert responses(messages) == ["utter_invalid_notice_code", "utter_ask_skip_or_person"]


async def test_dont_know_the_code_is_accepted_as_unknown(domain):
    tracker = answer("no idea", intent="dont_know", slots={"notice_code": "no idea"}, requested="notice_code")
    _, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_code"] == "unknown"


async def test_a_new_code_drops_the_old_notice_date(domain):
    history = [{"event": "slot", "name": "notice_code", "value": "LT11"}, {"event": "slot", "name": "notice_date", "value": "2026-11-01"}]
    tracker = answer("actually its a 1058", slots={"notice_code": "L1058", "notice_date": "2026-11-01"},
                     requested="notice_code", events=history)
    _, events = await validate(ValidateNoticeForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["notice_code"] == "L1058" and slots["notice_date"] is None


@pytest.mark.parametrize(
    "text, iso", [("oct 3", "2026-10-03"), ("10/03/2026", "2026-10-03"), ("November 2, 2026", "2026-11-02"), ("the 20th", "2026-11-20")]
)
async def test_notice_date_answers(domain, text, iso):
    tracker = answer(text, slots={"notice_code": "LT11", "notice_date": text}, requested="notice_date")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["notice_date"] == iso
    assert slots["notice_date_relative"] is False and slots["date_confirmed"] is True
    assert messages == []


async def test_relative_date_is_read_back(domain):
    tracker = answer("yesterday", slots={"notice_code": "LT11", "notice_date": "yesterday"}, requested="notice_date")
    _, events = await validate(ValidateNoticeForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["notice_date"] == "2026-11-26" and slots["notice_date_relative"] is True
    assert slots["date_confirmed"] is None
    required = await ValidateNoticeForm().required_slots(
        ["notice_code", "notice_date", "date_confirmed"], CollectingDispatcher(),
        make_tracker({"notice_date_relative": True}), domain,
    )
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
    _, events = await validate(ValidateNoticeForm(), answer("yes", intent="affirm", slots=dict(base, date_confirmed="yes"), requested="date_confirmed"), domain)
    assert slot_events(events)["date_confirmed"] is True
    _, events = await validate(ValidateNoticeForm(), answer("no its the 24th", intent="deny", slots=dict(base, date_confirmed="no its the 24th"), requested="date_confirmed"), domain)
    assert slot_events(events)["notice_date"] == "2026-11-24" and slot_events(events)["date_confirmed"] is True
    messages, events = await validate(ValidateNoticeForm(), answer("no", intent="deny", slots=dict(base, date_confirmed="no"), requested="date_confirmed"), domain)
    assert slot_events(events)["notice_date"] is None
    assert "utter_date_confirm_no" in responses(messages)


@pytest.mark.parametrize(
    "text, response",
    [("12/15/2026", "utter_date_in_future"), ("feb 30", "utter_date_impossible"), ("03/04/1998", "utter_date_too_old"),
     ("the white envelope", "utter_invalid_notice_date")],
)
async def test_bad_dates_get_a_specific_reask(domain, text, response):
    tracker = answer(text, slots={"notice_code": "LT11", "notice_date": text}, requested="notice_date")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_date"] is None
    assert responses(messages)[0] == response


async def test_arrival_day_is_kept_and_the_printed_date_asked(domain):
    tracker = answer("it came yesterday", slots={"notice_code": "LT11", "notice_date": "it came yesterday"}, requested="notice_date")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["received_date"] == "2026-11-26" and slots["notice_date"] is None
    assert responses(messages) == ["utter_date_is_arrival"]


async def test_printed_date_wins_over_arrival_in_one_sentence(domain):
    text = "it came yesterday but its dated the 10th"
    tracker = answer(text, slots={"notice_code": "LT11", "notice_date": text}, requested="notice_date")
    _, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_date"] == "2026-11-10"


async def test_dont_have_the_letter_skips_the_date(domain):
    tracker = answer("i dont have the letter here", intent="dont_know", slots={"notice_code": "LT11", "notice_date": "i dont have the letter here"}, requested="notice_date")
    _, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_date"] == "skipped"


# --- situation form ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "slot, text, intent, value",
    [
        ("levy_status", "No, nothing yet", "deny", "none"),
        ("levy_status", "they froze my checking and garnished my paycheck", "inform", "bank,wages"),
        ("levy_status", "They are taking my Social Security", "inform", "social_security"),
        ("payment_plan", "I had a plan but missed payments", "inform", "defaulted"),
        ("payment_plan", "nope", "deny", "none"),
        ("unfiled_returns", "yes 2022 isnt filed", "affirm", True),
        ("unfiled_returns", "all filed", "deny", False),
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
    tracker = answer(text, intent=intent, slots={slot: text}, form="situation_form", requested=slot)
    messages, events = await validate(ValidateSituationForm(), tracker, domain)
    assert slot_events(events)[slot] == value
    assert messages == []


@pytest.mark.parametrize(
    "slot, text, response",
    [
        ("levy_status", "hmm what", "utter_invalid_levy_status"),
        ("payment_plan", "purple", "utter_invalid_payment_plan"),
        ("unfiled_returns", "what do you mean", "utter_invalid_yes_no"),
        ("balance", "a lot", "utter_invalid_balance"),
        ("taxpayer_type", "blue", "utter_invalid_taxpayer_type"),
    ],
)
async def test_situation_bad_answers(domain, slot, text, response):
    tracker = answer(text, slots={slot: text}, form="situation_form", requested=slot)
    messages, events = await validate(ValidateSituationForm(), tracker, domain)
    assert slot_events(events)[slot] is None
    assert responses(messages) == [response]


# --- contact form --------------------------------------------------------------------------
async def test_phone_given_with_the_method(domain):
    tracker = answer("call me at 555 201 4433", slots={"contact_method": "call me at 555 201 4433"}, form="contact_form", requested="contact_method")
    _, events = await validate(ValidateContactForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["contact_method"] == "phone" and slots["contact_phone"] == "+15552014433"


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
    tracker = answer(text, slots={slot: text, "contact_method": "phone" if "phone" in slot else "email"}, form="contact_form", requested=slot)
    messages, events = await validate(ValidateContactForm(), tracker, domain)
    assert slot_events(events)[slot] == value
    assert responses(messages) == ([response] if response else [])


# --- digressions: an answer is used whatever the intent; a question goes back to the rules --
def rejected(events):
    return [e for e in events if e.get("event") == "action_execution_rejected"]


async def test_an_answer_misread_as_a_question_is_still_used(domain):
    text = "the date on it is september 30, 2026"
    tracker = answer(text, intent="faq", slots={"notice_code": "LT11", "notice_date": text}, requested="notice_date")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert slot_events(events)["notice_date"] == "2026-09-30"
    assert not rejected(events)


async def test_a_question_inside_the_form_is_handed_back(domain):
    text = "what happens if i ignore it"
    tracker = answer(text, intent="faq", slots={"notice_code": "LT11", "notice_date": text}, requested="notice_date")
    messages, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert rejected(events) and rejected(events)[0]["name"] == "notice_form"
    assert messages == []  # no re-ask: the rule answers, then the form asks again
    assert "notice_date" not in slot_events(events)


async def test_a_question_about_a_code_is_a_question_not_an_answer(domain):
    text = "what is an lt11"
    tracker = answer(text, intent="ask_about_notice", slots={"notice_code": text}, requested="notice_code")
    _, events = await validate(ValidateNoticeForm(), tracker, domain)
    assert rejected(events)


async def test_free_text_questions_are_not_taken_as_a_best_time(domain):
    text = "wait are you a bot"
    tracker = answer(text, intent="bot_challenge", slots={"contact_method": "phone", "best_time": text},
                     form="contact_form", requested="best_time")
    _, events = await validate(ValidateContactForm(), tracker, domain)
    assert rejected(events) and rejected(events)[0]["name"] == "contact_form"


@pytest.mark.parametrize("text, intent", [("Dave", "goodbye"), ("anytime", "ask_deadline"), ("Ana Maria", "greet")])
async def test_short_free_text_answers_are_answers_whatever_the_intent(domain, text, intent):
    slot = "contact_name" if intent != "ask_deadline" else "best_time"
    tracker = answer(text, intent=intent, slots={"contact_method": "email", slot: text}, form="contact_form", requested=slot)
    _, events = await validate(ValidateContactForm(), tracker, domain)
    assert slot_events(events)[slot] == text
    assert not rejected(events)


async def test_values_kept_from_earlier_are_not_judged_by_the_new_message(domain):
    """Asking for a person again re-validates the contact details already given."""
    tracker = make_tracker(
        {"contact_method": "email", "best_time": "any time", "contact_name": "Kim"},
        text="i want a person now please", intent="request_human", active_loop="contact_form",
        extracted={"best_time": "any time", "contact_name": "Kim"},
    )
    _, events = await validate(ValidateContactForm(), tracker, domain)
    assert slot_events(events)["best_time"] == "any time" and slot_events(events)["contact_name"] == "Kim"
