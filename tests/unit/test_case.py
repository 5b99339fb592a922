"""A conversation's slots become one case: deadline, risk, next steps, advisor summary."""
import datetime as dt

import pytest

from bot.case import UNKNOWN_CODE, Case
from bot.deadlines import DeadlineInputError
from bot.guidance import next_steps

TODAY = dt.date(2026, 11, 27)


def case(**slots):
    return Case.from_slots(slots, TODAY)


def test_slots_become_typed_facts():
    c = case(notice_code="lt 11", notice_date="2026-11-10", levy_status="bank,wages", payment_plan="defaulted",
             unfiled_returns=True, balance=42000.0, hardship=False, taxpayer_type="individual")
    assert c.notice.code == "LT11"
    assert c.notice_date == dt.date(2026, 11, 10)
    assert c.levy_served == frozenset({"bank", "wages"})
    assert (c.payment_plan, c.unfiled_returns, c.balance, c.hardship) == ("defaulted", True, 42000.0, False)


def test_skipped_and_junk_slots_are_unknown():
    c = case(notice_code="skipped", notice_date="skipped", levy_status="skipped", payment_plan="maybe",
             unfiled_returns="skipped", balance="skipped", hardship="skipped", taxpayer_type="alien")
    assert c.notice is None and c.notice_code == UNKNOWN_CODE
    assert c.notice_date is None and c.levy_served is None and c.payment_plan is None
    assert c.unfiled_returns is None and c.balance is None and c.hardship is None and c.taxpayer_type is None


def test_deadline_for_a_final_notice():
    report = case(notice_code="LT11", notice_date="2026-11-25").deadline()
    assert report.effective_last_day == dt.date(2026, 12, 28)


def test_no_deadline_for_a_notice_without_cdp_rights():
    c = case(notice_code="CP504", notice_date="2026-11-01")
    assert not c.computes_cdp_deadline
    assert c.deadline() is None


def test_unknown_code_still_gets_the_30_day_rule_but_a_foreign_code_does_not():
    assert case(notice_code=UNKNOWN_CODE, notice_date="2026-11-25").deadline() is not None
    assert case(notice_code="CP2000", notice_date="2026-11-25").deadline() is None


def test_lien_deadline_counts_from_the_letter():
    report = case(notice_code="L3172", notice_date="2026-11-02").deadline()
    assert report.cdp.kind == "cdp_lien_from_letter"
    assert report.cdp.last_day == dt.date(2026, 12, 2)


def test_a_future_date_is_refused_but_the_safe_variant_gives_none():
    c = case(notice_code="LT11", notice_date="2026-12-01")
    with pytest.raises(DeadlineInputError):
        c.deadline()
    assert c.safe_deadline() is None


def test_arrival_date_bounds_the_deadline():
    c = case(notice_code="LT11", received_date="2026-11-20")
    latest = c.latest_possible_deadline()
    assert latest.effective_last_day == dt.date(2026, 12, 21)  # Sunday Dec 20 -> Monday
    assert case(notice_code="LT11", notice_date="2026-11-18", received_date="2026-11-20").latest_possible_deadline() is None


def test_risk_uses_every_fact():
    risk = case(notice_code="L1058", notice_date="2026-11-20", levy_status="bank", hardship=True).risk()
    assert risk.level == "urgent"
    assert {"final_notice", "revenue_officer", "levy_bank", "hardship"} <= {f.code for f in risk.factors}


def test_summary_tells_the_advisor_everything_known():
    c = case(notice_code="LT11", notice_date="2026-10-30", reply_by_date="2026-11-27", levy_status="none",
             payment_plan="none", unfiled_returns=False, balance=12500.0, hardship=True, taxpayer_type="business")
    summary = c.summary()
    assert "Notice LT11" in summary and "dated Fri 2026-10-30" in summary
    assert "CDP deadline Fri 2026-11-27 (last day today)" in summary
    assert "printed reply-by 2026-11-27 differs from computed 2026-11-30" in summary
    assert "levy already made: none" in summary and "balance: about $12,500" in summary
    assert "hardship: yes" in summary and "taxpayer: business" in summary


def test_summary_of_an_empty_case_says_unknown():
    summary = case().summary()
    assert "Notice code unknown" in summary and "notice date not given" in summary
    assert "levy already made: unknown" in summary and "balance: unknown" in summary


def test_handoff_payload_shape():
    payload = case(notice_code="LT11", notice_date="2026-11-10").handoff_payload(
        "conv-1", "rest", "risk", {"method": "phone", "phone": "+15552014433", "consent": True}
    )
    assert payload["conversation_id"] == "conv-1" and payload["reason"] == "risk"
    assert payload["notice_code"] == "LT11" and payload["cdp_deadline"] == "2026-12-10"
    assert payload["days_left"] == 13
    assert payload["risk"]["level"] == "medium"
    assert payload["facts"]["notice_date"] == "2026-11-10"
    assert payload["summary"].startswith("Notice LT11")


def test_next_steps_follow_the_facts():
    steps = next_steps(case(notice_code="LT11", notice_date="2026-11-10", levy_status="bank", unfiled_returns=True,
                            payment_plan="defaulted", hardship=True))
    text = " ".join(steps)
    assert "postmarked by Thursday, December 10" in text
    assert "21 days" in text
    assert "missing tax returns" in text
    assert "Form 9423" in text
    assert "Currently Not Collectible" in text and "Form 911" in text


def test_next_steps_after_the_deadline_point_to_the_equivalent_hearing():
    steps = next_steps(case(notice_code="LT11", notice_date="2026-06-01"))
    assert any("equivalent hearing" in s and "June 1, 2027" in s for s in steps)
    assert not any("postmarked by" in s for s in steps)


@pytest.mark.parametrize("balance, words", [(30000.0, "online"), (80000.0, "financial statement")])
def test_next_steps_by_balance(balance, words):
    steps = next_steps(case(notice_code="CP504", notice_date="2026-11-01", balance=balance, payment_plan="none"))
    assert any(words in s for s in steps)
