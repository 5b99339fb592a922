"""Reading short answers: every form validator relies on these."""
import pytest

from bot import answers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True), ("Yeah", True), ("yep they did", True), ("sure", True), ("y", True),
        ("no", False), ("nope", False), ("Nah", False), ("not really", False), ("i don't", False),
        ("maybe", None), ("", None), ("what?", None), ("yes no", None),
    ],
)
def test_yes_no(text, expected):
    assert answers.yes_no(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("No payment plan", "none"), ("no", "none"), ("never had one", "none"),
        ("Yes, my payment plan is current", "active"), ("i pay every month", "active"), ("yes", "active"),
        ("I had a plan but missed payments", "defaulted"), ("i defaulted on it", "defaulted"),
        ("they sent a cp523", "defaulted"), ("fell behind in march", "defaulted"),
        ("I applied and I'm waiting", "pending"), ("submitted it online, pending", "pending"),
        ("purple", None),
    ],
)
def test_payment_plan(text, expected):
    assert answers.payment_plan(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("No, nothing yet", frozenset()), ("nothing", frozenset()), ("not yet", frozenset()),
        ("My bank account was levied", frozenset({"bank"})),
        ("they froze my checking", frozenset({"bank"})),
        ("My wages are being garnished", frozenset({"wages"})),
        ("They are taking my Social Security", frozenset({"social_security"})),
        ("bank and my paycheck", frozenset({"bank", "wages"})),
        ("Yes, something else was taken", frozenset({"other"})),
        ("hmm", None),
    ],
)
def test_levy_targets(text, expected):
    assert answers.levy_targets(text) == expected


def test_levy_status_slot_round_trip():
    targets = frozenset({"wages", "bank"})
    value = answers.levy_status_value(targets)
    assert value == "bank,wages"  # LEVY_TARGETS order, stable for the advisor
    assert answers.levy_targets_from_slot(value) == targets
    assert answers.levy_status_value(frozenset()) == "none"
    assert answers.levy_targets_from_slot("none") == frozenset()
    assert answers.levy_targets_from_slot(answers.SKIPPED) is None
    assert answers.levy_targets_from_slot(None) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Personal", "individual"), ("just me", "individual"), ("its my personal taxes", "individual"),
        ("Business", "business"), ("its for my llc", "business"), ("payroll taxes for my company", "business"),
        ("blue", None),
    ],
)
def test_taxpayer_type(text, expected):
    assert answers.taxpayer_type(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("555-201-4433", "+15552014433"), ("(555) 201 4433", "+15552014433"),
        ("call me at 1 555 201 4433", "+15552014433"), ("+1 555.201.4433", "+15552014433"),
        ("123-45-6789", None), ("555-1234", None), ("055-201-4433", None), ("no phone", None),
    ],
)
def test_phone_number(text, expected):
    assert answers.phone_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("Jane.Doe@Example.com", "jane.doe@example.com"), ("email me at sam@example.org please", "sam@example.org"),
     ("sam at example dot org", None), ("@", None)],
)
def test_email_address(text, expected):
    assert answers.email_address(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("Phone", "phone"), ("call me", "phone"), ("text me", "phone"), ("555-201-4433", "phone"),
     ("Email", "email"), ("jane@example.com", "email"), ("carrier pigeon", None)],
)
def test_contact_method(text, expected):
    assert answers.contact_method(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("text me", {"contact_method": "phone"}),
     ("555 201 9988", {"contact_method": "phone", "contact_phone": "+15552019988"}),
     ("my cell is (555) 201-9988", {"contact_method": "phone", "contact_phone": "+15552019988"}),
     ("email me at Rosa@Example.com", {"contact_method": "email", "contact_email": "rosa@example.com"}),
     ("email me", {"contact_method": "email"}),
     # none of these offers a way to be reached
     ("the irs called me", {}), ("my notice number is LT11", {}), ("Rosa", {}), ("after 6pm", {})],
)
def test_contact_offered_unasked(text, expected):
    assert answers.offered_contact(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("hold on let me find it", True), ("one sec", True), ("ok hang on", True), ("let me check", True),
    ("brb", True), ("im looking for it", True),
    ("nov 10", False), ("hold", False), ("they put a hold on my account", False), ("i dont have it", False),
])
def test_asking_to_wait(text, expected):
    assert answers.asks_to_wait(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("go back", True), ("wait go back", True), ("can we go back", True), ("lets go back please", True),
    ("go back to the start", False), ("i want to go back to bed", False), ("back", False),
])
def test_going_back(text, expected):
    assert answers.goes_back(text) is expected
