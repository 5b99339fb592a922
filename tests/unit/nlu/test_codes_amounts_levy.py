"""Notice codes, amounts and levy targets as extract_entities reports them."""
import pytest

from tests.unit.nlu.conftest import entities_of


def values(text, kind):
    return [e["value"] for e in entities_of(text, kind=kind)]


@pytest.mark.parametrize(
    "text, code, known, words",
    [("lt 11", "LT11", True, "lt 11"), ("a 1058 from a revenue officer", "L1058", True, "1058"),
     ("got a cp504b", "CP504", True, "cp504b"), ("it says CP2000", "CP2000", False, "CP2000"),
     ("letter 525 came", "L525", False, "letter 525")],
)
def test_notice_codes_use_the_catalog(text, code, known, words):
    found = entities_of(text, kind="notice_code")
    assert [e["value"] for e in found] == [code]
    assert found[0]["additional_info"] == {"known": known}
    assert text[found[0]["start"]:found[0]["end"]] == words


@pytest.mark.parametrize("text", ["LT 11", "lt11", "1058", "the 1058", "letter 1058", "cp 504", "3172"])
def test_notice_codes_never_become_amounts_or_dates(text):
    kinds = [e["entity"] for e in entities_of(text)]
    assert kinds == ["notice_code"]


@pytest.mark.parametrize(
    "text, amount",
    [("$12,500", 12500), ("12.5k", 12500), ("about 40 thousand", 40000), ("40 grand", 40000),
     ("$1.2 million", 1200000), ("I owe like 40k", 40000), ("i owe the irs $8,450.32", 8450.32),
     ("twelve thousand five hundred dollars", 12500), ("balance is 23000", 23000), ("i owe 1058 dollars", 1058),
     ("$1058", 1058), ("i owe $10,504", 10504), ("the irs took 2,300 out of my checking", 2300),
     ("i only get 1400 a month", 1400), ("12500", 12500)],
)
def test_amounts_in_dollars(text, amount):
    assert values(text, "amount") == [amount]
    assert isinstance(values(text, "amount")[0], int) == float(amount).is_integer()


@pytest.mark.parametrize(
    "text",
    ["i have 30 days", "they can take 15% of it", "my 401k", "call 503-555-1212", "i owe for 2019 and 2020",
     "11", "my ssn is 123-45-6789", "account number is 000123456789", "got it 3 days ago", "10/1/2026"],
)
def test_numbers_that_are_not_money(text):
    assert values(text, "amount") == []


@pytest.mark.parametrize(
    "text, targets",
    [("my paycheck", ["wages"]), ("they froze my bank account", ["bank"]), ("garnishing me", ["wages"]),
     ("they garnished my social security", ["social_security"]), ("my federal pension", ["federal_payment"]),
     ("my customers got letters", ["business_receivables"]), ("they want my house", ["other"]),
     ("both my bank and my wages", ["bank", "wages"]), ("my credit union account is frozen", ["bank"]),
     ("my social security number", []), ("we owe payroll taxes", [])],
)
def test_levy_targets(text, targets):
    assert values(text, "levy_target") == targets


@pytest.mark.parametrize("text, target, role", [
    # made: past or ongoing
    ("they froze my checking account", "bank", "made"),
    ("they are garnishing my paycheck", "wages", "made"),
    ("the irs took money out of my account", "bank", "made"),
    ("they levied my social security", "social_security", "made"),
    ("my social security got cut", "social_security", "made"),
    # threatened: modal and future words, the verbs of a threat
    ("They are threatening to levy my bank account.", "bank", "threatened"),
    ("they say they will take my bank account", "bank", "threatened"),
    ("They say they're going to take money from my bank account.", "bank", "threatened"),
    ("they will garnish my wages", "wages", "threatened"),
    ("wages and bank at risk", "bank", "threatened"),
    # a threat ended with a scared "??" is still a threat; a question opener makes it a question
    ("they are gonna take my bank acct??", "bank", "threatened"),
    ("they're going to take my paycheck?", "wages", "threatened"),
    ("are they going to take my bank account?", "bank", "asked"),
    # asked: a question
    ("can they take my car?", "other", "asked"),
    ("they can take my car?", "other", "asked"),
    ("is my bank account safe", "bank", "asked"),
    # the words don't say: the question asked or the intent decides
    ("my bank account", "bank", None),
    ("nothing taken from my bank yet", "bank", None),
])
def test_a_levy_is_made_threatened_or_asked(text, target, role):
    found = [(e["value"], e.get("role")) for e in entities_of(text, kind="levy_target")]
    assert (target, role) in found, found


def test_each_clause_has_its_own_modality():
    text = "they froze my checking and are threatening my wages"
    found = {e["value"]: e.get("role") for e in entities_of(text, kind="levy_target")}
    assert found == {"bank": "made", "wages": "threatened"}
