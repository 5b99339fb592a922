"""The taxpayer's next steps, from what the conversation established.

Each step names its source (facts file section). Steps are worded so they stay true without
promising eligibility: "may", "ask about", never "you qualify".
"""
from __future__ import annotations

from typing import List

from bot.case import Case
from bot.deadlines import STATUS_PASSED
from bot.notices import PRE_LEVY
from bot.risk import LEVY_TARGETS, STREAMLINED_LIMIT


def next_steps(case: Case) -> List[str]:
    steps: List[str] = []
    report = case.safe_deadline()
    pre_levy = case.notice is None or case.notice.cdp_right == PRE_LEVY
    if report is not None and pre_levy:
        if report.status != STATUS_PASSED:
            # facts 1.1, 1.5, 3: Form 12153, postmark rule, address on the notice.
            steps.append(
                f"Mail Form 12153 to the address on your notice so it is postmarked by "
                f"{report.effective_last_day:%A, %B %-d}; certified mail gives you proof."
            )
        elif report.equivalent_open:
            # facts 1.4: equivalent hearing, one year, no levy bar.
            steps.append(
                f"You can still ask for an equivalent hearing on Form 12153 until "
                f"{report.equivalent_hearing.last_day:%B %-d, %Y}; it does not stop a levy by itself."
            )
    levied = case.levy_served or frozenset()
    if "bank" in levied:
        # facts 4: IRC 6332(c) 21-day hold; facts 5.4: IRC 6343 release for hardship.
        steps.append(
            "Your bank must hold levied money for 21 days before sending it; act now, since a "
            "levy can be released in that window, for example when it causes hardship."
        )
    if levied & {"wages", "social_security", "federal_payment"}:
        # facts 4: IRC 6331(e), (h) continuous levies.
        steps.append("A wage or benefit levy continues every payment until it is released, so ask for a release now.")
    if case.unfiled_returns:
        # facts 5.2, 7: every option needs filed returns.
        steps.append("File any missing tax returns: a payment plan, an offer or hardship status all need them.")
    if case.payment_plan == "defaulted":
        # facts 5.1, 5.3: 6159(b)(5) 30 days' notice; CAP within 30 days of termination.
        steps.append(
            "Call the number on your notice about reinstating your payment plan; if it is "
            "terminated, a Collection Appeals Program request (Form 9423) keeps the levy bar in place."
        )
    if case.hardship:
        # facts 5.4, 3: CNC; TAS Form 911.
        steps.append(
            "Ask about Currently Not Collectible (hardship) status, and contact the Taxpayer "
            "Advocate Service (Form 911) if a levy would stop you paying basic living costs."
        )
    elif case.balance is not None and case.payment_plan in (None, "none") and not case.unfiled_returns:
        if case.balance <= STREAMLINED_LIMIT:
            # facts 5.1: streamlined / online payment plan up to $50,000.
            steps.append("With a balance of $50,000 or less, a payment plan can often be set up online at irs.gov.")
        else:
            steps.append("Above $50,000 a payment plan needs a financial statement; an advisor can prepare it with you.")
    return steps


# How a levy target reads in a sentence to the taxpayer (bot.risk.LEVY_TARGETS).
TARGET_WORDS = {
    "bank": "your bank account",
    "wages": "your wages",
    "social_security": "your Social Security",
    "federal_payment": "federal payments you receive",
    "business_receivables": "your business income",
    "other": "other property",
}


def targets_in_words(targets) -> str:
    """'your bank account and your wages', in LEVY_TARGETS order."""
    words = [TARGET_WORDS[t] for t in LEVY_TARGETS if t in set(targets)]
    if len(words) <= 1:
        return "".join(words) or "your property"
    return ", ".join(words[:-1]) + " and " + words[-1]
