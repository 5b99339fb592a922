"""bot/nlu/reading.py: the intent the dialogue acts on, and what else a message says."""
import datetime as dt

import pytest

from bot.nlu import extract_entities
from bot.nlu.reading import ASKED_FAQ, ASKED_NOTICE, is_correction, is_spanish, looks_like_a_question, read, split_parts

TODAY = dt.date(2026, 11, 27)


def reading(text, intent, parts=(), faq=None, confidence=1.0):
    return read(text, intent, extract_entities(text, TODAY), parts, faq, confidence)


@pytest.mark.parametrize("text, intent", [
    ("Hi. I got a letter from the IRS that says LT11 at the top. They say they're going to take money from my bank account. I'm really scared.", "faq"),
    ("LT11 dated October 28, 2026. is it too late?", "faq"),
    ("my lt11 says oct 27 on it", "inform"),
    ("i got an lt11 im so scared", "feeling_worried"),
    ("I got an LT11 in the mail, what does it mean?", "ask_about_notice"),
    ("is my cp504 the final notice", "ask_about_notice"),  # "my": they hold one; it is explained too
    ("The IRS sent me LT11 dated October 30. They are threatening to levy my bank account.", "report_levy"),
])
def test_a_report_of_the_notice_held_starts_the_intake(text, intent):
    assert reading(text, intent).intent == "report_notice"


@pytest.mark.parametrize("text, intent", [
    ("what is an lt11", "ask_about_notice"),
    ("whats the difference between lt11 and 1058", "faq"),
    ("is a cp504 the final notice", "ask_about_notice"),
])
def test_a_question_about_a_notice_stays_a_question(text, intent):
    assert reading(text, intent).intent == intent


def test_a_levy_made_stays_a_levy_and_a_threat_alone_does_not():
    made = reading("the irs froze my checking account", "report_levy")
    assert made.intent == "report_levy" and made.levy == {"made": ("bank",)}
    threat = reading("they say they will take my bank account", "report_levy")
    assert threat.intent == "report_notice" and threat.levy == {"threatened": ("bank",)}


@pytest.mark.parametrize("text, intent", [
    ("i need a person, i have an lt11 dated nov 10", "report_notice"),
    ("can i talk to someone about my lt11", "ask_about_notice"),
    ("yes get me help today", "affirm"),
    ("can you have someone call me tomorrow", "inform"),
    ("actually yes call me", "affirm"),
])
def test_asking_for_a_person_wins(text, intent):
    assert reading(text, intent).intent == "request_human"


@pytest.mark.parametrize("text", ["call me after 5pm", "call me at 555 201 4433"])
def test_call_me_with_details_answers_the_contact_form(text):
    assert reading(text, "inform").intent == "inform"


def test_are_you_a_real_person_is_no_request():
    assert reading("are you a real person", "bot_challenge").intent == "bot_challenge"


@pytest.mark.parametrize("text", ["¿Hablan español? Necesito ayuda con una carta del IRS",
                                  "me llegó una carta LT11 y me van a embargar la cuenta", "no hablo ingles"])
def test_spanish_is_recognised(text):
    assert is_spanish(text) and reading(text, "faq").intent == "other_language"


@pytest.mark.parametrize("text", ["I live in San Jose", "my name is Maria de la Cruz", "no", "gracias"])
def test_english_with_a_spanish_word_is_english(text):
    assert not is_spanish(text)


def test_unsure_answers_with_nothing_in_them_are_a_fallback():
    assert reading("blorp zzz", "inform", confidence=0.47).intent == "nlu_fallback"
    assert reading("no plan", "inform", confidence=0.47).intent == "nlu_fallback"  # inside a form, still read
    assert reading("nov 10", "inform", confidence=0.4).intent == "report_notice"  # a date is something


def test_a_faq_guess_is_not_answered():
    assert reading("will they take my house??", "faq", faq=("faq/wage_levy", 0.28)).intent == "nlu_fallback"
    assert reading("will they take my house??", "faq", faq=("faq/what_is_exempt", 0.8)).intent == "faq"


def test_questions_inside_a_report_are_kept_for_after_the_deadline():
    text = "got an LT11 dated nov 10. can they take my car?"
    parts = [{"text": "got an LT11 dated nov 10.", "intent": "report_notice", "confidence": 0.9},
             {"text": "can they take my car?", "intent": "faq", "confidence": 0.9,
              "faq": "faq/what_if_ignored", "faq_confidence": 0.7}]
    found = reading(text, "report_notice", parts)
    assert found.intent == "report_notice"
    assert [(a.kind, a.key) for a in found.asked] == [(ASKED_FAQ, "faq/what_if_ignored")]


def test_a_statement_is_no_question():
    found = reading("I got an LT11 and they say they will take my bank account", "faq",
                    faq=("faq/bank_levy", 0.9))
    assert found.asked == ()


@pytest.mark.parametrize("text", ["i got a 1058 whats that", "got an lt11 today. what does it mean", "i have an LT11 wat is it"])
def test_what_is_it_after_naming_the_notice_asks_about_the_notice(text):
    found = reading(text, "report_notice", faq=("faq/lt11_vs_1058", 0.95))
    assert found.intent == "report_notice" and [a.kind for a in found.asked] == [ASKED_NOTICE]


def test_a_notice_question_from_its_holder():
    found = reading("I got an LT11 in the mail, what does it mean?", "ask_about_notice")
    assert [a.kind for a in found.asked] == [ASKED_NOTICE]


@pytest.mark.parametrize("text, expected", [
    ("sorry typo, its dated nov 18", True), ("oh wait no, its a letter 1058 not an lt11", True),
    ("actually i do have a plan", True), ("no plan", False), ("nov 18", False),
])
def test_corrections(text, expected):
    assert is_correction(text) is expected


@pytest.mark.parametrize("text, intent", [("thanks bye", "thank"), ("ok bye thank you", "thank"), ("bye", "goodbye"),
                                          ("great, gotta go", "affirm")])
def test_signing_off_is_a_goodbye(text, intent):
    assert reading(text, intent).intent == "goodbye"


def test_thanks_alone_is_no_goodbye():
    assert reading("thanks so much", "thank").intent == "thank"


def test_feelings():
    assert reading("HELP the irs is taking my money", "report_levy").feelings
    assert not reading("help me understand my notice", "ask_about_notice").feelings
    assert reading("lt11 dated nov 10 and im terrified", "report_notice").feelings
    assert reading("this is so scary", "feeling_worried").feelings
    assert reading("hi i got a scary letter from irs says LT11 at top", "report_notice").feelings
    assert not reading("its the scary looking one", "inform").feelings
    assert not reading("lt11 dated nov 10", "report_notice").feelings


@pytest.mark.parametrize("text, expected", [("can they take my car", True), ("whens my deadline", True),
                                            ("my car?", True), ("my car", False), ("about 15k", False),
                                            ("wait what is a levy exactly", True), ("ok so how do i stop it", True),
                                            ("sorry, when is my deadline", True), ("ok", False), ("wait", False),
                                            ("about 15k, can they take my house", True), ("yes, do it", False),
                                            ("nothing taken but they say they will garnish my wages", False),
                                            ("its an lt11 i think?", False), ("is it an lt11 i think?", True)])
def test_questions(text, expected):
    assert looks_like_a_question(text) is expected


def test_sentences():
    assert split_parts("Hi. I got an LT11! Is it bad?\nhelp") == ["Hi.", "I got an LT11!", "Is it bad?", "help"]
    assert len(split_parts(". ".join(["a"] * 20))) == 6
