"""Levy-risk assessment: an explainable score from the facts a conversation gathers.

Each signal is a row in RULES with its points, an optional minimum level ("floor"), the
plain-words reason an advisor reads, and its source (facts file section 7 unless noted).
The level is the higher of the score band and the highest floor among the factors found.
Every threshold lives in this module; docs/risk.md explains the choices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional, Tuple

from bot.deadlines import STATUS_PASSED, DeadlineReport
from bot.notices import LIEN, NONE, POST_LEVY, PRE_LEVY, Notice

LOW, MEDIUM, HIGH, URGENT = "low", "medium", "high", "urgent"
LEVELS = (LOW, MEDIUM, HIGH, URGENT)
# Score bands: the lowest score that reaches each level.
LEVEL_THRESHOLDS = ((URGENT, 80), (HIGH, 50), (MEDIUM, 20), (LOW, 0))
# The assistant hands a case to an advisor at these levels.
ESCALATE_AT = frozenset({HIGH, URGENT})

# facts 5.1 / IRM 5.14.5.2: the streamlined installment agreement limit.
STREAMLINED_LIMIT = 50_000
# facts 6 / IRC 7345: passport certification threshold, $64,000 for 2025 (MED; 2026 unconfirmed).
PASSPORT_THRESHOLD = 64_000

LEVY_TARGETS = ("bank", "wages", "social_security", "federal_payment", "business_receivables", "other")
PLAN_STATUSES = ("none", "active", "pending", "defaulted")


@dataclass(frozen=True)
class Rule:
    points: int
    reason: str
    source: str
    floor: Optional[str] = None


RULES = {
    "final_notice": Rule(
        25,
        "A final notice ({code}): a levy is legally allowed once its 30-day window closes.",
        "IRC 6330(a), 6331(d); facts 1.1",
    ),
    "deadline_passed": Rule(
        35,
        "The hearing deadline ({date}) has passed: a levy is no longer barred; only an "
        "equivalent hearing remains, with no levy bar and no Tax Court review.",
        "IRC 6330(a), (e); Treas. Reg. 301.6330-1(i)",
        floor=HIGH,
    ),
    "deadline_imminent": Rule(
        45,
        "{days_text} to request a CDP hearing (last day {date}): Form 12153 must be postmarked {by_when}.",
        "IRC 6330(a)(3)(B); the 2-day cutoff is a design choice (bot/deadlines.py)",
        floor=URGENT,
    ),
    "equivalent_closing": Rule(
        15,
        "The hearing deadline has passed, and the window to ask for an equivalent hearing closes "
        "{closes} ({equivalent_date}).",
        "Treas. Reg. 301.6330-1(i)(2) Q&A-I7 (facts 1.4); the 14-day cutoff is a design choice",
        floor=HIGH,
    ),
    "deadline_near": Rule(
        30,
        "{days_text} to request a CDP hearing (last day {date}).",
        "IRC 6330(a)(3)(B); the 7-day cutoff is a design choice (facts 7)",
        floor=HIGH,
    ),
    "dates_differ": Rule(
        10,
        "The reply-by date printed on the notice ({printed}) differs from the computed one "
        "({date}); the earlier date was given and a person should check.",
        "facts 1.5, caveats for the bot",
        floor=HIGH,
    ),
    "intent_to_levy": Rule(
        10,
        "A {code}, a notice that comes before levy action.",
        "facts 2",
    ),
    "post_levy_notice": Rule(
        40,
        "A {code}: a levy the law allows before any hearing has already been made.",
        "IRC 6330(f); facts 4",
        floor=HIGH,
    ),
    "levy_bank": Rule(
        60,
        "A bank levy has been served: the bank holds the money for 21 days, then sends it to the IRS.",
        "IRC 6332(c); Treas. Reg. 301.6332-3",
        floor=URGENT,
    ),
    "levy_wages": Rule(
        45,
        "Wages are being levied: a wage levy continues every pay period until released.",
        "IRC 6331(e)",
        floor=HIGH,
    ),
    "levy_social_security": Rule(
        40,
        "Social Security is being levied: up to 15% of each payment, continuously.",
        "IRC 6331(h)",
        floor=HIGH,
    ),
    "levy_federal_payment": Rule(
        40,
        "Federal payments are being levied (up to 15%, or up to 100% for federal contractors).",
        "IRC 6331(h); IRM 5.7.9.3(5)",
        floor=HIGH,
    ),
    "levy_business_receivables": Rule(
        45,
        "Business income or receivables have been levied.",
        "IRC 6331; facts 6",
        floor=HIGH,
    ),
    "levy_other": Rule(
        40,
        "Another levy has already been made.",
        "IRC 6331",
        floor=HIGH,
    ),
    "plan_defaulted": Rule(
        25,
        "A payment plan has defaulted: it ends after 30 days' notice and a levy is allowed 30 "
        "days after termination unless appealed (CAP).",
        "IRC 6159(b)(5); Treas. Reg. 301.6331-4",
    ),
    "plan_protects": Rule(
        -15,
        "A payment plan is {plan}: while it is in effect or pending, new levies are barred.",
        "IRC 6331(k)(2); Treas. Reg. 301.6331-4",
    ),
    "plan_in_doubt": Rule(
        10,
        "A payment plan said to be {plan}, yet a final notice arrived: the plan may have defaulted "
        "or may not cover these taxes; confirm with the IRS before relying on it.",
        "IRC 6331(k)(2); facts 5.3 (a phone call alone may not make a plan pending)",
    ),
    "revenue_officer": Rule(
        20,
        "A revenue officer is assigned: field collection can seize assets and decides case by case.",
        "IRM 5.10, 5.11 (MED)",
    ),
    "unfiled_returns": Rule(
        15,
        "Unfiled returns block a payment plan, an offer or hardship status until they are filed.",
        "Form 656-B; IRM 5.14",
    ),
    "balance_over_streamlined": Rule(
        10,
        "Balance above $50,000: not eligible for a streamlined plan; a financial statement is needed.",
        "IRM 5.14.5.2",
    ),
    "balance_over_passport": Rule(
        5,
        "Balance above the passport threshold (about $64,000): passport certification is possible.",
        "IRC 7345 (threshold MED)",
    ),
    "hardship": Rule(
        15,
        "Economic hardship (rent, food, utilities or medicine at risk): a levy causing hardship "
        "must be released; Taxpayer Advocate help (Form 911) may apply.",
        "IRC 6343(a)(1)(D); IRC 7811 (MED-HIGH)",
    ),
    "pre_levy_exception": Rule(
        25,
        "Federal contractor or employment-tax case: a levy can come before any hearing.",
        "IRC 6330(f), (h)",
        floor=HIGH,
    ),
    "jeopardy": Rule(
        40,
        "Signs of jeopardy (moving assets, leaving the country): the IRS can levy without the usual waits.",
        "IRC 6331(a), 6330(f)(1)",
        floor=HIGH,
    ),
    "dispute": Rule(
        10,
        "The notice is disputed (identity theft, bills never received, wrong amount): needs a person.",
        "facts 7 (MED)",
    ),
}


@dataclass(frozen=True)
class RiskFacts:
    """What the conversation knows; None means not asked or not answered."""

    notice: Optional[Notice] = None
    deadline: Optional[DeadlineReport] = None
    levy_served: Optional[FrozenSet[str]] = None  # empty: no levy yet
    payment_plan: Optional[str] = None  # one of PLAN_STATUSES
    revenue_officer: Optional[bool] = None
    unfiled_returns: Optional[bool] = None
    balance: Optional[float] = None
    hardship: Optional[bool] = None
    federal_contractor: Optional[bool] = None
    jeopardy: Optional[bool] = None
    disputes_notice: Optional[bool] = None

    def __post_init__(self):
        unknown = set(self.levy_served or ()) - set(LEVY_TARGETS)
        if unknown:
            raise ValueError(f"unknown levy target(s): {', '.join(sorted(unknown))}")
        if self.payment_plan is not None and self.payment_plan not in PLAN_STATUSES:
            raise ValueError(f"payment_plan must be one of {PLAN_STATUSES}")
        if self.balance is not None and self.balance < 0:
            raise ValueError("balance cannot be negative")


@dataclass(frozen=True)
class Factor:
    code: str
    points: int
    reason: str
    source: str
    floor: Optional[str] = None


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    score: int
    factors: Tuple[Factor, ...]
    unknown: Tuple[str, ...]

    @property
    def escalate(self) -> bool:
        return self.level in ESCALATE_AT

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "score": self.score,
            "escalate": self.escalate,
            "factors": [
                {"code": f.code, "points": f.points, "reason": f.reason, "source": f.source}
                for f in self.factors
            ],
            "unknown": list(self.unknown),
        }


def _factor(rule_code: str, **values) -> Factor:
    rule = RULES[rule_code]
    return Factor(rule_code, rule.points, rule.reason.format(**values), rule.source, rule.floor)


def _days_text(days: int) -> str:
    if days == 0:
        return "Today is the last day"
    return f"Only {days} day{' is' if days == 1 else 's are'} left"


def _notice_factors(facts: RiskFacts):
    notice, report = facts.notice, facts.deadline
    if notice is None:
        return
    if notice.cdp_right == PRE_LEVY and notice.final_notice:
        yield _factor("final_notice", code=notice.code)
    elif notice.cdp_right == POST_LEVY:
        yield _factor("post_levy_notice", code=notice.code)
    elif notice.cdp_right == NONE and "levy" in notice.title.lower():
        yield _factor("intent_to_levy", code=notice.code)
    if notice.code == "CP523" and facts.payment_plan != "defaulted":
        yield _factor("plan_defaulted")
    if report is None or notice.cdp_right not in (PRE_LEVY, LIEN):
        return
    # A missed lien hearing is serious but is not a levy: only levy deadlines add levy risk.
    if notice.cdp_right == PRE_LEVY:
        date = f"{report.effective_last_day:%B %-d, %Y}"
        if report.status == STATUS_PASSED:
            yield _factor("deadline_passed", date=date)
            if report.equivalent_closing:
                left = report.equivalent_days_left
                yield _factor(
                    "equivalent_closing",
                    closes="today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}",
                    equivalent_date=f"{report.equivalent_hearing.last_day:%B %-d, %Y}",
                )
        elif report.imminent:
            by_when = "today" if report.days_left == 0 else f"by {report.effective_last_day:%A}"
            yield _factor("deadline_imminent", date=date, days_text=_days_text(report.days_left), by_when=by_when)
        elif report.near:
            yield _factor("deadline_near", date=date, days_text=_days_text(report.days_left))
    if report.printed_date_differs:
        yield _factor(
            "dates_differ",
            printed=f"{report.printed_reply_by:%B %-d, %Y}",
            date=f"{report.cdp.last_day:%B %-d, %Y}",
        )


def _situation_factors(facts: RiskFacts):
    for target in LEVY_TARGETS:
        if target in (facts.levy_served or ()):
            yield _factor(f"levy_{target}")
    if facts.payment_plan == "defaulted":
        yield _factor("plan_defaulted")
    elif facts.payment_plan in ("active", "pending"):
        plan = "in effect" if facts.payment_plan == "active" else "pending"
        final = facts.notice is not None and facts.notice.final_notice
        yield _factor("plan_in_doubt" if final else "plan_protects", plan=plan)
    revenue_officer = facts.revenue_officer
    if revenue_officer is None and facts.notice is not None:
        revenue_officer = facts.notice.revenue_officer or None
    if revenue_officer:
        yield _factor("revenue_officer")
    if facts.unfiled_returns:
        yield _factor("unfiled_returns")
    if facts.balance is not None and facts.balance > STREAMLINED_LIMIT:
        yield _factor("balance_over_streamlined")
    if facts.balance is not None and facts.balance > PASSPORT_THRESHOLD:
        yield _factor("balance_over_passport")
    if facts.hardship:
        yield _factor("hardship")
    if facts.federal_contractor:
        yield _factor("pre_levy_exception")
    if facts.jeopardy:
        yield _factor("jeopardy")
    if facts.disputes_notice:
        yield _factor("dispute")


def level_for(score: int) -> str:
    for level, threshold in LEVEL_THRESHOLDS:
        if score >= threshold:
            return level
    return LOW


def assess(facts: RiskFacts) -> RiskAssessment:
    factors = tuple(_notice_factors(facts)) + tuple(_situation_factors(facts))
    score = max(0, min(100, sum(f.points for f in factors)))
    level = level_for(score)
    for factor in factors:
        if factor.floor and LEVELS.index(factor.floor) > LEVELS.index(level):
            level = factor.floor
    unknown = tuple(
        name
        for name, value in (
            ("notice", facts.notice),
            ("notice date", facts.deadline),
            ("levy already made", facts.levy_served),
            ("payment plan", facts.payment_plan),
            ("unfiled returns", facts.unfiled_returns),
            ("balance", facts.balance),
            ("hardship", facts.hardship),
        )
        if value is None
    )
    return RiskAssessment(level, score, factors, unknown)
