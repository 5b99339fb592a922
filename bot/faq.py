"""Which FAQ answer fits the taxpayer asking: the answer picker's, or, for a levy question
that names nothing ("how much can they take?"), the answer for what their case says is
levied or threatened. Someone whose Social Security was cut must not get the wage-levy answer
(facts 4: up to 15% of Social Security, IRC 6331(h), against the Publication 1494 wage table)."""
from __future__ import annotations

from typing import AbstractSet

from bot.risk import LEVY_TARGETS

BANK, WAGES, SOCIAL_SECURITY, _FEDERAL_PAYMENT, BUSINESS_RECEIVABLES, _OTHER = LEVY_TARGETS

LEVY_ANSWERS = {
    BANK: "faq/bank_levy",
    WAGES: "faq/wage_levy",
    SOCIAL_SECURITY: "faq/social_security_levy",
    BUSINESS_RECEIVABLES: "faq/business_levy",
}


def fitting_answer(picked: str, named: AbstractSet[str], known: AbstractSet[str]) -> str:
    """`picked`: the picker's key (faq/<name>); `named`: the levy targets the question names;
    `known`: those the case says are levied or threatened. Only one known kind decides."""
    if picked not in LEVY_ANSWERS.values() or named:
        return picked
    fitting = {LEVY_ANSWERS[target] for target in known if target in LEVY_ANSWERS}
    return fitting.pop() if len(fitting) == 1 else picked
