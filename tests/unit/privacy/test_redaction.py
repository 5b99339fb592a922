"""What the door masks, and what it must leave alone (bot/privacy/redaction.py)."""
import datetime as dt

import pytest

from bot.nlu import extract_entities
from bot.privacy import redaction as r
from bot.privacy.redaction import aba_valid, describe, is_itin, luhn_valid, redact, redact_value

TODAY = dt.date(2026, 11, 27)

# (text, the text after redaction, the kinds found)
MASKED = [
    ("my ssn is 123-45-6789", "my ssn is [ssn removed]", ("ssn",)),
    ("ssn 123456789", "ssn [ssn removed]", ("ssn",)),
    ("my social is 123 45 6789", "my social is [ssn removed]", ("ssn",)),
    ("it's 123.45.6789", "it's [ssn removed]", ("ssn",)),
    ("here is my social security number 987-65-4321", "here is my social security number [ssn removed]", ("ssn",)),
    ("my itin is 900-70-0000", "my itin is [itin removed]", ("itin",)),
    ("number 912-78-1234 on my card", "number [itin removed] on my card", ("itin",)),
    ("our ein is 12-3456789", "our ein is [ein removed]", ("ein",)),
    ("ein 123456789", "ein [ein removed]", ("ein",)),
    ("routing number 123456780 account 0001234567",
     "routing number [routing number removed] account [account number removed]", ("routing", "account")),
    ("my bank routes through 021000021 at chase", "my bank routes through [routing number removed] at chase", ("routing",)),
    ("my bank account is 123456789012 at chase", "my bank account is [account number removed] at chase", ("account",)),
    ("acct # 000111222333", "acct # [account number removed]", ("account",)),
    ("account number: 12345678", "account number: [account number removed]", ("account",)),
    ("here it is 000123456789012", "here it is [account number removed]", ("account",)),
    ("my card number is 4111 1111 1111 1111", "my card number is [card number removed]", ("card",)),
    ("charge 4111-1111-1111-1111 please", "charge [card number removed] please", ("card",)),
    ("card 4242424242424242 exp 12/30 cvv 123", "card [card number removed] exp 12/30 cvv [security code removed]",
     ("card", "card_code")),
    ("amex 3782 822463 10005", "amex [card number removed]", ("card",)),
    ("my ip pin is 123456", "my ip pin is [pin removed]", ("pin",)),
    ("identity protection pin: 654321", "identity protection pin: [pin removed]", ("pin",)),
    ("the pin for my irs account is 111111", "the pin for my irs account is [pin removed]", ("pin",)),
    ("my irs password is hunter", "my irs password is [password removed]", ("password",)),
    ("username jdoe password Winter2024", "username jdoe password [password removed]", ("password",)),
    ("user: taxpayer01 pass: qwerty123", "user: taxpayer01 pass: [password removed]", ("password",)),
    ("two: 123-45-6789 and 187654320", "two: [ssn removed] and [ssn removed]", ("ssn",)),
    # Unicode digits are digits too.
    ("ssn ١٢٣٤٥٦٧٨٩", "ssn [ssn removed]", ("ssn",)),
    ("ssn １２３-４５-６７８９", "ssn [ssn removed]", ("ssn",)),
]


@pytest.mark.parametrize("text, expected, kinds", MASKED)
def test_sensitive_numbers_are_masked(text, expected, kinds):
    result = redact(text)
    assert result.text == expected
    assert result.kinds == kinds


# What the assistant needs, which must come through untouched.
KEPT = [
    "I got an LT11 today", "letter 1058 dated oct 3", "LT1058 and L1058", "what is a cp504", "CP2000 and CP90",
    "my notice is dated 11/10/2026", "2026-11-10", "11-10-2026", "nov 10, 2026", "10.11.2026", "20261110",
    "I owe $45,000", "about 45k", "$1,234,567.89", "12,345,678 dollars", "$123456.78", "balance 98765",
    "call me at 555-010-4477", "(555) 010-4477 in the mornings", "+1 555 010 4477", "5550104477", "+15550104477",
    "1-555-010-4477", "555.010.4477", "my zip is 20500-0001", "the last 4 of my ssn are 6789",
    "I got my IP PIN letter dated Jan 5 2026", "my account balance is 45000", "my password was stolen",
    "tax years 2019 2020 2021", "pin number 2024/01", "my pin arrived 01-15-2026",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_the_assistant_needs_is_kept(text):
    assert redact(text) == r.Redacted(text)


MIXED = [
    "I got an LT11 dated November 10 2026, my ssn is 123-45-6789 and I owe $45,000",
    "letter 1058 dated 11/10/2026, call me at 555-010-4477, acct 000123456789",
    "cp504 on 2026-11-02, card 4111 1111 1111 1111, they levied my bank",
    "LT11 from 10/31/2026 ssn 987654320 they garnish my wages, about 12k",
    "my ein is 12-3456789, we got letter 1058 on 2026-11-20 for $250,000 payroll tax",
]


@pytest.mark.parametrize("text", MIXED)
def test_redaction_leaves_every_entity_the_nlu_finds(text):
    """The NLU's extractor reads the same notice codes, dates, amounts and levy targets after
    redaction as before: only the identifiers went."""
    before = [(e["entity"], e["value"], e.get("role")) for e in extract_entities(text, TODAY)]
    result = redact(text)
    after = [(e["entity"], e["value"], e.get("role")) for e in extract_entities(result.text, TODAY)]
    assert result.changed
    assert before and after == before


def test_a_callback_phone_number_survives_beside_an_ssn():
    text = "yes call me at (555) 010-4477, my ssn is 123-45-6789"
    assert redact(text).text == "yes call me at (555) 010-4477, my ssn is [ssn removed]"


def test_checksums():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112") and not luhn_valid("41111x1111111111")
    assert aba_valid("021000021") and aba_valid("123456780")
    assert not aba_valid("123456789") and not aba_valid("12345678")
    assert is_itin("900701234") and is_itin("999881234") and is_itin("912941234")
    assert not is_itin("900931234") and not is_itin("123456789") and not is_itin("900891234")


def test_an_unlabelled_nine_digit_number_that_passes_the_aba_check_is_named_a_routing_number_only_about_a_bank():
    assert redact("bank says 021000021").kinds == ("routing",)
    assert redact("it is 021000021").kinds == ("ssn",)


def test_a_card_number_that_fails_luhn_is_not_a_card():
    # 16 digits in groups but not a card: a long run, or nothing when grouped like a phone.
    assert redact("4111 1111 1111 1112").kinds == ()
    assert redact("4111111111111112").kinds == ("account",)


def test_describe():
    assert describe(["ssn"]) == "a Social Security number"
    assert describe(["ssn", "card"]) == "a Social Security number and a card number"
    assert describe(["ssn", "pin", "card"]) == "a Social Security number, an IRS PIN and a card number"
    assert describe([]) == "a sensitive number"


def test_redact_value_masks_every_string_in_metadata():
    value = {"note": "ssn 123-45-6789", "123-45-6789": [1, "card 4111111111111111", {"x": None}], "n": 5}
    assert redact_value(value) == {"note": "ssn [ssn removed]", "[ssn removed]": [1, "card [card number removed]", {"x": None}], "n": 5}


def test_non_text_gives_empty_text():
    assert redact(None).text == "" and not redact(None).changed
