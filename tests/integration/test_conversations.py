"""Real conversations over Rasa's REST channel, against the running stack.

Each test is a taxpayer typing the way people do; it asserts on what they are told (the
deadline, the weekday, the days left) and on what the advisor receives."""
import re

import pytest

pytestmark = pytest.mark.stack


def finish_situation(stack, sender, answers=("no", "no", "no", "about 8000", "no", "personal")):
    reply = ""
    for answer in answers:
        reply = stack.texts(sender, answer)
    return reply


def test_lt11_with_days_left(intake_stack):
    sender = intake_stack.new_sender()
    assert "intake assistant" in intake_stack.texts(sender, "hi")
    reply = intake_stack.texts(sender, "i got an lt11 dated november 10th what do i do")
    assert "For your LT11 dated Tuesday, November 10, 2026" in reply
    assert "Thursday, December 10, 2026" in reply and "13 days from today" in reply
    assert "Form 12153" in reply
    assert "taken money or frozen anything" in reply  # the situation questions start
    summary = finish_situation(intake_stack, sender)
    assert "you have some time" in summary and "A final notice (LT11)" in summary
    assert "Shall I have one contact you?" not in summary  # medium risk: no advisor offer
    slots = intake_stack.slots(sender)
    assert slots["cdp_deadline"] == "2026-12-10" and slots["days_left"] == 13
    assert slots["risk_level"] == "medium" and slots["case_id"] is None


def test_letter_1058_past_its_deadline_offers_and_creates_a_case(intake_stack):
    sender = intake_stack.new_sender()
    reply = intake_stack.texts(sender, "the revenue officer left a letter 1058, it's dated sept 1")
    assert "ended on Thursday, October 1, 2026" in reply or "ended on October 1, 2026" in reply
    assert "equivalent hearing" in reply and "September 1, 2027" in reply
    reply = finish_situation(intake_stack, sender, ("not yet", "no", "yes 2023 isnt filed", "90k", "no", "my business"))
    assert "right away" in reply
    assert "Shall I have one contact you?" in reply
    assert "contact you" in reply
    reply = intake_stack.texts(sender, "yes please")
    assert "phone or by email" in reply
    intake_stack.texts(sender, "phone")
    intake_stack.texts(sender, "555-201-4433")
    intake_stack.texts(sender, "weekday mornings")
    reply = intake_stack.texts(sender, "Dave")
    assert "Done. Your case is with our advisors, marked urgent" in reply
    # "weekday mornings": the promise fits the best time and names the zone (bot/call_promise.py).
    assert re.search(r"call you (within about 15 minutes|by \d|between \d+(:\d\d)? [ap]m and (\d|noon))", reply), reply
    assert " ET " in reply
    [case] = [c for c in intake_stack.cases() if c["conversation_id"] == sender]
    assert case["priority"] == "urgent" and case["notice_code"] == "L1058"
    assert case["cdp_deadline"] == "2026-10-01"
    assert case["contact"]["phone"] == "+15552014433" and case["contact"]["consent"] is True
    assert {"deadline_passed", "revenue_officer", "unfiled_returns"} <= {f["code"] for f in case["risk"]["factors"]}


def test_cp504_is_not_the_final_notice(intake_stack):
    sender = intake_stack.new_sender()
    reply = intake_stack.texts(sender, "is my cp504 the final notice??")
    assert "not the final notice" in reply
    assert "LT11 or Letter 1058" in reply
    reply = intake_stack.texts(sender, "i got a cp504 dated october 20")
    assert "doesn't come with a hearing deadline" in reply
    assert intake_stack.slots(sender)["cdp_deadline"] is None


def test_bank_levy_served_escalates(intake_stack):
    sender = intake_stack.new_sender()
    reply = intake_stack.texts(sender, "the irs froze my checking account today, what do i do")
    assert "urgent" in reply
    intake_stack.texts(sender, "lt11")
    reply = intake_stack.texts(sender, "its dated 11/13/2026")
    assert "Monday, December 14, 2026" in reply  # Sunday Dec 13 rolls to Monday
    # levy_status came from the first message, so the form skips that question.
    assert intake_stack.slots(sender)["levy_status"] == "bank"
    reply = finish_situation(intake_stack, sender, ("i had a plan but missed payments", "no", "30k", "yes i cant pay rent", "personal"))
    assert "right away" in reply and "bank levy" in reply.lower()
    assert "21 days" in reply
    intake_stack.texts(sender, "yes")
    intake_stack.texts(sender, "email")
    intake_stack.texts(sender, "sam@example.org")
    intake_stack.texts(sender, "anytime")
    reply = intake_stack.texts(sender, "skip")
    assert "marked urgent" in reply
    [case] = [c for c in intake_stack.cases() if c["conversation_id"] == sender]
    assert case["risk"]["level"] == "urgent" and case["contact"]["email"] == "sam@example.org"
    assert "levy already made: bank" in case["summary"]


def test_asking_for_a_person(intake_stack):
    sender = intake_stack.new_sender()
    reply = intake_stack.texts(sender, "can i just talk to a real person please")
    assert "phone or by email" in reply
    intake_stack.texts(sender, "call me at 555 201 4433")
    reply = intake_stack.texts(sender, "after 5pm")
    assert "name" in reply
    reply = intake_stack.texts(sender, "my name is Maria")
    assert "Done. Your case is with our advisors" in reply
    [case] = [c for c in intake_stack.cases() if c["conversation_id"] == sender]
    assert case["reason"] == "user_requested"
    assert case["priority"] == "medium"  # a request for a person is at least medium
    assert case["contact"]["name"] == "Maria" and case["contact"]["best_time"] == "after 5pm"


def test_a_second_escalation_updates_the_same_case(intake_stack):
    sender = intake_stack.new_sender()
    for text in ("talk to a person", "email", "kim@example.com", "anytime", "Kim"):
        intake_stack.texts(sender, text)
    # Asking again: the contact details are known, so the case is updated straight away.
    reply = intake_stack.texts(sender, "i want a person")
    assert "added this to your existing case" in reply
    assert len([c for c in intake_stack.cases() if c["conversation_id"] == sender]) == 1


def test_sensitive_numbers_are_refused(intake_stack):
    sender = intake_stack.new_sender()
    reply = intake_stack.texts(sender, "my social is 123-45-6789")
    assert "don't share your Social Security number" in reply


def test_the_disclaimer_appears_once(intake_stack):
    sender = intake_stack.new_sender()
    first = intake_stack.texts(sender, "hello")
    second = intake_stack.texts(sender, "i got an lt11 dated november 10th")
    assert first.count("not legal advice") + second.count("not legal advice") == 1
