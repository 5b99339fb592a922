"""The other custom actions: greeting, notices, risk, fallback, advisor consent."""
import json

from actions.escalation import ActionAcceptAdvisor, ActionAdvisorDeclined, contact_of
from actions.fallback import ActionDefaultFallback, fallback_streak
from actions.greeting import ActionGreet
from actions.notices import ActionExplainNotice
from actions.risk import ActionAssessRisk
from tests.actions.conftest import make_tracker, responses, run_action, slot_events


async def test_greeting_names_the_firm_and_shows_the_disclaimer_once(domain, monkeypatch):
    monkeypatch.setenv("FIRM_NAME", "Acme Tax Relief")
    messages, events = await run_action(ActionGreet(), make_tracker(intent="greet"), domain)
    assert messages[0]["response"] == "utter_greet" and messages[0]["firm_name"] == "Acme Tax Relief"
    # The disclaimer comes before the question, which ends the turn.
    assert responses(messages) == ["utter_greet", "utter_disclaimer", "utter_greet_question"]
    assert slot_events(events) == {"disclaimer_shown": True}
    messages, events = await run_action(ActionGreet(), make_tracker({"disclaimer_shown": True}), domain)
    assert responses(messages) == ["utter_greet", "utter_greet_question"] and events == []


async def test_a_greeting_inside_a_form_leaves_the_question_to_the_form(domain):
    tracker = make_tracker({"disclaimer_shown": True}, intent="greet", active_loop="notice_form", requested_slot="notice_date")
    messages, _ = await run_action(ActionGreet(), tracker, domain)
    assert responses(messages) == ["utter_greet_again"]


def code_entity(value):
    return [{"entity": "notice_code", "value": value, "start": 0, "end": len(value), "extractor": "IntakeEntityExtractor"}]


async def test_cp504_is_explained_as_not_the_final_notice(domain):
    tracker = make_tracker(text="is my cp504 the final notice", intent="ask_about_notice", entities=code_entity("CP504"))
    messages, _ = await run_action(ActionExplainNotice(), tracker, domain)
    explained = messages[0]
    assert explained["response"] == "utter_notice_explained"
    assert "not the final notice" in explained["meaning"]
    assert "LT11" in explained["what_next"]
    assert messages[1]["response"] == "utter_notice_steps" and messages[1]["steps"].startswith("- ")
    assert "utter_offer_deadline" not in responses(messages)  # no CDP deadline to offer


async def test_final_notice_explained_and_deadline_offered(domain):
    tracker = make_tracker(text="what is letter 1058", intent="ask_about_notice", entities=code_entity("L1058"))
    messages, _ = await run_action(ActionExplainNotice(), tracker, domain)
    assert messages[0]["intro"] == "About the Letter 1058: "
    assert "revenue officer" in messages[0]["issuer"]
    assert "utter_offer_deadline" in responses(messages)


async def test_the_held_notice_is_explained_when_none_is_named(domain):
    messages, _ = await run_action(ActionExplainNotice(), make_tracker({"notice_code": "LT11", "notice_date": "2026-11-01"}, intent="ask_about_notice"), domain)
    assert messages[0]["intro"] == "About the LT11: "
    assert "utter_offer_deadline" not in responses(messages)  # the date is known already


async def test_no_notice_known_asks_which(domain):
    messages, _ = await run_action(ActionExplainNotice(), make_tracker(intent="ask_about_notice"), domain)
    assert responses(messages) == ["utter_ask_which_notice"]


async def test_unknown_code_is_not_guessed(domain):
    tracker = make_tracker(text="whats a cp2000", intent="ask_about_notice", entities=code_entity("CP2000"))
    messages, _ = await run_action(ActionExplainNotice(), tracker, domain)
    assert responses(messages) == ["utter_notice_unknown_code"] and messages[0]["code"] == "CP2000"


INTAKE = dict(notice_code="LT11", notice_date="2026-11-10", levy_status="none", payment_plan="none",
              unfiled_returns=False, balance=12000.0, hardship=False, taxpayer_type="individual")


async def test_medium_risk_gets_steps_and_no_offer(domain):
    messages, events = await run_action(ActionAssessRisk(), make_tracker(INTAKE), domain)
    assert responses(messages) == ["utter_risk_medium", "utter_next_steps", "utter_disclaimer", "utter_anything_else"]
    assert "final notice (LT11)" in messages[0]["reasons"]
    assert "postmarked by Thursday, December 10" in messages[1]["steps"]
    slots = slot_events(events)
    assert slots["risk_level"] == "medium" and slots["advisor_offered"] is False


async def test_risk_reasons_name_the_letter_as_the_taxpayer_knows_it(domain):
    messages, _ = await run_action(ActionAssessRisk(), make_tracker(dict(INTAKE, notice_code="L1058")), domain)
    assert "final notice (Letter 1058)" in messages[0]["reasons"] and "L1058" not in messages[0]["reasons"]


async def test_bank_levy_is_urgent_and_the_offer_is_left_to_its_form(domain):
    tracker = make_tracker(dict(INTAKE, levy_status="bank", disclaimer_shown=True))
    messages, events = await run_action(ActionAssessRisk(), tracker, domain)
    assert messages[0]["response"] == "utter_risk_urgent"
    assert messages[0]["reasons"].index("bank levy") < messages[0]["reasons"].index("final notice")
    # The advisor offer form asks (its question ends the turn); a fresh answer is wanted.
    assert responses(messages) == ["utter_risk_urgent", "utter_next_steps"]
    slots = slot_events(events)
    assert slots["advisor_offered"] is True and slots["escalation_reason"] == "risk" and slots["wants_advisor"] is None


async def test_with_a_case_already_the_case_gets_the_new_facts_instead_of_an_offer(domain, tmp_path, monkeypatch):
    from actions.escalation import handoff_client
    from bot.handoff.outbox import Outbox

    # The queue is unreachable, so the real client keeps the update in its durable outbox.
    monkeypatch.setenv("STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HANDOFF_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("HANDOFF_OUTBOX_INTERVAL", "3600")
    handoff_client.cache_clear()
    try:
        tracker = make_tracker(dict(INTAKE, levy_status="bank", case_id="42", handoff_consent=True, contact_method="email",
                                    contact_email="kim@example.com", best_time="any time"))
        messages, events = await run_action(ActionAssessRisk(), tracker, domain)
    finally:
        handoff_client.cache_clear()
    assert "utter_handoff_updated" in responses(messages) and "utter_anything_else" in responses(messages)
    assert slot_events(events)["advisor_offered"] is False
    [kept] = Outbox(tmp_path / "handoff-outbox").pending()
    case = json.loads(kept.read_text())["case"]
    assert case["facts"]["levy_served"] == ["bank"] and case["risk"]["level"] == "urgent"


async def test_unchanged_facts_are_not_assessed_twice(domain):
    _, events = await run_action(ActionAssessRisk(), make_tracker(INTAKE), domain)
    fingerprint = slot_events(events)["assessed_facts"]
    messages, events = await run_action(ActionAssessRisk(), make_tracker(dict(INTAKE, assessed_facts=fingerprint)), domain)
    assert responses(messages) == ["utter_anything_else"] and slot_events(events) == {"advisor_offered": False}


def said(response):
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


async def test_nothing_new_after_the_summary_never_says_the_same_twice(domain):
    _, events = await run_action(ActionAssessRisk(), make_tracker(INTAKE), domain)
    done = dict(INTAKE, assessed_facts=slot_events(events)["assessed_facts"])
    # "Rosa" after "anything else?": what the assistant can do, not the same question again.
    messages, _ = await run_action(ActionAssessRisk(), make_tracker(done, text="Rosa", events=[said("utter_anything_else")]), domain)
    assert responses(messages) == ["utter_intake_complete"]
    # A third message it can't use: the advisor offer, as after two misunderstandings.
    messages, events = await run_action(ActionAssessRisk(), make_tracker(done, text="after 6pm", events=[said("utter_intake_complete")]), domain)
    assert messages == [] and slot_events(events) == {"advisor_offered": True, "escalation_reason": "fallback", "wants_advisor": None}
    # With the case at the advisors' already, no offer: the two answers take turns.
    messages, _ = await run_action(ActionAssessRisk(), make_tracker(dict(done, case_id="7"), text="ok", events=[said("utter_intake_complete")]), domain)
    assert responses(messages) == ["utter_anything_else"]


async def test_a_way_to_be_reached_after_the_summary_is_a_wish_for_an_advisor(domain):
    _, events = await run_action(ActionAssessRisk(), make_tracker(INTAKE), domain)
    done = dict(INTAKE, assessed_facts=slot_events(events)["assessed_facts"])
    messages, events = await run_action(ActionAssessRisk(), make_tracker(done, text="my cell is 555 201 9988"), domain)
    # The offer form completes at once (wants_advisor is set) and the contact form asks the rest.
    assert messages == [] and slot_events(events) == {
        "advisor_offered": True, "escalation_reason": "user_requested", "wants_advisor": True,
        "contact_method": "phone", "contact_phone": "+15552019988"}
    # A question about texting is a question, not contact details.
    messages, _ = await run_action(ActionAssessRisk(), make_tracker(done, text="can you text me the deadline?"), domain)
    assert responses(messages) == ["utter_anything_else"]


def faq_message(key, text="how much can they take"):
    return {"text": text, "intent": {"name": "faq", "confidence": 0.9}, "entities": [],
            "response_selector": {"faq": {"response": {"intent_response_key": key, "confidence": 0.8}}}}


async def test_an_faq_is_answered_for_the_case(domain):
    from actions.faq import ActionAnswerFaq

    tracker = make_tracker({"levy_status": "social_security"}, text="how much can they take", intent="faq")
    tracker.latest_message = faq_message("faq/wage_levy")
    messages, _ = await run_action(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/social_security_levy", "utter_faq_next_deadline"]
    tracker = make_tracker(text="what is a cdp hearing", intent="faq")
    tracker.latest_message = faq_message("faq/cdp_hearing", "what is a cdp hearing")
    assert responses((await run_action(ActionAnswerFaq(), tracker, domain))[0]) == ["utter_faq/cdp_hearing", "utter_faq_next_deadline"]


async def test_an_faq_answer_ends_with_a_next_step_that_fits_the_case(domain):
    from actions.faq import ActionAnswerFaq

    # The deadline known: talk it over with an advisor (the day is named, so the offer is concrete).
    tracker = make_tracker({"cdp_deadline": "2026-11-30"}, text="what is a cdp hearing", intent="faq")
    tracker.latest_message = faq_message("faq/cdp_hearing", "what is a cdp hearing")
    messages, _ = await run_action(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/cdp_hearing", "utter_faq_next_advisor"]
    assert messages[1]["deadline_text"] == "Monday, November 30, 2026"
    # Inside a form the form's question comes next; with a case at the advisors' nothing is offered.
    for slots, loop in (({}, "notice_form"), ({"case_id": "7"}, None)):
        tracker = make_tracker(slots, text="what is a cdp hearing", intent="faq", active_loop=loop)
        tracker.latest_message = faq_message("faq/cdp_hearing", "what is a cdp hearing")
        assert responses((await run_action(ActionAnswerFaq(), tracker, domain))[0]) == ["utter_faq/cdp_hearing"]


async def test_the_firms_phone_and_hours_come_from_bot_firm(domain, monkeypatch):
    from actions.faq import ActionAnswerFaq

    monkeypatch.setenv("FIRM_NAME", "Acme Tax")
    monkeypatch.setenv("FIRM_PHONE", "(555) 777-0000")
    monkeypatch.setenv("FIRM_HOURS", "Mon-Sat 09:00-17:30")
    tracker = make_tracker(text="whats your phone number? can i just call you", intent="faq")
    tracker.latest_message = faq_message("faq/firm_contact", "whats your phone number? can i just call you")
    messages, _ = await run_action(ActionAnswerFaq(), tracker, domain)
    assert messages[0]["response"] == "utter_faq/firm_contact"
    assert (messages[0]["firm_name"], messages[0]["firm_phone"], messages[0]["firm_hours"]) == (
        "Acme Tax", "(555) 777-0000", "Monday to Saturday, 9 am to 5:30 pm ET")
    assert messages[0]["open_now"].startswith((" We're open now.", " We're closed right now"))
    import yaml
    answers = yaml.safe_load(open("data/responses/faq.yml", encoding="utf-8"))["responses"]["utter_faq/firm_contact"]
    assert all("{firm_phone}" in a["text"] and "{firm_hours}" in a["text"] for a in answers)  # web and SMS


async def test_low_risk(domain):
    messages, _ = await run_action(ActionAssessRisk(), make_tracker({"notice_code": "CP14", "levy_status": "none"}), domain)
    assert responses(messages)[0] == "utter_risk_low"


def user(intent):
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def action(name):
    return {"event": "action", "name": name}


def test_fallback_streak_counts_consecutive_misunderstandings():
    assert fallback_streak([user("greet"), action("action_greet"), user("nlu_fallback")]) == 1
    assert fallback_streak([user("nlu_fallback"), action("action_default_fallback"), user("nlu_fallback")]) == 2
    broken = [user("nlu_fallback"), action("action_default_fallback"), user("greet"), action("action_greet"), user("nlu_fallback")]
    assert fallback_streak(broken) == 1


def followups(events):
    return [e["name"] for e in events if e.get("event") == "followup"]


async def test_first_fallback_explains_second_offers_an_advisor(domain):
    messages, events = await run_action(ActionDefaultFallback(), make_tracker(intent="nlu_fallback"), domain)
    assert responses(messages) == ["utter_default"] and slot_events(events)["advisor_offered"] is False
    assert followups(events) == ["action_listen"]  # never predicted again in the same turn
    history = [user("nlu_fallback"), action("action_default_fallback")]
    messages, events = await run_action(ActionDefaultFallback(), make_tracker(intent="nlu_fallback", events=history), domain)
    assert messages == []  # the advisor offer form asks, in the words for a misunderstanding
    assert slot_events(events) == {"advisor_offered": True, "escalation_reason": "fallback", "wants_advisor": None}
    assert followups(events) == ["advisor_offer_form"]


async def test_a_fallback_inside_a_form_hands_back_to_the_form(domain):
    tracker = make_tracker(intent="affirm", active_loop="situation_form", requested_slot="balance")
    messages, events = await run_action(ActionDefaultFallback(), tracker, domain)
    assert responses(messages) == ["utter_default"]
    assert followups(events) == ["situation_form"]  # which asks its question again


async def test_accepting_an_advisor_records_consent_and_reason(domain):
    tracker = make_tracker({"escalation_reason": "risk", "advisor_offered": True}, text="yes please", intent="affirm")
    messages, events = await run_action(ActionAcceptAdvisor(), tracker, domain)
    assert responses(messages) == ["utter_advisor_accepted"]
    assert slot_events(events) == {"handoff_consent": True, "escalation_reason": "risk", "advisor_offered": False}


async def test_asking_for_a_person_on_sms_uses_the_texting_number(domain):
    tracker = make_tracker(text="let me talk to a human", intent="request_human", sender_id="+15552014433", channel="sms")
    _, events = await run_action(ActionAcceptAdvisor(), tracker, domain)
    slots = slot_events(events)
    assert slots["escalation_reason"] == "user_requested"
    assert slots["contact_method"] == "phone" and slots["contact_phone"] == "+15552014433"


async def test_a_way_to_reach_them_given_with_the_request_is_taken(domain):
    tracker = make_tracker(text="talk to a person, email me at kim@example.com", intent="request_human")
    slots = slot_events((await run_action(ActionAcceptAdvisor(), tracker, domain))[1])
    assert slots["contact_method"] == "email" and slots["contact_email"] == "kim@example.com"
    # On SMS "call me" is the number they text from; on the web the contact form asks for it.
    sms = make_tracker(text="call me", intent="request_human", sender_id="+15552014433", channel="sms")
    assert slot_events((await run_action(ActionAcceptAdvisor(), sms, domain))[1])["contact_phone"] == "+15552014433"
    web = slot_events((await run_action(ActionAcceptAdvisor(), make_tracker(text="call me", intent="request_human"), domain))[1])
    assert web["contact_method"] == "phone" and "contact_phone" not in web
    # Details already given are not replaced by the words of a later request.
    kept = make_tracker({"contact_method": "email"}, text="just call me", intent="request_human")
    assert "contact_method" not in slot_events((await run_action(ActionAcceptAdvisor(), kept, domain))[1])


async def test_declining_gives_the_firm_phone(domain, monkeypatch):
    monkeypatch.setenv("FIRM_PHONE", "(555) 777-0000")
    messages, events = await run_action(ActionAdvisorDeclined(), make_tracker(intent="deny"), domain)
    assert messages[0]["firm_phone"] == "(555) 777-0000"
    assert slot_events(events) == {"advisor_offered": False, "escalation_reason": None}


def test_contact_only_carries_the_chosen_channel():
    tracker = make_tracker({"contact_method": "email", "contact_email": "a@example.com", "contact_phone": "+15552014433",
                            "best_time": "mornings", "contact_name": "skipped", "handoff_consent": True})
    contact = contact_of(tracker)
    assert contact == {"name": None, "method": "email", "phone": None, "email": "a@example.com",
                       "best_time": "mornings", "consent": True}


def test_the_promise_after_escalation_fits_the_best_time(monkeypatch):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from actions.escalation import promise_words
    from bot import clock
    from bot.handoff.client import SubmitResult

    et = ZoneInfo("America/New_York")
    now = dt.datetime(2026, 12, 3, 9, 40, tzinfo=et)  # a Thursday
    monkeypatch.setattr(clock, "utcnow", lambda: now.astimezone(dt.timezone.utc))
    result = SubmitResult("delivered", case_id=5, priority="high", first_response_due=now + dt.timedelta(hours=1),
                          promise="by 10:45 am ET today")
    phone = {"method": "phone", "best_time": "after 5pm"}
    # The case: not "by 10 am today" but the hour after five the firm is open, time zone said.
    assert promise_words(result, phone) == ("between 5 pm and 6 pm ET today", "We close at 6 pm ET, so that's the latest we can call.")
    assert promise_words(result, {**phone, "best_time": "any time"}) == ("by 10:45 am ET today", "")
    # An email is answered when the advisor is free: the queue's own promise; a duration says its clock time.
    assert promise_words(result, {"method": "email", "best_time": "after 5pm"}) == ("by 10:45 am ET today", "")
    within = SubmitResult("delivered", case_id=5, priority="high", first_response_due=now + dt.timedelta(hours=1),
                          promise="within about an hour")
    assert promise_words(within, {"method": "email"}) == ("within about an hour (by 10:45 am ET today)", "")


async def test_an_sms_number_the_form_would_refuse_is_not_taken_and_not_complained_about(domain):
    # A UK sender, and a +1 number no US line has (exchange 010): the form asks for a number
    # normally instead of saying "That doesn't look like a US phone number" to words never typed.
    for sender in ("+447700900123", "+15550100177"):
        tracker = make_tracker(text="talk to a person", intent="request_human", sender_id=sender, channel="sms")
        messages, events = await run_action(ActionAcceptAdvisor(), tracker, domain)
        slots = slot_events(events)
        assert "contact_phone" not in slots and "contact_method" not in slots
        assert responses(messages) == ["utter_advisor_accepted"]
