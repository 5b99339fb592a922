"""What taxpayers say at each question of the intake, and the digressions they make there:
shared by the digression matrix (test_digression_matrix.py) and the off-script bench
(bench/offscript.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

NO_DATE = "as soon as I have the date"


@dataclass(frozen=True)
class Question:
    slot: str
    prefix: Tuple[str, ...]  # what the taxpayer said to get here
    answer: str
    then: str  # what the answer leads to: the next question's slot, or "nothing"
    deadline: str  # what "how long do I have?" is answered with here


QUESTIONS = (
    Question("notice_code", ("i got a letter from the irs",), "LT11", "notice_date", NO_DATE),
    Question("notice_date", ("i got an lt11",), "nov 10", "levy_status", NO_DATE),
    Question("date_confirmed", ("i got an lt11", "yesterday"), "yes", "levy_status", NO_DATE),
    Question("levy_status", ("lt11 dated nov 10",), "no", "payment_plan", "December 10, 2026"),
    Question("payment_plan", ("lt11 dated nov 10", "no"), "no plan", "unfiled_returns", "December 10, 2026"),
    Question("unfiled_returns", ("lt11 dated nov 10", "no", "no plan"), "no", "balance", "December 10, 2026"),
    Question("balance", ("lt11 dated nov 10", "no", "no plan", "no"), "8000", "hardship", "December 10, 2026"),
    Question("hardship", ("lt11 dated nov 10", "no", "no plan", "no", "8000"), "no", "taxpayer_type", "December 10, 2026"),
    Question("taxpayer_type", ("lt11 dated nov 10", "no", "no plan", "no", "8000", "no"), "personal", "nothing",
             "December 10, 2026"),
    Question("wants_advisor", ("lt11 dated sept 1, they levied my bank", "no plan", "no", "30k", "no", "personal"),
             "yes", "contact_method", "October 1, 2026"),
    Question("contact_method", ("talk to a person",), "email", "contact_email", NO_DATE),
    Question("contact_email", ("talk to a person", "email"), "kim@example.com", "best_time", NO_DATE),
    Question("contact_phone", ("talk to a person", "phone"), "555 201 4433", "best_time", NO_DATE),
    Question("best_time", ("talk to a person", "email", "kim@example.com"), "mornings", "contact_name", NO_DATE),
    Question("contact_name", ("talk to a person", "email", "kim@example.com", "mornings"), "Kim", "nothing", NO_DATE),
)

# kind -> (phrasing, what its answer says)
DIGRESSIONS: Dict[str, Sequence[Tuple[str, Optional[str]]]] = {
    "faq": (
        ("wait whats the difference between a lien and a levy", "A lien and a levy are different"),
        ("can they take my social security??", "Social Security"),
        ("what is a cdp hearing", "Collection Due Process"),
    ),
    "notice question": (
        ("what is a cp504", "CP504"),
        ("what does a letter 1058 mean?", "Letter 1058"),
        ("what's an lt11", "LT11"),
    ),
    "deadline question": (
        ("how long do i have?", None),
        ("whens my deadline", None),
        ("how many days do i have left", None),
    ),
    "are you a bot": (
        ("are you a bot?", "virtual assistant"),
        ("am i talking to a real person", "virtual assistant"),
        ("is this a robot", "virtual assistant"),
    ),
    "fear": (
        ("im so scared", "stressful"),
        ("i cant sleep over this", "stressful"),
        ("this is stressing me out so bad", "stressful"),
    ),
    "out of scope": (
        ("whats the weather like", "I can only help"),
        ("can you do my state taxes", "I can only help"),
        ("tell me a joke", "I can only help"),
    ),
    "sensitive number": (
        ("my ssn is 123-45-6789", "don't share"),
        ("my account number is 000123456789", "don't share"),
        ("here is my social 123 45 6789", "don't share"),
    ),
    "thanks": (
        ("thanks", "You're welcome"),
        ("thank you so much", "You're welcome"),
        ("ty", "You're welcome"),
    ),
    "greeting": (
        ("hi", "pick up where we were"),
        ("hello?", "pick up where we were"),
        ("hey there", "pick up where we were"),
    ),
    "Spanish": (
        ("hablan español?", "solo puedo"),
        ("no hablo ingles", "solo puedo"),
        ("necesito ayuda por favor", "solo puedo"),
    ),
}


# Answers to each question, typed the way people type them (each is taken by the form).
ANSWERS: Dict[str, Sequence[str]] = {
    "notice_code": ("LT11", "lt 11", "its a letter 1058", "1058", "LTR1058", "letter 11", "lt-11"),
    "notice_date": ("nov 10", "11/10/2026", "november 13th", "the date on it is nov 20", "oct 30", "10/28/26"),
    "date_confirmed": ("yes", "yep thats right", "correct"),
    "levy_status": ("no", "nothing yet", "no, nothing taken", "they froze my checking", "my wages",
                    "no but they say they will take my bank account"),
    "payment_plan": ("no", "no plan", "i had one but missed payments", "i applied and im waiting", "yes its current"),
    "unfiled_returns": ("no", "all filed", "all my returns are filed", "yes 2023", "i havent filed 2022"),
    "balance": ("8000", "about 15k", "like 40k", "$22,500", "around 12 thousand", "idk"),
    "hardship": ("no", "yes i cant pay rent", "nope", "yeah barely making it"),
    "taxpayer_type": ("personal", "its mine", "my business", "its for my llc"),
    "wants_advisor": ("yes", "yes please", "yes, get me help today", "not now", "no thanks"),
    "contact_method": ("phone", "email", "call me", "email me"),
    "contact_phone": ("555 201 4433", "(555) 201-4433", "5552014433"),
    "contact_email": ("kim@example.com", "Jo.Doe@Example.org"),
    "best_time": ("mornings", "after 5pm", "anytime", "weekday afternoons"),
    "contact_name": ("Kim", "my name is Maria", "Dave", "skip"),
}

# First messages: facts, threats, fear, questions, requests, all at once or not at all.
OPENINGS: Sequence[str] = (
    "I got an LT11",
    "LT11 dated October 28, 2026. is it too late?",
    "Hi. I got a letter from the IRS that says LT11 at the top. They say they're going to take money from my bank account. I'm really scared.",
    "The IRS sent me LT11 dated October 30. They are threatening to levy my bank account.",
    "the irs froze my checking account today what do i do",
    "i got a letter 1058 from a revenue officer",
    "how long do i have to respond",
    "hi",
    "can i talk to a real person",
    "whats the difference between a lien and a levy",
    "i have a letter 11 dated nov 20",
    "got an LT11 dated nov 10. can they take my car?",
    "they are garnishing my paycheck",
    "im so scared i cant sleep",
    "i got a cp504",
    "lt11 dtd nov 10 2026",
    "¿Hablan español? Necesito ayuda con una carta del IRS",
    "blorp zzz",
)

# Corrections a taxpayer makes once the notice is known.
CORRECTIONS: Sequence[str] = (
    "sorry typo, its dated nov 18",
    "oh wait, its a letter 1058 not an lt11",
    "actually the date on it is november 13",
    "my mistake, it was dated oct 30",
)
