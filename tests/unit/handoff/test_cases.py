import datetime as dt

import pytest

from bot.handoff.cases import InvalidCase, priority_for, validate_case
from tests.unit.handoff.cases import escalation


def test_a_full_escalation_is_accepted():
    case = validate_case(escalation())
    assert case.priority == "urgent"
    assert case.notice_date == dt.date(2025, 5, 1)
    assert case.contact["phone"] == "+1 (555) 010-4477"
    assert case.risk["factors"][0]["code"] == "levy_bank"


@pytest.mark.parametrize("reason, level, priority", [
    ("risk", "urgent", "urgent"), ("risk", "high", "high"), ("risk", "medium", "medium"), ("risk", "low", "low"),
    ("user_requested", "low", "medium"), ("user_requested", "medium", "medium"), ("user_requested", "urgent", "urgent"),
    ("fallback", "low", "low"),
])
def test_priority_from_risk_level(reason, level, priority):
    assert priority_for(reason, level) == priority


def test_optional_fields_may_be_null_or_absent():
    body = escalation(notice_code=None, notice_date=None, cdp_deadline=None, days_left=None)
    del body["facts"]
    case = validate_case(body)
    assert case.notice_code is None and case.facts == {}


def test_escalated_at_must_carry_a_zone():
    assert validate_case(escalation(escalated_at="2025-05-30T12:00:00Z")).escalated_at == dt.datetime(
        2025, 5, 30, 12, tzinfo=dt.timezone.utc)
    with pytest.raises(InvalidCase, match="time zone"):
        validate_case(escalation(escalated_at="2025-05-30T12:00:00"))


def _without(path):
    body = escalation()
    *parents, last = path
    target = body
    for key in parents:
        target = target[key]
    del target[last]
    return body


@pytest.mark.parametrize("body, message", [
    ([], "the body must be an object"),
    (escalation(extra=1), "unknown field"),
    (_without(["conversation_id"]), "missing conversation_id"),
    (escalation(conversation_id=""), "conversation_id must not be empty"),
    (escalation(conversation_id=42), "conversation_id must be a string"),
    (escalation(conversation_id="x" * 300), "longer than 255"),
    (escalation(reason="bored"), "reason must be one of risk, user_requested, fallback"),
    (escalation(notice_date="05/01/2025"), "notice_date"),
    (escalation(cdp_deadline="2025-02-30"), "cdp_deadline"),
    (escalation(days_left="3"), "days_left must be an integer"),
    (escalation(days_left=True), "days_left must be an integer"),
    (escalation(contact=None), "contact must be an object"),
    (escalation(contact={"method": "fax", "consent": True}), "contact.method must be one of phone, email"),
    (escalation(contact={"method": "phone", "phone": None, "consent": True}), "contact.phone is empty"),
    (escalation(contact={"method": "email", "email": "not-an-email", "consent": True}), "contact.email"),
    (escalation(contact={"method": "phone", "phone": "call me maybe", "consent": True}), "contact.phone"),
    (escalation(contact={"method": "phone", "phone": "5550104477", "consent": "yes"}), "contact.consent"),
    (_without(["contact", "consent"]), "contact is missing consent"),
    (_without(["risk", "factors"]), "risk is missing factors"),
    (escalation(risk={"level": "extreme", "score": 1, "escalate": True, "factors": [], "unknown": []}), "risk.level"),
    (escalation(risk={"level": "high", "score": 1.5, "escalate": True, "factors": [], "unknown": []}), "risk.score"),
    (escalation(risk={"level": "high", "score": 1, "escalate": True, "factors": [{"code": "x"}], "unknown": []}),
     r"risk.factors\[0\] is missing points"),
    (escalation(risk={"level": "high", "score": 1, "escalate": True, "factors": [], "unknown": "balance"}),
     "risk.unknown must be a list"),
    (escalation(facts=["a"]), "facts must be an object"),
    (escalation(summary="   "), "summary must not be empty"),
])
def test_bad_shapes_get_a_clear_message(body, message):
    with pytest.raises(InvalidCase, match=message):
        validate_case(body)
