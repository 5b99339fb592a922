"""Levy-risk assessment: each signal of facts section 7 moves the level, with its reason."""
import datetime as dt

import pytest

from bot.deadlines import cdp_report
from bot.notices import catalog
from bot.risk import HIGH, LOW, MEDIUM, RULES, URGENT, RiskFacts, assess, level_for

TODAY = dt.date(2026, 11, 27)


def facts(code=None, notice_date=None, printed=None, today=TODAY, **situation):
    notice = catalog().get(code) if code else None
    report = None
    if notice_date:
        report = cdp_report(dt.date.fromisoformat(notice_date), today,
                            printed_reply_by=dt.date.fromisoformat(printed) if printed else None)
    return RiskFacts(notice=notice, deadline=report, **situation)


@pytest.mark.parametrize(
    "case, level, factor_codes",
    [
        (facts("CP14", levy_served=frozenset()), LOW, []),
        (facts("CP504"), LOW, ["intent_to_levy"]),
        (facts("LT11", "2026-11-10"), MEDIUM, ["final_notice"]),  # 18 days left
        (facts("LT11", "2026-10-30"), HIGH, ["final_notice", "deadline_near"]),  # 3 days left (Sunday Nov 29 rolls to Monday)
        (facts("LT11", "2026-10-28"), URGENT, ["final_notice", "deadline_imminent"]),  # last day today
        # Wednesday Nov 25: Dec 25 rolls to Monday Dec 28; counted on Dec 26 (2 days) and Dec 21 (7 days).
        (facts("LT11", "2026-11-25", today=dt.date(2026, 12, 26)), URGENT, ["final_notice", "deadline_imminent"]),
        (facts("LT11", "2026-11-25", today=dt.date(2026, 12, 25)), HIGH, ["final_notice", "deadline_near"]),
        # The equivalent-hearing year of a notice dated Dec 1, 2025 ends Tuesday Dec 1, 2026.
        (facts("LT11", "2025-12-01"), HIGH, ["final_notice", "deadline_passed", "equivalent_closing"]),
        (facts("LT11", "2025-12-01", today=dt.date(2026, 11, 16)), HIGH, ["final_notice", "deadline_passed"]),
        (facts("LT11", "2025-11-20"), HIGH, ["final_notice", "deadline_passed"]),  # both windows closed
        (facts("LT11", "2026-09-01"), HIGH, ["final_notice", "deadline_passed"]),
        (facts("L1058", "2026-11-10"), MEDIUM, ["final_notice", "revenue_officer"]),
        (facts("L1058", "2026-09-01"), URGENT, ["final_notice", "deadline_passed", "revenue_officer"]),
        (facts("LT11", "2026-11-10", levy_served=frozenset({"bank"})), URGENT, ["final_notice", "levy_bank"]),
        (facts(levy_served=frozenset({"wages"})), HIGH, ["levy_wages"]),
        (facts("CP91", levy_served=frozenset({"social_security"})), HIGH, ["intent_to_levy", "levy_social_security"]),
        (facts("CP92"), HIGH, ["post_levy_notice"]),
        (facts("CP523"), MEDIUM, ["intent_to_levy", "plan_defaulted"]),
        (facts("LT11", "2026-11-10", printed="2026-12-08"), HIGH, ["final_notice", "dates_differ"]),
        (facts(federal_contractor=True), HIGH, ["pre_levy_exception"]),
        (facts(jeopardy=True), HIGH, ["jeopardy"]),
        (facts("CP504", payment_plan="active"), LOW, ["intent_to_levy", "plan_protects"]),
        (facts("LT11", "2026-11-10", payment_plan="active"), MEDIUM, ["final_notice", "plan_in_doubt"]),
        (facts("LT11", "2026-11-10", unfiled_returns=True, balance=70_000),
         HIGH, ["final_notice", "unfiled_returns", "balance_over_streamlined", "balance_over_passport"]),
        (facts(balance=50_000), LOW, []),  # the streamlined limit itself is still eligible
    ],
)
def test_levels_and_factors(case, level, factor_codes):
    result = assess(case)
    assert result.level == level
    assert [f.code for f in result.factors] == factor_codes
    assert result.score == max(0, min(100, sum(RULES[c].points for c in factor_codes)))


def test_every_factor_explains_itself():
    result = assess(facts("L1058", "2026-10-30", levy_served=frozenset({"bank", "wages"}), hardship=True))
    assert result.level == URGENT
    for factor in result.factors:
        assert factor.reason and "{" not in factor.reason
        assert factor.source
    near = next(f for f in result.factors if f.code == "deadline_near")
    assert "Only 3 days are left" in near.reason and "November 30, 2026" in near.reason


@pytest.mark.parametrize("today, words", [
    (dt.date(2026, 11, 27), "Today is the last day to request a CDP hearing (last day November 27, 2026): "
                            "Form 12153 must be postmarked today."),
    (dt.date(2026, 11, 26), "Only 1 day is left to request a CDP hearing (last day November 27, 2026): "
                            "Form 12153 must be postmarked by Friday."),
])
def test_an_imminent_deadline_says_what_to_do_today(today, words):
    result = assess(facts("LT11", "2026-10-28", today=today))
    assert result.level == URGENT
    assert next(f for f in result.factors if f.code == "deadline_imminent").reason == words


def test_the_last_days_of_the_equivalent_hearing_year_are_flagged():
    result = assess(facts("LT11", "2025-12-01"))
    reason = next(f for f in result.factors if f.code == "equivalent_closing").reason
    assert "closes in 4 days (December 1, 2026)" in reason


def test_escalation_follows_the_level():
    assert assess(facts("LT11", "2026-09-01")).escalate
    assert not assess(facts("LT11", "2026-11-10")).escalate


def test_a_lien_deadline_passing_adds_no_levy_risk():
    notice = catalog().get("L3172")
    report = cdp_report(dt.date(2026, 9, 1), TODAY, lien=True)
    assert [f.code for f in assess(RiskFacts(notice=notice, deadline=report)).factors] == []


def test_unknown_facts_are_listed_for_the_advisor():
    result = assess(facts("LT11", "2026-11-10"))
    assert "balance" in result.unknown and "payment plan" in result.unknown
    assert "notice" not in result.unknown


@pytest.mark.parametrize("score, level", [(0, LOW), (19, LOW), (20, MEDIUM), (49, MEDIUM), (50, HIGH), (79, HIGH), (80, URGENT)])
def test_score_bands(score, level):
    assert level_for(score) == level


@pytest.mark.parametrize(
    "bad", [dict(levy_served=frozenset({"car"})), dict(payment_plan="maybe"), dict(balance=-5)]
)
def test_bad_facts_are_refused(bad):
    with pytest.raises(ValueError):
        RiskFacts(**bad)


def test_as_dict_is_json_ready():
    data = assess(facts("LT11", "2026-10-30")).as_dict()
    assert data["level"] == HIGH and data["escalate"] is True
    assert {"code", "points", "reason", "source"} <= set(data["factors"][0])


def test_docs_list_every_factor():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "risk.md").read_text()
    for code, rule in RULES.items():
        assert f"| `{code}` | {rule.points:+d} |" in doc, f"docs/risk.md is out of date for {code}"
